"""Onboarding buttons: the language and the organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class LanguagePress:
    """A language button (lang:fr, lang:en); the people service checks the code."""

    PREFIX: ClassVar[str] = r"^lang:"
    PATTERN: ClassVar[str] = r"^lang:(?P<code>.*)\Z"
    code: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"lang:{self.code}"

    @classmethod
    def parse(cls, data: str) -> LanguagePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data, re.DOTALL)
        return None if match is None else cls(match["code"])


@dataclass(frozen=True, slots=True)
class OrganisationPress:
    """An organisation button: its place in the configured list, or None to skip."""

    PREFIX: ClassVar[str] = r"^org:"
    PATTERN: ClassVar[str] = r"^org:(?P<choice>-|[0-9]{1,3})\Z"
    index: int | None

    def pack(self) -> str:
        """Give the callback data."""
        return f"org:{'-' if self.index is None else self.index}"

    @classmethod
    def parse(cls, data: str) -> OrganisationPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        return cls(None if match["choice"] == "-" else int(match["choice"]))
