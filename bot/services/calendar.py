"""Calendars: a person's commitments and the whole week as events, and the personal links."""

from __future__ import annotations

import secrets
from typing import Any

from bot.clock import Clock
from bot.domain import calendar as cal
from bot.domain.booking import TargetKind
from bot.domain.calendar import CalendarEvent, ItemState, Why
from bot.domain.models import Programme
from bot.services.bookings import BookingService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import calendar as repo
from storage import settings as settings_repo
from storage.db import Database

_WHY = {
    "in": (Why.SIGNED_UP, False),
    "waiting": (Why.WAITING, True),
    "rota": (Why.ROTA, False),
    "rota_waiting": (Why.ROTA_WAITING, True),
}


class CalendarService:
    """Give calendars that follow the programme, and the secret links that serve them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        bookings: BookingService,
        roles: RolesService,
        reminder_minutes: int,
        base_url: str | None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._bookings = bookings
        self._roles = roles
        self._reminder_minutes = reminder_minutes
        self.base_url = base_url
        """The web server's public address (None: off, no links)."""
        self._synced: Programme | None = None
        self._states: dict[str, ItemState] = {}

    async def sync(self) -> None:
        """Bring every item's state and SEQUENCE up to date with the programme."""
        await self._current()

    async def _current(self) -> dict[str, ItemState]:
        """Give every item's state, brought up to date once per change of the programme."""
        programme = await self._programme.current()
        if self._synced is programme:
            return self._states
        current: dict[str, dict[str, Any]] = {
            cal.workshop_uid(w.id): cal.snapshot_of(w) for w in programme.workshops
        }
        current.update({cal.rota_uid(r.id): cal.snapshot_of(r) for r in programme.rota})
        async with self._db.transaction() as conn:
            states = await repo.states(conn)
            changed = cal.advance(states, current)
            if changed:
                await repo.put_states(conn, changed)
        states.update({s.uid: s for s in changed})
        self._synced, self._states = programme, states
        return states

    # Links

    async def token(self, user_id: int) -> str:
        """Give a person's token, made on first use."""
        async with self._db.transaction() as conn:
            found = await repo.token_of(conn, user_id)
            if found is None:
                found = secrets.token_hex(cal.TOKEN_BYTES)
                await repo.put_token(conn, user_id, found, self._clock.now())
        return found

    async def reset(self, user_id: int) -> str:
        """Replace a person's token: the old link stops working."""
        token = secrets.token_hex(cal.TOKEN_BYTES)
        async with self._db.transaction() as conn:
            await repo.put_token(conn, user_id, token, self._clock.now())
        return token

    def link(self, token: str) -> str | None:
        """Give the subscription link (webcal://) of a token, if the web server is on."""
        if self.base_url is None:
            return None
        address = self.base_url.split("://", 1)[1]
        return f"webcal://{address}/calendar/{token}.ics"

    async def owner(self, token: str) -> int | None:
        """Give whose token this is; None for an unknown token or one of the wrong shape."""
        if not cal.is_token(token):
            return None
        async with self._db.read() as conn:
            return await repo.owner(conn, token)

    # Events

    async def person(self, user_id: int, username: str | None) -> list[CalendarEvent]:
        """List a person's events: sign-ups (waiting places tentative), rota slots, what they run,
        and the items their calendar showed that were cancelled since."""
        agenda = await self._bookings.agenda(user_id)
        runs = await self._roles.items_run_by(user_id)
        # Read after them: every item they name is known (one removed since is kept, cancelled)
        states = await self._current()
        async with self._db.read() as conn:
            settings = await settings_repo.get(conn, user_id)
            shown = await repo.served(conn, user_id)
        alarm = self._reminder_minutes if settings.reminders else None
        events: dict[str, CalendarEvent] = {}
        for entry in agenda:
            if entry.target is None:
                continue  # what they run: below, with its id
            kind = entry.target.kind
            uid = (cal.workshop_uid if kind is TargetKind.WORKSHOP else cal.rota_uid)(
                entry.target.id
            )
            why, tentative = _WHY[entry.kind]
            events[uid] = cal.event(
                states[uid],
                why,
                tentative=tentative,
                position=entry.position,
                alarm_minutes=alarm,
            )
        for w in runs:
            uid = cal.workshop_uid(w.id)
            events[uid] = cal.event(states[uid], Why.RUNS, alarm_minutes=alarm)
        for uid in shown - events.keys():
            state = states.get(uid)
            if state is not None and state.cancelled:
                events[uid] = cal.event(state, Why.SIGNED_UP)
        new = events.keys() - shown
        if new:
            async with self._db.transaction() as conn:
                await repo.add_served(conn, user_id, sorted(new))
        return sorted(events.values(), key=lambda e: (e.start, e.title, e.uid))

    async def programme(self) -> list[CalendarEvent]:
        """List the whole week's items as events, cancelled ones included."""
        states = await self._current()
        return sorted(
            (cal.event(s, Why.PROGRAMME) for s in states.values() if s.uid.startswith("workshop-")),
            key=lambda e: (e.start, e.title, e.uid),
        )
