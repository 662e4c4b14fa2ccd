"""Feedback (issue 14, part 3): the "how was it?" buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.domain.booking import REF_LENGTH


@dataclass(frozen=True, slots=True)
class FeedbackPress:
    """An answer to "how was it?": the item's ref and the score (1 good, 2 so-so, 3 not good)."""

    PREFIX: ClassVar[str] = r"^fb:"
    PATTERN: ClassVar[str] = rf"^fb:(?P<ref>[A-Za-z0-9_-]{{{REF_LENGTH}}}):(?P<score>[123])$"
    ref: str
    score: int

    def pack(self) -> str:
        """Give the callback data."""
        return f"fb:{self.ref}:{self.score}"

    @classmethod
    def parse(cls, data: str) -> FeedbackPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(match["ref"], int(match["score"]))
