"""Loading the programme, and keeping a copy in memory for the questions people ask."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock, SystemClock
from bot.domain import changes, planning
from bot.domain.booking import Target, TargetKind
from bot.domain.changes import ChangeKind
from bot.domain.models import Cancelled, Programme, Workshop
from bot.domain.programme import (
    ImportPreview,
    ImportReport,
    ItemChange,
    Reach,
    RotaRule,
    changed_fields,
    compare,
    fingerprint,
    moves,
    with_all_rooms,
    with_rota_rules,
)
from bot.domain.text import TextIndex
from bot.events import Events
from bot.events import ProgrammeChanged as ProgrammeChangedEvent
from bot.importers import parse_programme
from bot.services.outbox import entry, sent_reminder
from storage import bookings as bookings_repo
from storage import children as children_repo
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
        events: Events | None = None,
    ) -> None:
        self._events = events or Events()
        """Where this service says what happened (bot/app.py subscribes)."""
        self._db = db
        self._tz = tz
        self._clock = clock or SystemClock()
        self._rules = tuple(rules)
        self._cache: Programme | None = None
        self._version = 0
        """Counts forget(): a load that began before the last one is not kept."""
        self._loading = asyncio.Lock()
        """One load of the programme (or its cancelled items) at a time: after a change, the
        answers under way wait for it and take what it read, not each a copy of their own."""
        self._index: tuple[Programme, TextIndex[Workshop]] | None = None
        self._full_index: tuple[Programme, TextIndex[Workshop]] | None = None
        self._cancelled: tuple[Programme, tuple[Cancelled, ...]] | None = None
        """Called after the stored programme changed (to re-plan announcements)."""
        self.runners: Callable[[], Awaitable[Mapping[int, Sequence[str]]]] | None = None
        """Gives who runs which items (user id -> item ids), for an import's preview."""
        # Issue 14, part 1: approved proposals stay when the file is imported again
        self.keep: Callable[[aiosqlite.Connection, Programme, bool], Awaitable[Programme]] | None
        self.keep = None
        """Adds what the file lacks and must stay (True: tell of clashes), in the transaction."""

    async def current(self) -> Programme:
        """Give the programme as stored (kept in memory until it changes)."""
        cache = self._cache
        if cache is not None:
            return cache
        async with self._loading:
            while (cache := self._cache) is None:
                version = self._version
                async with self._db.read() as conn:
                    loaded = await programme_repo.load(conn)
                if version == self._version:  # else changed meanwhile: read again
                    self._cache = loaded
            return cache

    async def index(self, *, with_cancelled: bool = False) -> TextIndex[Workshop]:
        """Give the current programme's search index, built once per programme.

        with_cancelled: the cancelled items too, so that a search names them as cancelled
        rather than answering with a fuzzy neighbour.
        """
        programme = await self.current()
        if not with_cancelled:
            if self._index is None or self._index[0] is not programme:
                self._index = (programme, await _index(programme.workshops))
            return self._index[1]
        if self._full_index is None or self._full_index[0] is not programme:
            gone = tuple(c.item for c in await self.cancelled())
            self._full_index = (programme, await _index(programme.workshops + gone))
        return self._full_index[1]

    async def cancelled(self) -> tuple[Cancelled, ...]:
        """Give the items cancelled in chat that are not in the programme (again), in time order."""
        programme = await self.current()
        if self._cancelled is not None and self._cancelled[0] is programme:
            return self._cancelled[1]
        async with self._loading:
            if self._cancelled is None or self._cancelled[0] is not programme:
                async with self._db.read() as conn:
                    found = await programme_repo.cancelled(conn)
                ids = {w.id for w in programme.workshops}
                self._cancelled = (programme, tuple(c for c in found if c.item.id not in ids))
            return self._cancelled[1]

    def forget(self) -> None:
        """Drop the in-memory copy after the stored programme changed."""
        self._cache = None
        self._version += 1

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

    async def _corrections(
        self, conn: aiosqlite.Connection, old: Programme, new: Programme
    ) -> list[planning.Planned]:
        """Plan word for the people signed up to an item the file moved, or took away.

        One short correction each (the one a reminder already sent would get), to the people
        in and waiting; not to the group: a file can change many items at once.
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
            kids = await children_repo.behind(conn, standing.ins + standing.waiting)
            # A child's correction goes to the parent, once
            users = dict.fromkeys(
                kids[h].parent_id if h in kids else h for h in standing.ins + standing.waiting
            )
            for user in users:
                told = reminded.get((user, before.id))
                fix = planning.file_correction(
                    user, before, now_item, sent_reminder(told) if told else None, now
                )
                if fix is not None:
                    fixes.append(fix)
        return fixes

    def read(self, data: bytes, filename: str) -> Programme:
        """Read a programme file with this event's time zone and rota rules (not stored)."""
        return read_programme(data, filename, self._tz, self._rules)

    async def import_bytes(self, data: bytes, filename: str) -> ImportReport:
        """Parse a file and make it the programme, all or nothing."""
        return await self.replace(self.read(data, filename))

    async def import_path(self, path: Path) -> ImportReport:
        """Import a programme file from disk."""
        data = await asyncio.to_thread(path.read_bytes)
        return await self.import_bytes(data, path.name)

    async def replace(self, programme: Programme) -> ImportReport:
        """Store `programme` in place of the current one; ids that stay keep their bookings."""
        async with self._db.transaction() as conn:
            stored = await self.store(conn, programme)
        await self.stored(stored)
        return stored.report

    async def store(
        self, conn: aiosqlite.Connection, programme: Programme, expected: str | None = None
    ) -> Stored:
        """Put `programme` in place of the current one, inside the caller's transaction.

        expected: the fingerprint the current programme had when the import was previewed;
        ProgrammeChanged if it has changed since. Call `stored` once the transaction is done.
        """
        for warning in programme.warnings:
            log.warning("programme: %s", warning)
        old = await programme_repo.load(conn)
        if expected is not None and fingerprint(old) != expected:
            raise ProgrammeChanged
        if self.keep is not None:
            programme = await self.keep(conn, programme, True)
        programme, kept = await self._carry_over(conn, programme)
        report = dataclasses.replace(compare(old, programme), kept=kept)
        fixes = await self._corrections(conn, old, programme)
        told = await outbox_repo.add(conn, [entry(f) for f in fixes], self._clock.now())
        await programme_repo.replace(conn, programme)
        dropped = await bookings_repo.drop_orphans(conn)
        return Stored(report, told, dropped)

    async def stored(self, stored: Stored) -> None:
        """Do what follows a stored programme: log, drop the copy in memory, re-plan."""
        if stored.told:
            log.info("re-import: %d message(s) queued for people whose items changed", stored.told)
        if stored.dropped:
            log.info("re-import: %d booking(s) of removed items dropped", stored.dropped)
        self.forget()
        await self._events.publish(ProgrammeChangedEvent())

    async def preview(self, programme: Programme, filename: str) -> ImportPreview:
        """Tell what importing `programme` would change and whom it would reach; change nothing."""
        runners: Mapping[int, Sequence[str]] = await self.runners() if self.runners else {}
        running: dict[str, int] = {}
        for item_ids in runners.values():
            for item_id in item_ids:
                running[item_id] = running.get(item_id, 0) + 1
        async with self._db.read() as conn:
            old = await programme_repo.load(conn)
            kept_too = programme if self.keep is None else await self.keep(conn, programme, False)
            new, kept = await self._carry_over(conn, kept_too)
            report = dataclasses.replace(compare(old, new), kept=kept)
            before = {w.id: w for w in old.workshops}
            after = {w.id: w for w in new.workshops}

            async def reach(item: Workshop) -> Reach:
                ins = waiting = 0
                if item.capacity is not None:
                    standing = await bookings_repo.standing(conn, Target.of_workshop(item))
                    ins, waiting = len(standing.ins), len(standing.waiting)
                return Reach(ins, waiting, running.get(item.id, 0))

            changed = []
            for item_id in report.changed:
                fields = changed_fields(before[item_id], after[item_id])
                concerned = await reach(before[item_id]) if moves(fields) else None
                changed.append(ItemChange(before[item_id], after[item_id], fields, concerned))
            removed = [
                ItemChange(before[i], None, (), await reach(before[i])) for i in report.removed
            ]
            told = len({f.chat_id for f in await self._corrections(conn, old, new)})
        return ImportPreview(
            filename=filename,
            report=report,
            before_total=len(old.workshops),
            added=tuple(sorted((after[i] for i in report.added), key=_when)),
            changed=tuple(sorted(changed, key=lambda c: _when(c.before or c.after))),
            removed=tuple(sorted(removed, key=lambda c: _when(c.before))),
            told=told,
            old=fingerprint(old),
            new=fingerprint(programme),
        )


async def _index(items: tuple[Workshop, ...]) -> TextIndex[Workshop]:
    # Built in a thread: on a large programme it would hold the event loop for a while
    return await asyncio.to_thread(
        TextIndex,
        items,
        [w.title for w in items],
        [f"{w.kind} {w.room or ''} {w.description}" for w in items],
    )


def _when(item: Workshop | None) -> tuple[object, ...]:
    assert item is not None
    return (item.start, item.title, item.id)


class ProgrammeChanged(Exception):
    """The programme changed between an import's preview and its confirmation."""


@dataclass(frozen=True, slots=True)
class Stored:
    """A programme stored: what changed, how many messages were queued, bookings dropped."""

    report: ImportReport
    told: int
    dropped: int
