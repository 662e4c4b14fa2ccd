"""Loading the programme, and keeping a copy in memory for the questions people ask."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock, SystemClock
from bot.domain import changes, planning
from bot.domain.booking import Target, TargetKind
from bot.domain.changes import ChangeKind
from bot.domain.models import Programme, Workshop
from bot.domain.programme import (
    ImportReport,
    RotaRule,
    compare,
    with_all_rooms,
    with_rota_rules,
)
from bot.domain.text import TextIndex
from bot.importers import parse_programme
from bot.services.outbox import entry, sent_reminder
from storage import bookings as bookings_repo
from storage import outbox as outbox_repo
from storage import programme as programme_repo
from storage import roles as roles_repo
from storage.db import Database

log = logging.getLogger(__name__)


def read_programme(
    data: bytes, filename: str, tz: ZoneInfo, rules: Sequence[RotaRule] = ()
) -> Programme:
    """Read a programme file without storing it (raises ProgrammeFileError)."""
    return with_rota_rules(with_all_rooms(parse_programme(data, filename, tz)), rules)


class ProgrammeService:
    """Import programmes and serve the current one."""

    def __init__(
        self,
        db: Database,
        tz: ZoneInfo,
        rules: Sequence[RotaRule] = (),
        clock: Clock | None = None,
    ) -> None:
        self._db = db
        self._tz = tz
        self._clock = clock or SystemClock()
        self._rules = tuple(rules)
        self._cache: Programme | None = None
        self._index: tuple[Programme, TextIndex[Workshop]] | None = None
        self.after_change: list[Callable[[], Awaitable[None]]] = []
        """Called after the stored programme changed (to re-plan announcements)."""

    async def current(self) -> Programme:
        """Give the programme as stored (kept in memory until it changes)."""
        if self._cache is None:
            async with self._db.read() as conn:
                self._cache = await programme_repo.load(conn)
        return self._cache

    async def index(self) -> TextIndex[Workshop]:
        """Give the current programme's search index, built once per programme."""
        programme = await self.current()
        if self._index is None or self._index[0] is not programme:
            items = programme.workshops
            # Built in a thread: on a large programme it would hold the event loop for a while
            index = await asyncio.to_thread(
                TextIndex,
                items,
                [w.title for w in items],
                [f"{w.kind} {w.room or ''} {w.description}" for w in items],
            )
            self._index = (programme, index)
        return self._index[1]

    def forget(self) -> None:
        """Drop the in-memory copy after the stored programme changed."""
        self._cache = None

    async def is_empty(self) -> bool:
        """Tell whether no programme was ever imported."""
        async with self._db.read() as conn:
            return await programme_repo.is_empty(conn)

    @staticmethod
    async def _carry_over(
        conn: aiosqlite.Connection, programme: Programme
    ) -> tuple[Programme, tuple[str, ...]]:
        """Make again the changes made in chat that the new file lacks (see carry_over)."""
        logs = await roles_repo.item_changes(conn, [kind.value for kind in ChangeKind])
        made = [
            m
            for e in logs
            if (m := changes.logged(e.item_id, e.action, e.value, e.before, e.after)) is not None
        ]
        workshops, kept = changes.carry_over(programme.workshops, made)
        if not kept:
            return programme, ()
        for item_id in kept:
            log.info("re-import: changes made in chat to %s kept", item_id)
        return with_all_rooms(dataclasses.replace(programme, workshops=workshops)), kept

    async def _tell_booked(self, conn: aiosqlite.Connection, old: Programme, new: Programme) -> int:
        """Queue word for the people signed up to an item the file moved, or took away.

        One short correction each (the one a reminder already sent would get), to the people
        in and waiting; not to the group: a file can change many items at once. Give how many
        were queued.
        """
        now = self._clock.now()
        after = {w.id: w for w in new.workshops}
        sent = await outbox_repo.rows(conn, kinds=[planning.REMINDER], statuses=["sent"])
        reminded = {
            (r.chat_id, r.params.get("target_id")): r
            for r in sent
            if r.params.get("target_kind") == TargetKind.WORKSHOP.value
        }
        fixes: list[planning.Planned] = []
        for before in old.workshops:
            now_item = after.get(before.id)
            if (
                before.capacity is None
                or before.end <= now
                or planning.file_correction(0, before, now_item, None, now) is None
            ):
                continue  # nobody signed up, over, or neither moved nor gone
            standing = await bookings_repo.standing(conn, Target.of_workshop(before))
            for user in standing.ins + standing.waiting:
                told = reminded.get((user, before.id))
                fix = planning.file_correction(
                    user, before, now_item, sent_reminder(told) if told else None, now
                )
                if fix is not None:
                    fixes.append(fix)
        return await outbox_repo.add(conn, [entry(f) for f in fixes], now)

    async def import_bytes(self, data: bytes, filename: str) -> ImportReport:
        """Parse a file and make it the programme, all or nothing."""
        return await self.replace(read_programme(data, filename, self._tz, self._rules))

    async def import_path(self, path: Path) -> ImportReport:
        """Import a programme file from disk."""
        data = await asyncio.to_thread(path.read_bytes)
        return await self.import_bytes(data, path.name)

    async def replace(self, programme: Programme) -> ImportReport:
        """Store `programme` in place of the current one; ids that stay keep their bookings."""
        for warning in programme.warnings:
            log.warning("programme: %s", warning)
        async with self._db.transaction() as conn:
            old = await programme_repo.load(conn)
            programme, kept = await self._carry_over(conn, programme)
            report = dataclasses.replace(compare(old, programme), kept=kept)
            told = await self._tell_booked(conn, old, programme)
            await programme_repo.replace(conn, programme)
            dropped = await bookings_repo.drop_orphans(conn)
        if told:
            log.info("re-import: %d message(s) queued for people whose items changed", told)
        if dropped:
            log.info("re-import: %d booking(s) of removed items dropped", dropped)
        self.forget()
        for hook in self.after_change:
            await hook()
        return report
