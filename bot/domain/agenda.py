"""What the agenda answers: the result types of /next, /now, a day, a search, a room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.models import Room, Workshop
from bot.domain.schedule import Part, Phase, Slot


@dataclass(frozen=True, slots=True)
class NextAnswer:
    """What comes next, and what of mine is running."""

    phase: Phase
    now: datetime
    mine_now: tuple[Workshop, ...]
    slot: Slot | None
    later_day: bool
    """The next slot is on a later day: nothing more today."""


@dataclass(frozen=True, slots=True)
class NowAnswer:
    """What is on at this moment."""

    phase: Phase
    now: datetime
    running: tuple[Workshop, ...]
    slot: Slot | None


@dataclass(frozen=True, slots=True)
class DayAnswer:
    """A day's programme, and where to look when it is empty."""

    phase: Phase
    day: date
    items: tuple[Workshop, ...]
    next_day: date | None
    next_day_first: Slot | None


@dataclass(frozen=True, slots=True)
class FindAnswer:
    """Items that match what a person asked about; `best` those that match best."""

    query: str
    items: tuple[Workshop, ...]
    best: tuple[Workshop, ...] = ()


@dataclass(frozen=True, slots=True)
class OnDayAnswer:
    """What matches a question about something on a day ("atelier vélo demain")."""

    found: FindAnswer
    day: date | None
    part: Part | None
    on_day: tuple[Workshop, ...]
    """What matches on that day (and part): empty when it is on other days only."""


@dataclass(frozen=True, slots=True)
class RoomCard:
    """Where a room is, and what is on there now and next."""

    room: Room
    running: tuple[Workshop, ...]
    following: Slot | None
