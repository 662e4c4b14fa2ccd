"""Sessions proposed in chat (issue 14, part 1): /propose's steps and the organisers' card."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

_SLOT = r"[0-9]{12}:[0-9a-f]{6}"
"""A slot on a button: its start (UTC, YYYYMMDDHHMM) and a digest of the room's name."""


@dataclass(frozen=True, slots=True)
class ProposePress:
    """A step of /propose: a duration (d), a slot (at), the organisers choose (org), places
    (c), a language (l), send (ok) or drop (no); `arg` as the step needs."""

    PREFIX: ClassVar[str] = r"^pp:"
    PATTERN: ClassVar[str] = (
        rf"^pp:(?:(?P<op>d|c|l|at):(?P<arg>[0-9]{{1,3}}|fr|en|both|{_SLOT})|(?P<bare>org|ok|no))$"
    )
    op: str
    arg: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"pp:{self.op}" + ("" if self.arg is None else f":{self.arg}")

    @classmethod
    def parse(cls, data: str) -> ProposePress | None:
        """Read callback data; None when the bot never made it (an argument of the wrong shape)."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        if match["bare"]:
            return cls(match["bare"])
        op, arg = match["op"], match["arg"]
        shapes = {"d": r"[0-9]{1,3}", "c": r"[0-9]{1,3}", "l": r"fr|en|both", "at": _SLOT}
        return cls(op, arg) if re.fullmatch(shapes[op], arg) else None


@dataclass(frozen=True, slots=True)
class ProposalPress:
    """An organiser's button on a proposal's card: approve (ok), move (mv), decline (no), or
    approve in another slot (at, with the slot)."""

    PREFIX: ClassVar[str] = r"^pr:"
    PATTERN: ClassVar[str] = (
        rf"^pr:(?P<op>ok|mv|no|at):(?P<id>[0-9]{{1,9}})(?::(?P<slot>{_SLOT}))?$"
    )
    op: str
    proposal_id: int
    slot: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"pr:{self.op}:{self.proposal_id}" + ("" if self.slot is None else f":{self.slot}")

    @classmethod
    def parse(cls, data: str) -> ProposalPress | None:
        """Read callback data; None when the bot never made it (a slot only with at)."""
        match = re.match(cls.PATTERN, data)
        if match is None or (match["op"] == "at") != (match["slot"] is not None):
            return None
        return cls(match["op"], int(match["id"]), match["slot"])
