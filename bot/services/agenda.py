"""Answers to "what's next?", "what's on today?", "where is ...?"."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import schedule
from bot.domain.agenda import DayAnswer, FindAnswer, NextAnswer, NowAnswer, OnDayAnswer, RoomCard
from bot.domain.booking import ref
from bot.domain.errors import DomainError
from bot.domain.models import Programme, Room, Workshop
from bot.domain.schedule import Part
from bot.domain.text import best_matches, fold, words
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService

# Words that say "a room" without saying which ("the Brassens room", "la salle Brassens")
ROOM_WORDS = frozenset(("salle", "room", "the", "la", "le"))


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
        items, days = await self._items(), await self._days()
        now = self._clock.now()
        mine = {w.id for w in await self._roles.items_run_by(user_id)} if user_id else set()
        mine_now = tuple(w for w in items if w.id in mine and w.start <= now < w.end)
        slot = days.next_slot(now)
        later = slot is not None and schedule.local_day(slot.start, self.tz) > self.today()
        return NextAnswer(days.phase(now), now, mine_now, slot, later)

    async def now(self) -> NowAnswer:
        """Tell what is on at this moment."""
        items, days = await self._items(), await self._days()
        now = self._clock.now()
        running = tuple(schedule.running(items, now))
        return NowAnswer(days.phase(now), now, running, days.next_slot(now))

    async def day(self, day: date) -> DayAnswer:
        """Give one day's programme."""
        days = await self._days()
        next_day = days.after(day)
        first = schedule.by_start(days.on(next_day))[0] if next_day is not None else None
        phase = days.phase(self._clock.now())
        return DayAnswer(phase, day, days.on(day), next_day, first)

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
        day = schedule.parse_day(text, self.today(), (await self._days()).days)
        if day is None:
            raise DomainError("agenda.bad_day", text=text)
        return await self.day(day)

    async def tomorrow(self) -> DayAnswer:
        """Give tomorrow's programme."""
        return await self.day(self.today() + timedelta(days=1))

    async def _rooms(self) -> list[Room]:
        programme = await self._programme.current()
        return list(programme.rooms) or [
            Room(name) for name in sorted({w.room for w in programme.workshops if w.room})
        ]

    async def room_named(self, text: str) -> Room | None:
        """Give the one room `text` names (typos forgiven), or None."""
        rooms = await self._rooms()
        exact = [r for r in rooms if fold(r.name) == fold(text.strip())]
        if exact:
            return exact[0]
        # "the Brassens room", "salle brassens": the word for a room says nothing of which
        bare = " ".join(w for w in words(text) if w not in ROOM_WORDS)
        for wanted in dict.fromkeys((text, bare)):
            ranked = sorted(
                best_matches(wanted, rooms, key=[r.name for r in rooms], threshold=0.85),
                key=lambda pair: -pair[0],
            )
            if len(ranked) == 1 or (len(ranked) > 1 and ranked[0][0] > ranked[1][0]):
                return ranked[0][1]
        return None

    async def room_card(self, room: Room) -> RoomCard:
        """Tell where a room is and what is on there now and next."""
        in_room = schedule.in_room(await self._items(), room.name)
        now = self._clock.now()
        return RoomCard(
            room, tuple(schedule.running(in_room, now)), schedule.next_slot(in_room, now)
        )

    async def room(self, name: str, day_text: str = "") -> tuple[str, DayAnswer]:
        """Give a day's programme in one room: today's (or what comes next), or `day_text`'s."""
        programme = await self._programme.current()
        rooms = [r.name for r in await self._rooms()]
        exact = [r for r in rooms if fold(r) == fold(name)]
        found = exact or [r for _, r in best_matches(name, rooms, key=rooms)]
        if not found:
            raise DomainError("agenda.no_room", name=name, rooms=", ".join(rooms))
        room = found[0]
        in_room = schedule.in_room(programme.workshops, room)
        phase = (await self._days()).phase(self._clock.now())
        if day_text:
            day = schedule.parse_day(day_text, self.today(), (await self._days()).days)
            if day is None:
                raise DomainError("agenda.bad_day", text=day_text)
            on_day = tuple(w for w in in_room if schedule.local_day(w.start, self.tz) == day)
            return room, DayAnswer(phase, day, on_day, None, None)
        today = self.today()
        todays = tuple(w for w in in_room if schedule.local_day(w.start, self.tz) == today)
        upcoming = [w for w in in_room if schedule.local_day(w.start, self.tz) > today]
        next_day = schedule.local_day(upcoming[0].start, self.tz) if upcoming else None
        first = (
            schedule.by_start(schedule.on_day(upcoming, next_day, self.tz))[0] if next_day else None
        )
        return room, DayAnswer(phase, today, todays, next_day, first)

    async def room_and_day(self, text: str) -> tuple[str, str]:
        """Split '/room plage mercredi' into the room and the day ('' when none is named)."""
        words = text.split()
        if len(words) > 1 and await self.room_named(text) is None:
            week = (await self._days()).days
            for size in (1, 2, 3):
                head, tail = " ".join(words[:-size]), " ".join(words[-size:])
                if head and schedule.parse_day(tail, self.today(), week) is not None:
                    return head, tail
        return text, ""

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
            day = schedule.parse_day(day_text, self.today(), (await self._days()).days)
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
