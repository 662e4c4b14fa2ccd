"""Rooms: which room a name means (typos forgiven), what is on in one now and next, its day."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import schedule
from bot.domain.agenda import DayAnswer, RoomCard
from bot.domain.errors import DomainError
from bot.domain.models import Room
from bot.domain.text import best_matches, fold, words
from bot.services.agenda import AgendaService
from bot.services.programme import ProgrammeService

# Words that say "a room" without saying which ("the Brassens room", "la salle Brassens")
ROOM_WORDS = frozenset(("salle", "room", "the", "la", "le"))


class RoomService:
    """Answer about the rooms, against the programme and the clock."""

    def __init__(
        self, programme: ProgrammeService, agenda: AgendaService, clock: Clock, tz: ZoneInfo
    ) -> None:
        self._programme = programme
        self._agenda = agenda
        """Today, the programme by day, and its items."""
        self._clock = clock
        self._tz = tz

    async def _rooms(self) -> list[Room]:
        """List the rooms: those the programme names, or else those its items use."""
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
        in_room = schedule.in_room((await self._programme.current()).workshops, room.name)
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
        phase = (await self._agenda.days()).phase(self._clock.now())
        if day_text:
            day = schedule.parse_day(
                day_text, self._agenda.today(), (await self._agenda.days()).days
            )
            if day is None:
                raise DomainError("agenda.bad_day", text=day_text)
            on_day = tuple(w for w in in_room if schedule.local_day(w.start, self._tz) == day)
            return room, DayAnswer(phase, day, on_day, None, None)
        today = self._agenda.today()
        todays = tuple(w for w in in_room if schedule.local_day(w.start, self._tz) == today)
        upcoming = [w for w in in_room if schedule.local_day(w.start, self._tz) > today]
        next_day = schedule.local_day(upcoming[0].start, self._tz) if upcoming else None
        first = (
            schedule.by_start(schedule.on_day(upcoming, next_day, self._tz))[0]
            if next_day
            else None
        )
        return room, DayAnswer(phase, today, todays, next_day, first)

    async def room_and_day(self, text: str) -> tuple[str, str]:
        """Split '/room plage mercredi' into the room and the day ('' when none is named)."""
        words = text.split()
        if len(words) > 1 and await self.room_named(text) is None:
            week = (await self._agenda.days()).days
            for size in (1, 2, 3):
                head, tail = " ".join(words[:-size]), " ".join(words[-size:])
                if head and schedule.parse_day(tail, self._agenda.today(), week) is not None:
                    return head, tail
        return text, ""
