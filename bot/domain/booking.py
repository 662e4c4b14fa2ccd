"""The booking core shared by workshops and the tidy-up rota: places in a time slot.

A target (a workshop that takes sign-ups, or a rota slot) has a number of places. A person is
either in, or on the waiting list in the order they asked, or nowhere. Pure decisions; no I/O.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from bot.domain.models import RotaSlot, Workshop

REF_LENGTH = 11


class TargetKind(StrEnum):
    """What is booked."""

    WORKSHOP = "workshop"
    ROTA = "rota"


class Status(StrEnum):
    """Where a person stands for a target."""

    IN = "in"
    WAITING = "waiting"


class Outcome(StrEnum):
    """What a sign-up or cancellation did."""

    SIGNED_UP = "signed_up"
    WAITING = "waiting"
    ALREADY_IN = "already_in"
    ALREADY_WAITING = "already_waiting"
    CANCELLED = "cancelled"
    LEFT_WAITING_LIST = "left_waiting_list"
    NOT_BOOKED = "not_booked"


@lru_cache(maxsize=16384)
def ref(target_id: str) -> str:
    """Give a short, stable reference for button data (ids may be long).

    Kept once made: a /next of six items asked for 15 (a sha256 each), every answer.
    """
    digest = hashlib.sha256(target_id.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:REF_LENGTH]


@dataclass(frozen=True, slots=True)
class Target:
    """Something with places: a workshop with a capacity, or a rota slot."""

    kind: TargetKind
    id: str
    title: str
    start: datetime
    end: datetime
    places: int
    room: str | None = None

    @property
    def ref(self) -> str:
        """Give the short reference used in buttons."""
        return ref(self.id)

    @classmethod
    def of_workshop(cls, w: Workshop) -> Target:
        """Make a target of a workshop that takes sign-ups."""
        if w.capacity is None:
            raise ValueError(f"{w.id} takes no sign-ups")
        return cls(TargetKind.WORKSHOP, w.id, w.title, w.start, w.end, w.capacity, w.room)

    @classmethod
    def of_rota(cls, r: RotaSlot) -> Target:
        """Make a target of a rota slot."""
        return cls(TargetKind.ROTA, r.id, r.area, r.start, r.end, r.places)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Tell whether this target's time overlaps [start, end)."""
        if self.start == self.end or start == end:
            return self.start == start
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Booking:
    """One person's place, or place in the queue, for one target."""

    kind: TargetKind
    target_id: str
    user_id: int
    status: Status
    seq: int
    child_id: int | None = None
    """Set for a child's booking: `user_id` is then the parent's (bot/domain/children.py)."""
    child: str | None = None
    """The child's first name, for the parent's reminders."""


@dataclass(frozen=True, slots=True)
class Standing:
    """A target's bookings: who is in, who waits (in order)."""

    target: Target
    ins: tuple[int, ...]
    waiting: tuple[int, ...]

    @property
    def left(self) -> int:
        """Give the places still free."""
        return max(0, self.target.places - len(self.ins))

    def position(self, user_id: int) -> int | None:
        """Give a person's position on the waiting list (1-based), if they wait."""
        return self.waiting.index(user_id) + 1 if user_id in self.waiting else None

    def status_of(self, user_id: int) -> Status | None:
        """Tell where a person stands."""
        if user_id in self.ins:
            return Status.IN
        if user_id in self.waiting:
            return Status.WAITING
        return None


def closes_at(target: Target, grace: timedelta) -> datetime:
    """Give the moment sign-ups close: the start plus the grace period."""
    return target.start + grace


def is_open(target: Target, now: datetime, grace: timedelta) -> bool:
    """Tell whether sign-ups are still open."""
    return now < closes_at(target, grace)


def decide_sign_up(standing: Standing, user_id: int) -> Outcome:
    """Decide what asking for a place gives: a place, the waiting list, or nothing new."""
    status = standing.status_of(user_id)
    if status is Status.IN:
        return Outcome.ALREADY_IN
    if status is Status.WAITING:
        return Outcome.ALREADY_WAITING
    return Outcome.SIGNED_UP if standing.left > 0 else Outcome.WAITING


def decide_cancel(standing: Standing, user_id: int) -> Outcome:
    """Decide what giving up a place (or a place in the queue) does."""
    status = standing.status_of(user_id)
    if status is Status.IN:
        return Outcome.CANCELLED
    if status is Status.WAITING:
        return Outcome.LEFT_WAITING_LIST
    return Outcome.NOT_BOOKED


