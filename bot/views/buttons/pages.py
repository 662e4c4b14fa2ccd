"""The pages of a long answer (a day, a search, a room)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.views.buttons.common import MAX_BYTES


@dataclass(frozen=True, slots=True)
class PagePress:
    """A page of a long answer: a day (d), a search (s) or a room (r), the page, what to redo.

    `pack` cuts the argument (a search's words, a room's name) to fit the 64 bytes.
    """

    PREFIX: ClassVar[str] = r"^pg:"
    PATTERN: ClassVar[str] = r"^pg:(?P<view>[drs]):(?P<page>\d{1,3}):(?P<arg>.*)$"
    view: str
    page: int
    arg: str

    def pack(self) -> str:
        """Give the callback data, the argument cut to fit."""
        prefix, arg = f"pg:{self.view}:{self.page}:", self.arg
        while len((prefix + arg).encode()) > MAX_BYTES:
            arg = arg[:-1]
        return prefix + arg

    @classmethod
    def parse(cls, data: str) -> PagePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data, re.DOTALL)
        if match is None:
            return None
        return cls(match["view"], int(match["page"]), match["arg"])
