"""Answers to "what's next?", "what's on today?", "where is ...?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import schedule
from bot.domain.booking import ref
from bot.domain.errors import DomainError
from bot.domain.models import Programme, Workshop
from bot.domain.schedule import Phase, Slot
from bot.domain.text import best_matches, fold
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService


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
    """Items that match what a person asked about."""

    query: str
    items: tuple[Workshop, ...]


class AgendaService:
    """Read the programme against the clock."""

    def __init__(
        self, programme: ProgrammeService, roles: RolesService, clock: Clock, tz: ZoneInfo
    ) -> None:
        self._programme = programme
        self._roles = roles
        self._clock = clock
        self.tz = tz
        self._by_day: tuple[Programme, schedule.Days] | None = None

    async def _items(self) -> tuple[Workshop, ...]:
        return (await self._programme.current()).workshops

    async def _days(self) -> schedule.Days:
        """The current programme by day, sorted once per programme."""
        programme = await self._programme.current()
        if self._by_day is None or self._by_day[0] is not programme:
            self._by_day = (programme, schedule.Days.of(programme.workshops, self.tz))
        return self._by_day[1]

    def today(self) -> date:
        """Give today's date in the event's timezone."""
        return schedule.local_day(self._clock.now(), self.tz)

    async def next(self, user_id: int | None = None) -> NextAnswer:
        """Tell what starts next, and what this person is in right now."""
        items = await self._items()
        now = self._clock.now()
        mine = {w.id for w in await self._roles.items_run_by(user_id)} if user_id else set()
        mine_now = tuple(w for w in schedule.running(items, now) if w.id in mine)
        slot = schedule.next_slot(items, now)
        later = slot is not None and schedule.local_day(slot.start, self.tz) > self.today()
        return NextAnswer(schedule.phase(items, now), now, mine_now, slot, later)

    async def now(self) -> NowAnswer:
        """Tell what is on at this moment."""
        items = await self._items()
        now = self._clock.now()
        running = tuple(schedule.running(items, now))
        return NowAnswer(schedule.phase(items, now), now, running, schedule.next_slot(items, now))

    async def day(self, day: date) -> DayAnswer:
        """Give one day's programme."""
        items, days = await self._items(), await self._days()
        next_day = days.after(day)
        first = schedule.by_start(days.on(next_day))[0] if next_day is not None else None
        phase = schedule.phase(items, self._clock.now())
        return DayAnswer(phase, day, days.on(day), next_day, first)

    async def day_named(self, text: str) -> DayAnswer:
        """Give the programme of a day written as people write it ('mardi', '27/08')."""
        day = schedule.parse_day(text, self.today(), (await self._days()).days)
        if day is None:
            raise DomainError("agenda.bad_day", text=text)
        return await self.day(day)

    async def tomorrow(self) -> DayAnswer:
        """Give tomorrow's programme."""
        return await self.day(self.today() + timedelta(days=1))

    async def room(self, name: str) -> tuple[str, DayAnswer]:
        """Give today's programme in one room (or the whole week's if nothing is on today)."""
        programme = await self._programme.current()
        rooms = [r.name for r in programme.rooms] or sorted(
            {w.room for w in programme.workshops if w.room}
        )
        exact = [r for r in rooms if fold(r) == fold(name)]
        found = exact or [r for _, r in best_matches(name, rooms, key=rooms)]
        if not found:
            raise DomainError("agenda.no_room", name=name, rooms=", ".join(rooms))
        room = found[0]
        in_room = schedule.in_room(programme.workshops, room)
        today = self.today()
        todays = tuple(w for w in in_room if schedule.local_day(w.start, self.tz) == today)
        upcoming = [w for w in in_room if schedule.local_day(w.start, self.tz) > today]
        next_day = schedule.local_day(upcoming[0].start, self.tz) if upcoming else None
        first = (
            schedule.by_start(schedule.on_day(upcoming, next_day, self.tz))[0] if next_day else None
        )
        return room, DayAnswer(
            schedule.phase(programme.workshops, self._clock.now()), today, todays, next_day, first
        )

    async def find(self, query: str) -> FindAnswer:
        """Find items: exact title, title words, details, then typos; upcoming first in each."""
        if not query.strip():
            raise DomainError("agenda.search_empty")
        found = (await self._programme.index()).search(query)
        now = self._clock.now()
        ranked = sorted(found, key=lambda m: (m.tier, m.item.end <= now, m.item.start))
        return FindAnswer(query, tuple(m.item for m in ranked))

    async def workshop(self, ref: str) -> FindAnswer:
        """Find one item by id, or by words of its title."""
        items = await self._items()
        by_id = [w for w in items if w.id == ref.strip()]
        if by_id:
            return FindAnswer(ref, tuple(by_id))
        return await self.find(ref)

    async def by_id(self, workshop_id: str) -> Workshop:
        """Give one item, or refuse a stale reference."""
        for w in await self._items():
            if w.id == workshop_id:
                return w
        raise DomainError("common.stale_button")

    async def by_ref(self, code: str) -> Workshop:
        """Give the item a button refers to, or refuse a stale or forged reference."""
        for w in await self._items():
            if ref(w.id) == code:
                return w
        raise DomainError("common.stale_button")
