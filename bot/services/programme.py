"""Loading the programme, and keeping a copy in memory for the questions people ask."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.models import Programme
from bot.domain.programme import (
    ImportReport,
    RotaRule,
    compare,
    with_all_rooms,
    with_rota_rules,
)
from bot.importers import parse_programme
from storage import bookings as bookings_repo
from storage import programme as programme_repo
from storage.db import Database

log = logging.getLogger(__name__)


def read_programme(
    data: bytes, filename: str, tz: ZoneInfo, rules: Sequence[RotaRule] = ()
) -> Programme:
    """Read a programme file without storing it (raises ProgrammeFileError)."""
    return with_rota_rules(with_all_rooms(parse_programme(data, filename, tz)), rules)


class ProgrammeService:
    """Import programmes and serve the current one."""

    def __init__(self, db: Database, tz: ZoneInfo, rules: Sequence[RotaRule] = ()) -> None:
        self._db = db
        self._tz = tz
        self._rules = tuple(rules)
        self._cache: Programme | None = None
        self.after_change: list[Callable[[], Awaitable[None]]] = []
        """Called after the stored programme changed (to re-plan announcements)."""

    async def current(self) -> Programme:
        """Give the programme as stored (kept in memory until it changes)."""
        if self._cache is None:
            async with self._db.read() as conn:
                self._cache = await programme_repo.load(conn)
        return self._cache

    def forget(self) -> None:
        """Drop the in-memory copy after the stored programme changed."""
        self._cache = None

    async def is_empty(self) -> bool:
        """Tell whether no programme was ever imported."""
        async with self._db.read() as conn:
            return await programme_repo.is_empty(conn)

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
            report = compare(old, programme)
            await programme_repo.replace(conn, programme)
            dropped = await bookings_repo.drop_orphans(conn)
        if dropped:
            log.info("re-import: %d booking(s) of removed items dropped", dropped)
        self.forget()
        for hook in self.after_change:
            await hook()
        return report
