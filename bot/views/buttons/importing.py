"""A programme file's preview buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True)
class ImportPress:
    """A programme file's preview button: confirm, confirm once more, or cancel; its draft's tag."""

    PREFIX: ClassVar[str] = r"^im:"
    PATTERN: ClassVar[str] = r"^im:(?P<op>ok|sure|no):(?P<tag>[0-9a-f]{6})$"
    op: Literal["ok", "sure", "no"]
    tag: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"im:{self.op}:{self.tag}"

    @classmethod
    def parse(cls, data: str) -> ImportPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        op: Literal["ok", "sure", "no"] = (
            "ok" if match["op"] == "ok" else "sure" if match["op"] == "sure" else "no"
        )
        return cls(op, match["tag"])