def to_promote(standing: Standing, now: datetime, grace: timedelta) -> tuple[int, ...]:
    """Give the people to move from the waiting list into free places (none once closed)."""
    if not is_open(standing.target, now, grace):
        return ()
    return standing.waiting[: standing.left]


def shrink(standing: Standing, places: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Split the people in between those who keep a place and those who go back to waiting.

    The first to sign up keep theirs; the others head the waiting list, in their order.
    """
    return standing.ins[:places], standing.ins[places:]


@dataclass(frozen=True, slots=True)
class Commitment:
    """Something a person is bound to at a time: a booking, a rota slot, an item they run."""

    kind: TargetKind
    id: str
    title: str
    start: datetime
    end: datetime
    facilitating: bool = False
    waiting: bool = False
    """A place on a waiting list: it may turn into a place at any moment, so it counts."""


def clashes(target: Target, commitments: Iterable[Commitment]) -> list[Commitment]:
    """List the commitments that overlap the target (the target itself excepted)."""
    return [
        c
        for c in commitments
        if not (c.kind is target.kind and c.id == target.id) and target.overlaps(c.start, c.end)
    ]


def switchable(found: Sequence[Commitment]) -> bool:
    """Tell whether a clash can be solved by switching: only bookings, never an item one runs."""
    return bool(found) and not any(c.facilitating for c in found)


@dataclass(frozen=True, slots=True)
class Offer:
    """A rota slot someone cannot make, offered to whoever takes it first."""

    id: int
    slot_id: str
    user_id: int
    status: str
    created_at: datetime
    taken_by: int | None
    chat_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """What a sign-up, cancellation or switch did, seen by the person who made it."""

    user_id: int
    outcome: Outcome
    standing: Standing
    clash: tuple[Commitment, ...] = ()
    promoted: tuple[tuple[Target, int], ...] = ()
    """People moved from a waiting list into a place by this move: (target, user id)."""
    cancelled: tuple[Target, ...] = ()
    """Bookings given up by a switch."""

    @property
    def position(self) -> int | None:
        """Give this person's waiting-list position after the move."""
        return self.standing.position(self.user_id)


@dataclass(frozen=True, slots=True)
class Seats:
    """Places left and one person's standing, for the items shown in one answer."""

    user_id: int | None
    standings: Mapping[str, Standing]
    """By workshop id, for the items that take sign-ups."""
    open_ids: frozenset[str]
    cancelled: frozenset[str] = frozenset()
    """Ids of the items shown that were cancelled: shown as such, with no sign-up button."""
    favourites: frozenset[str] = frozenset()
    """The ids of the items shown that the person starred (issue 14: favourites)."""

    def is_cancelled(self, item: Workshop) -> bool:
        """Tell whether an item shown was cancelled."""
        return item.id in self.cancelled

    def starred(self, item: Workshop) -> bool:
        """Tell whether the person starred an item (asked to be reminded of it)."""
        return item.id in self.favourites

    def left(self, item: Workshop) -> int | None:
        """Give the places left of an item that takes sign-ups."""
        found = self.standings.get(item.id)
        return found.left if found else item.capacity

    def status(self, item: Workshop) -> Status | None:
        """Tell where the person stands for an item."""
        found = self.standings.get(item.id)
        return found.status_of(self.user_id) if found and self.user_id is not None else None

    def position(self, item: Workshop) -> int | None:
        """Give the person's waiting-list position for an item."""
        found = self.standings.get(item.id)
        return found.position(self.user_id) if found and self.user_id is not None else None

    def waiting(self, item: Workshop) -> int:
        """Count the people waiting for an item."""
        found = self.standings.get(item.id)
        return len(found.waiting) if found else 0

    def is_open(self, item: Workshop) -> bool:
        """Tell whether sign-ups for an item are open."""
        return item.id in self.open_ids


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One line of a person's agenda."""

    kind: str  # "in", "waiting", "rota", "rota_waiting", "facilitating", "cancelled"
    title: str
    start: datetime
    end: datetime
    room: str | None
    target: Target | None = None
    position: int | None = None
    offered: bool = False


@dataclass(frozen=True, slots=True)
class Fairness:
    """How the rota is shared."""

    registered: int
    without_slot: int
    spread: tuple[tuple[int, int], ...]
    """(slots held, people holding that many), fewest first."""
    by_organisation: tuple[tuple[str, int, int], ...] = field(default=())
    """(organisation, people, slots held)."""
