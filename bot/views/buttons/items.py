"""An item's details button."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class DetailsPress:
    """An item's details button (w:<ref>); the ref is looked up, an unknown one is stale."""

    PREFIX: ClassVar[str] = r"^w:"
    PATTERN: ClassVar[str] = r"^w:(?P<ref>.*)\Z"
    ref: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"w:{self.ref}"

    @classmethod
    def parse(cls, data: str) -> DetailsPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data, re.DOTALL)
        return None if match is None else cls(match["ref"])
