"""The /change buttons: the steps on one item and the last answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True)
class ChangePress:
    """A step of /change on one item: `op` (i, k, t, r, s, l, p), the item's ref, an argument."""

    PREFIX: ClassVar[str] = r"^ch:"
    """What the handler is registered by (ChangeAnswer shares it)."""
    PATTERN: ClassVar[str] = (
        r"^ch:(?P<op>[iktrslp]):(?P<ref>[A-Za-z0-9_-]{11})(?::(?P<arg>[a-z0-9-]{1,12}))?$"
    )
    op: str
    ref: str
    arg: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"ch:{self.op}:{self.ref}" + ("" if self.arg is None else f":{self.arg}")

    @classmethod
    def parse(cls, data: str) -> ChangePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(match["op"], match["ref"], match["arg"])


@dataclass(frozen=True, slots=True)
class ChangeAnswer:
    """The last step of /change: confirm (ok), confirm and share the room (sh), or abandon."""

    PATTERN: ClassVar[str] = r"^ch:(?P<answer>ok|sh|no)$"
    answer: Literal["ok", "sh", "no"]

    def pack(self) -> str:
        """Give the callback data."""
        return f"ch:{self.answer}"

    @classmethod
    def parse(cls, data: str) -> ChangeAnswer | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        answer: Literal["ok", "sh", "no"] = (
            "ok" if match["answer"] == "ok" else "sh" if match["answer"] == "sh" else "no"
        )
        return cls(answer)
