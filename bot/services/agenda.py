"""Answers to "what's next?", "what's on today?", "where is ...?" (rooms: bot/services/rooms.py)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import schedule
from bot.domain.agenda import DayAnswer, FindAnswer, NextAnswer, NowAnswer, OnDayAnswer
from bot.domain.booking import ref
from bot.domain.errors import DomainError
from bot.domain.models import Programme, Workshop
from bot.domain.schedule import Part
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService


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

    async def _items(self, with_cancelled: bool = False) -> tuple[Workshop, ...]:
        items = (await self._programme.current()).workshops
        if with_cancelled:
            items += tuple(c.item for c in await self._programme.cancelled())
        return items

    async def days(self) -> schedule.Days:
        """Give the current programme by day, sorted once per programme."""
        programme = await self._programme.current()
        if self._by_day is None or self._by_day[0] is not programme:
            self._by_day = (programme, schedule.Days.of(programme.workshops, self.tz))
        return self._by_day[1]

    def today(self) -> date:
        """Give today's date in the event's timezone."""
        return schedule.local_day(self._clock.now(), self.tz)

    async def next(self, user_id: int | None = None) -> NextAnswer:
        """Tell what starts next, and what this person is in right now."""
        items, days = await self._items(), await self.days()
        now = self._clock.now()
        mine = {w.id for w in await self._roles.items_run_by(user_id)} if user_id else set()
        # Most people run nothing: no walk through the whole programme for them
        mine_now = (
            tuple(w for w in items if w.id in mine and w.start <= now < w.end) if mine else ()
        )
        slot = days.next_slot(now)
        later = slot is not None and schedule.local_day(slot.start, self.tz) > self.today()
        return NextAnswer(days.phase(now), now, mine_now, slot, later)

    async def now(self) -> NowAnswer:
        """Tell what is on at this moment."""
        items, days = await self._items(), await self.days()
        now = self._clock.now()
        running = tuple(schedule.running(items, now))
        return NowAnswer(days.phase(now), now, running, days.next_slot(now))

    async def day(self, day: date) -> DayAnswer:
        """Give one day's programme."""
        days = await self.days()
        next_day = days.after(day)
        first = days.first_slot(next_day) if next_day is not None else None
        phase = days.phase(self._clock.now())
        return DayAnswer(phase, day, days.on(day), next_day, first)

    async def cancelled_ids(self) -> frozenset[str]:
        """Give the ids of the items cancelled in chat (shown as such where listed)."""
        return frozenset(c.item.id for c in await self._programme.cancelled())

    async def with_cancelled(self, answer: DayAnswer) -> DayAnswer:
        """Add to a day's programme the items cancelled that day, to show them as cancelled."""
        gone = [
            c.item
            for c in await self._programme.cancelled()
            if schedule.local_day(c.item.start, self.tz) == answer.day
        ]
        if not gone:
            return answer
        items = sorted((*answer.items, *gone), key=lambda w: (w.start, w.end, w.title, w.id))
        return dataclasses.replace(answer, items=tuple(items))

    async def day_named(self, text: str) -> DayAnswer:
        """Give the programme of a day written as people write it ('mardi', '27/08')."""
        day = schedule.parse_day(text, self.today(), (await self.days()).days)
        if day is None:
            raise DomainError("agenda.bad_day", text=text)
        return await self.day(day)

    async def tomorrow(self) -> DayAnswer:
        """Give tomorrow's programme."""
        return await self.day(self.today() + timedelta(days=1))

    def in_part(self, answer: DayAnswer, part: Part | None) -> DayAnswer:
        """Keep only a part of a day's programme (the evening, say)."""
        if part is None:
            return answer
        return dataclasses.replace(answer, items=schedule.in_part(answer.items, part, self.tz))

    async def find_on(self, query: str, day_text: str, part: Part | None) -> OnDayAnswer:
        """Find what a question names, and what of it is on the day (and part) it names."""
        found = await self.find(query, with_cancelled=True)
        day = self.today() if part is not None and not day_text else None
        if day_text:
            day = schedule.parse_day(day_text, self.today(), (await self.days()).days)
            if day is None:
                raise DomainError("agenda.bad_day", text=day_text)
        kept = found.items
        if day is not None:
            kept = tuple(w for w in kept if schedule.local_day(w.start, self.tz) == day)
        if part is not None:
            kept = schedule.in_part(kept, part, self.tz)
        return OnDayAnswer(found, day, part, kept)

    async def find(self, query: str, *, with_cancelled: bool = False) -> FindAnswer:
        """Find items: exact title, title words, details, then typos; upcoming first in each.

        with_cancelled: cancelled items too (to show as such), so that a search for one is
        never answered with a fuzzy neighbour instead.
        """
        if not query.strip():
            raise DomainError("agenda.search_empty")
        found = (await self._programme.index(with_cancelled=with_cancelled)).search(query)
        now = self._clock.now()
        ranked = sorted(found, key=lambda m: (m.tier, m.item.end <= now, m.item.start))
        best = tuple(m.item for m in ranked if m.tier == ranked[0].tier) if ranked else ()
        return FindAnswer(query, tuple(m.item for m in ranked), best)

    async def workshop(self, ref: str, *, with_cancelled: bool = False) -> FindAnswer:
        """Find one item by id, or by words of its title (cancelled ones too if asked)."""
        items = await self._items(with_cancelled)
        by_id = [w for w in items if w.id == ref.strip()]
        if by_id:
            return FindAnswer(ref, tuple(by_id))
        return await self.find(ref, with_cancelled=with_cancelled)

    async def by_id(self, workshop_id: str) -> Workshop:
        """Give one item, or refuse a stale reference."""
        for w in await self._items():
            if w.id == workshop_id:
                return w
        raise DomainError("common.stale_button")

    async def by_ref(self, code: str, *, with_cancelled: bool = False) -> Workshop:
        """Give the item a button refers to, or refuse a stale or forged reference."""
        for w in await self._items(with_cancelled):
            if ref(w.id) == code:
                return w
        raise DomainError("common.stale_button")
