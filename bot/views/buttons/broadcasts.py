"""The /broadcast buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.domain.audience import AudienceKind
from bot.domain.booking import REF_LENGTH

_BROADCAST_ARGS = {  # what each operation's argument looks like; the others take none
    "a": re.compile("|".join(kind.value for kind in AudienceKind)),
    "o": re.compile(r"\d{1,2}"),
    "i": re.compile(rf"[A-Za-z0-9_-]{{{REF_LENGTH}}}"),
}


@dataclass(frozen=True, slots=True)
class BroadcastPress:
    """A step of /broadcast on the draft `tag`: an audience (a), an organisation (o), an item
    (i), send (ok), send to everyone (sure) or cancel (no); `arg` as the operation needs."""

    PREFIX: ClassVar[str] = r"^bc:"
    PATTERN: ClassVar[str] = (
        r"^bc:(?P<op>a|o|i|ok|sure|no):(?P<tag>[0-9a-f]{6})(?::(?P<arg>[A-Za-z0-9_-]{1,20}))?$"
    )
    op: str
    tag: str
    arg: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"bc:{self.op}:{self.tag}" + ("" if self.arg is None else f":{self.arg}")

    @classmethod
    def parse(cls, data: str) -> BroadcastPress | None:
        """Read callback data; None when the bot never made it (an argument of the wrong shape)."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        op, arg = match["op"], match["arg"]
        shape = _BROADCAST_ARGS.get(op)
        well_formed = arg is None if shape is None else arg is not None and shape.fullmatch(arg)
        return cls(op, match["tag"], arg) if well_formed else None
