"""The programme for phones: one day, optionally one room, with places left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import schedule
from bot.domain.booking import Seats
from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.services.bookings import BookingService
from bot.services.programme import ProgrammeService


@dataclass(frozen=True, slots=True)
class ProgrammeDay:
    """One day of the programme as the page shows it."""

    day: date
    days: tuple[date, ...]
    rooms: tuple[str, ...]
    room: str | None
    items: tuple[Workshop, ...]
    seats: Seats


class ProgrammePageService:
    """Read a day of the programme for the web page."""

    def __init__(
        self, programme: ProgrammeService, bookings: BookingService, clock: Clock, tz: ZoneInfo
    ) -> None:
        self._programme = programme
        self._bookings = bookings
        self._clock = clock
        self._tz = tz

    async def day(self, day_text: str | None, room: str | None) -> ProgrammeDay:
        """Give a day (today, or the first day, when not named) in one room or all of them.

        Raise DomainError for a day that is not one of the programme's, or an unknown room.
        """
        programme = await self._programme.current()
        tz = self._tz
        days = tuple(sorted({schedule.local_day(w.start, tz) for w in programme.workshops}))
        rooms = tuple(sorted({w.room for w in programme.workshops if w.room}, key=str.casefold))
        if day_text:
            try:
                day = date.fromisoformat(day_text)
            except ValueError:
                raise DomainError("web.unknown_day", day=day_text[:40]) from None
            if day not in days:
                raise DomainError("web.unknown_day", day=day_text[:40])
        else:
            today = schedule.local_day(self._clock.now(), tz)
            day = today if today in days or not days else days[0]
        if room and room not in rooms:
            raise DomainError("web.unknown_room", room=room[:80])
        items = tuple(
            w for w in schedule.on_day(programme.workshops, day, tz) if not room or w.room == room
        )
        seats = await self._bookings.seats(items, None)
        return ProgrammeDay(day, days, rooms, room or None, items, seats)
