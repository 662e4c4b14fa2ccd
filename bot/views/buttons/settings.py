"""The /settings buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True)
class SettingsPress:
    """A /settings button: turn the digest, the reminders or the feedback question on or off."""

    PREFIX: ClassVar[str] = r"^set:"
    PATTERN: ClassVar[str] = r"^set:(?P<what>digest|reminders|feedback):(?P<on>[01])$"
    what: Literal["digest", "reminders", "feedback"]
    on: bool

    def pack(self) -> str:
        """Give the callback data."""
        return f"set:{self.what}:{int(self.on)}"

    @classmethod
    def parse(cls, data: str) -> SettingsPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        what: Literal["digest", "reminders", "feedback"] = (
            "digest"
            if match["what"] == "digest"
            else "reminders"
            if match["what"] == "reminders"
            else "feedback"
        )
        return cls(what, match["on"] == "1")
