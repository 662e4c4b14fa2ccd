"""Sessions proposed in chat: finding the free slots (a room free, the proposer free)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain import proposals as core
from bot.domain.booking import TargetKind
from bot.domain.errors import DomainError
from bot.domain.models import Programme
from bot.domain.proposals import Slot
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as bookings_repo
from storage.db import Database


class SlotTaken(DomainError):
    """The slot chosen was taken meanwhile: choose another (the draft is kept)."""

    def __init__(self) -> None:
        super().__init__("proposals.slot_taken")


class ProposalSlots:
    """Find when and where a proposed session fits: a free room, a proposer with nothing else."""

    def __init__(
        self, db: Database, clock: Clock, programme: ProgrammeService, roles: RolesService
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._roles = roles

    async def slots_for(
        self, user_id: int, minutes: int, limit: int = core.SLOTS_OFFERED
    ) -> list[Slot]:
        """List the next slots where a room is free and this person has nothing else."""
        programme = await self._programme.current()
        runs = (await self._roles.facilitating()).get(user_id, ())
        async with self._db.read() as conn:
            busy = await self._busy(conn, programme, user_id, runs)
        rooms = core.rooms_to_offer(programme)
        return core.free_slots(programme.workshops, rooms, busy, minutes, self._clock.now(), limit)

    async def _busy(
        self, conn: aiosqlite.Connection, programme: Programme, user_id: int, runs: Sequence[str]
    ) -> list[tuple[datetime, datetime]]:
        """List the spans a person is bound to: sign-ups, waiting places, rota slots, items run."""
        items = {w.id: w for w in programme.workshops}
        slots = {r.id: r for r in programme.rota}
        spans = []
        for b in await bookings_repo.of_user(conn, user_id):
            if b.kind is TargetKind.WORKSHOP and (w := items.get(b.target_id)) is not None:
                spans.append((w.start, w.end))
            elif b.kind is TargetKind.ROTA and (r := slots.get(b.target_id)) is not None:
                spans.append((r.start, r.end))
        for item_id in runs:
            if (w := items.get(item_id)) is not None:
                spans.append((w.start, w.end))
        return spans

    async def still_free(self, user_id: int, minutes: int, slot: Slot) -> None:
        """Refuse a slot in the past, or taken since it was offered (SlotTaken)."""
        if slot.start <= self._clock.now():
            raise DomainError("proposals.in_the_past")
        free = await self.slots_for(user_id, minutes, limit=1000)
        if slot not in free and not await self._room_free_now(slot, minutes):
            raise SlotTaken

    async def _room_free_now(self, slot: Slot, minutes: int) -> bool:
        """Tell whether the room is free then (a slot not among the first offered)."""
        programme = await self._programme.current()
        end = slot.start + timedelta(minutes=minutes)
        known = {r.name for r in programme.rooms}
        return (
            slot.room in known
            and core.room_taken(programme.workshops, slot.room, slot.start, end) is None
        )
