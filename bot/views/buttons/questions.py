"""Questions to the organisers (/ask): the Reply button."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class QuestionPress:
    """An organiser's Reply button on a relayed question (its number)."""

    PREFIX: ClassVar[str] = r"^qa:"
    PATTERN: ClassVar[str] = r"^qa:(?P<id>[1-9][0-9]{0,11})\Z"
    question_id: int

    def pack(self) -> str:
        """Give the callback data."""
        return f"qa:{self.question_id}"

    @classmethod
    def parse(cls, data: str) -> QuestionPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(int(match["id"]))
