"""Favourites (issue 14, part 2): the "remind me" button."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.domain.booking import REF_LENGTH


@dataclass(frozen=True, slots=True)
class FavouritePress:
    """The "remind me" button of an item: star it (+) or unstar it (-), by the item's ref."""

    PREFIX: ClassVar[str] = r"^fav:"
    PATTERN: ClassVar[str] = rf"^fav:(?P<on>[+-]):(?P<ref>[A-Za-z0-9_-]{{{REF_LENGTH}}})$"
    on: bool
    ref: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"fav:{'+' if self.on else '-'}:{self.ref}"

    @classmethod
    def parse(cls, data: str) -> FavouritePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(match["on"] == "+", match["ref"])
