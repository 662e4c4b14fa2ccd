"""Booking buttons: sign up, cancel, switch, rota slots and offers; keep as it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from bot.domain.booking import TargetKind


class BookingOp(StrEnum):
    """What a booking button does, and to what: a workshop (w) or a rota slot (r)."""

    SIGN_UP = "ws"
    CANCEL = "wc"
    SWITCH = "wx"
    TAKE_SLOT = "rs"
    LEAVE_SLOT = "rc"
    SWITCH_SLOT = "rx"
    OFFER = "ro"
    """Offer one's rota slot to others (I can't make it)."""
    TAKE_OFFER = "rt"
    """Take a rota slot someone offered (its argument is the offer's number)."""

    @property
    def kind(self) -> TargetKind:
        """Tell whether the button is about a workshop or a rota slot."""
        return TargetKind.WORKSHOP if self.value[0] == "w" else TargetKind.ROTA

    @property
    def move(self) -> str:
        """Give the move: s (sign up / take), c (cancel / leave), x (switch), o, t."""
        return self.value[1]


@dataclass(frozen=True, slots=True)
class BookingPress:
    """A booking button: `op` on the item or slot `arg` names (its ref, or an offer's number)."""

    PREFIX: ClassVar[str] = r"^b:"
    """What the handler is registered by (KeepPress shares it); the rest is checked by parse."""
    PATTERN: ClassVar[str] = r"^b:(?P<op>w[scx]|r[scxot]):(?P<arg>[A-Za-z0-9_-]{1,20})$"
    op: BookingOp
    arg: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"b:{self.op.value}:{self.arg}"

    @classmethod
    def parse(cls, data: str) -> BookingPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(BookingOp(match["op"]), match["arg"])


@dataclass(frozen=True, slots=True)
class KeepPress:
    """The button that keeps one's bookings as they are (after a clash)."""

    PATTERN: ClassVar[str] = r"^b:keep$"

    def pack(self) -> str:
        """Give the callback data."""
        return "b:keep"

    @classmethod
    def parse(cls, data: str) -> KeepPress | None:
        """Read callback data; None when the bot never made it."""
        return cls() if re.match(cls.PATTERN, data) else None
