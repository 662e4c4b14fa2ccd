"""Proposed sessions: what a proposal holds, which slots are free, the item it becomes. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from bot.domain.errors import DomainError
from bot.domain.models import Facilitator, Kind, Programme, Workshop

MAX_TITLE = 120
MAX_DESCRIPTION = 1000
MAX_REASON = 500
MAX_PENDING = 3
"""Proposals one person may have waiting for a decision at once."""
MAX_PLACES = 500
DURATIONS = (45, 60, 90, 120, 180)
"""The durations offered, in minutes."""
LANGUAGES = ("fr", "en", "both")
SLOTS_OFFERED = 6
TAG = "proposed"
"""The tag of a programme item that was proposed in chat."""


class Status(StrEnum):
    """Where a proposal stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A session a participant proposed; `start` and `room` None: the organisers choose."""

    id: int
    user_id: int
    title: str
    description: str
    minutes: int
    start: datetime | None
    room: str | None
    capacity: int | None
    language: str | None
    proposer_name: str
    proposer_username: str | None
    status: Status
    created_at: datetime
    reason: str | None = None
    item_id: str | None = None
    decided_by: int | None = None

    @property
    def end(self) -> datetime | None:
        """Give when it ends, if it has a time."""
        return None if self.start is None else self.start + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class Slot:
    """A time and a room a proposal may take."""

    start: datetime
    room: str


Step = Literal["title", "description", "minutes", "when", "places", "language", "preview"]


@dataclass(frozen=True, slots=True)
class Draft:
    """The proposer's answers so far, and the step they are at."""

    step: Step
    title: str = ""
    description: str = ""
    minutes: int = 0
    start: datetime | None = None
    room: str | None = None
    capacity: int | None = None
    language: str | None = None

    def body(self) -> dict[str, Any]:
        """Give the draft as the drafts table keeps it."""
        return {
            "step": self.step,
            "title": self.title,
            "description": self.description,
            "minutes": self.minutes,
            "start": self.start.isoformat() if self.start else None,
            "room": self.room,
            "capacity": self.capacity,
            "language": self.language,
        }

    @classmethod
    def of(cls, body: dict[str, Any]) -> Draft:
        """Read a draft back."""
        return cls(
            step=body["step"],
            title=str(body.get("title", "")),
            description=str(body.get("description", "")),
            minutes=int(body.get("minutes", 0)),
            start=datetime.fromisoformat(body["start"]) if body.get("start") else None,
            room=body.get("room"),
            capacity=body.get("capacity"),
            language=body.get("language"),
        )


def check_title(text: str) -> str:
    """Give a usable title, or refuse (empty, too long)."""
    title = " ".join(text.split())
    if not title:
        raise DomainError("proposals.bad_title", limit=MAX_TITLE)
    if len(title) > MAX_TITLE:
        raise DomainError("proposals.title_too_long", limit=MAX_TITLE, length=len(title))
    return title


def check_description(text: str) -> str:
    """Give a usable description, or refuse (empty, too long)."""
    description = text.strip()
    if not description:
        raise DomainError("proposals.bad_description", limit=MAX_DESCRIPTION)
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            "proposals.description_too_long", limit=MAX_DESCRIPTION, length=len(description)
        )
    return description


def check_places(text: str) -> int | None:
    """Read a number of places (0: no sign-ups), or refuse."""
    digits = text.strip().replace("\u202f", "").replace(" ", "")
    if not digits.isdigit() or int(digits) > MAX_PLACES:
        raise DomainError("proposals.bad_places", limit=MAX_PLACES)
    return int(digits) or None


def check_reason(text: str) -> str:
    """Give a usable reason for a decline, or refuse."""
    reason = text.strip()
    if not reason or len(reason) > MAX_REASON:
        raise DomainError("proposals.bad_reason", limit=MAX_REASON)
    return reason


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Tell whether two spans of time overlap."""
    return a_start < b_end and b_start < a_end


def room_taken(
    items: Iterable[Workshop], room: str, start: datetime, end: datetime, but: str | None = None
) -> Workshop | None:
    """Give the item that holds a room at that time (other than `but`), if any."""
    wanted = room.casefold()
    for w in items:
        if (
            w.id != but
            and (w.room or "").casefold() == wanted
            and overlaps(w.start, w.end, start, end)
        ):
            return w
    return None


def free_slots(
    items: Sequence[Workshop],
    rooms: Sequence[str],
    busy: Sequence[tuple[datetime, datetime]],
    minutes: int,
    after: datetime,
    limit: int = SLOTS_OFFERED,
) -> list[Slot]:
    """List the next slots where a room is free and the person has nothing else.

    The times are those the programme already uses (its items' starts), from `after` on;
    `busy` are the spans the person is bound to. One room per time, the first free by name.
    """
    length = timedelta(minutes=minutes)
    starts = sorted({w.start for w in items if w.start > after})
    found: list[Slot] = []
    for start in starts:
        end = start + length
        if any(overlaps(b_start, b_end, start, end) for b_start, b_end in busy):
            continue
        room = next((r for r in sorted(rooms) if room_taken(items, r, start, end) is None), None)
        if room is not None:
            found.append(Slot(start, room))
            if len(found) == limit:
                break
    return found


def rooms_to_offer(programme: Programme) -> list[str]:
    """List the rooms a proposal may be given: not those only meals or the kids' club use."""
    special = (Kind.MEAL, Kind.KIDS)
    used = {w.room for w in programme.workshops if w.room and w.kind not in special}
    only_special = {w.room for w in programme.workshops if w.room} - used
    return [r.name for r in programme.rooms if r.name not in only_special]


def item_id(proposal_id: int) -> str:
    """Give the programme id of the item a proposal becomes."""
    return f"proposal-{proposal_id}"


def as_item(p: Proposal) -> Workshop:
    """Give the programme item an approved proposal is."""
    assert p.start is not None and p.end is not None
    return Workshop(
        id=p.item_id or item_id(p.id),
        title=p.title,
        start=p.start,
        end=p.end,
        kind=Kind.WORKSHOP,
        room=p.room,
        description=p.description,
        facilitators=(Facilitator(p.proposer_name, p.proposer_username),),
        capacity=p.capacity,
        language=None if p.language in (None, "both") else p.language,
        tags=(TAG,),
    )
