"""Loading the programme, and keeping a copy in memory for the questions people ask."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock, SystemClock
from bot.domain import changes, planning
from bot.domain.booking import Target, TargetKind
from bot.domain.changes import ChangeKind
from bot.domain.errors import DomainError
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
from bot.services.drafts import DraftService
from bot.services.outbox import entry, sent_reminder
from bot.services.people import PeopleService
from storage import bookings as bookings_repo
from storage import children as children_repo
from storage import drafts as drafts_repo
from storage import outbox as outbox_repo
from storage import programme as programme_repo
from storage import roles as roles_repo
from storage.db import Database
from storage.drafts import Draft

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
        if self._cache is None:
            async with self._db.read() as conn:
                self._cache = await programme_repo.load(conn)
        return self._cache

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
        if self._cancelled is None or self._cancelled[0] is not programme:
            async with self._db.read() as conn:
                found = await programme_repo.cancelled(conn)
            ids = {w.id for w in programme.workshops}
            self._cancelled = (programme, tuple(c for c in found if c.item.id not in ids))
        return self._cancelled[1]

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


@dataclass(frozen=True, slots=True)
class Applied:
    """A confirmed import: its report; `again` when an earlier press had already applied it."""

    report: ImportReport
    again: bool = False


FLOW = "import.preview"
"""The drafts' flow of a pending import (its expiry message is `import.preview.draft_expired`)."""
NOTHING_PENDING = "import.preview.nothing_pending"


class ImportService:
    """Preview a programme file an organiser sent, keep it pending, apply it on confirmation.

    The pending import is a draft (see DraftService): the file itself, who sent it, and the
    fingerprints of the programme and of the file as previewed. Confirm applies it only if
    neither changed; it leaves a marker in its place, so a second press (or the same press
    replayed after a restart) hears the report again and applies nothing.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        drafts: DraftService,
        threshold: float,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._drafts = drafts
        self.threshold = threshold
        """Removing more than this share of the programme needs a second confirmation."""

    def _require_organiser(self, user_id: int, key: str = "common.not_allowed") -> None:
        if not self._people.is_organiser(user_id):
            raise DomainError(key)

    async def propose(self, user_id: int, data: bytes, filename: str) -> ImportPreview:
        """Read a file an organiser sent and keep it pending; give what it would change."""
        self._require_organiser(user_id, "programme.organisers_only")
        programme = self._programme.read(data, filename)
        return await self._keep(user_id, data, filename, programme)

    async def _keep(
        self, user_id: int, data: bytes, filename: str, programme: Programme
    ) -> ImportPreview:
        preview = await self._programme.preview(programme, filename)
        tag = secrets.token_hex(3)
        body = {
            "file": base64.b64encode(data).decode("ascii"),
            "name": filename,
            "old": preview.old,
            "new": preview.new,
        }
        await self._drafts.put(user_id, FLOW, tag, body)
        return dataclasses.replace(preview, tag=tag, large=preview.too_much(self.threshold))

    async def _pending(self, user_id: int, tag: str) -> Draft:
        draft = await self._drafts.get(user_id, FLOW)
        if draft is None or draft.tag != tag:
            raise DomainError(NOTHING_PENDING)
        return draft

    async def cancel(self, user_id: int, tag: str) -> None:
        """Forget a pending import, unless it was already applied."""
        self._require_organiser(user_id)
        draft = await self._pending(user_id, tag)
        if "applied" in draft.body:
            raise DomainError("import.preview.already_applied")
        await self._drafts.drop(user_id, FLOW)

    async def confirm(
        self, user_id: int, tag: str, *, sure: bool = False
    ) -> Applied | ImportPreview:
        """Apply a pending import exactly as previewed, once.

        Gives the import's report; or, instead, a preview to show: the second confirmation a
        large removal needs (sure_needed), or a new preview when the programme changed since
        (changed_meanwhile, kept pending in place of the old one).
        """
        self._require_organiser(user_id)
        draft = await self._pending(user_id, tag)
        if "applied" in draft.body:
            return Applied(_report(draft.body["applied"]), again=True)
        data = base64.b64decode(draft.body["file"])
        name = str(draft.body["name"])
        programme = self._programme.read(data, name)
        if fingerprint(programme) != draft.body["new"]:
            # Read otherwise than before (the rules in the config changed): show it again
            return dataclasses.replace(
                await self._keep(user_id, data, name, programme), changed_meanwhile=True
            )
        if not sure:
            preview = await self._programme.preview(programme, name)
            if preview.old == draft.body["old"] and preview.too_much(self.threshold):
                return dataclasses.replace(preview, tag=tag, large=True, sure_needed=True)
        try:
            async with self._db.transaction() as conn:
                taken = await self._drafts.take(conn, user_id, FLOW, tag, missing=NOTHING_PENDING)
                if "applied" in taken.body:
                    raise _AppliedMeanwhile(_report(taken.body["applied"]))
                stored = await self._programme.store(conn, programme, expected=taken.body["old"])
                marker = {"applied": _report_body(stored.report)}
                await drafts_repo.put(
                    conn, Draft(user_id, FLOW, tag, marker, None, self._clock.now())
                )
        except _AppliedMeanwhile as exc:
            return Applied(exc.report, again=True)
        except ProgrammeChanged:
            log.info("import of %s by %s: the programme changed since its preview", name, user_id)
            return dataclasses.replace(
                await self._keep(user_id, data, name, programme), changed_meanwhile=True
            )
        log.info("import of %s confirmed by %s", name, user_id)
        await self._programme.stored(stored)
        return Applied(stored.report)


class _AppliedMeanwhile(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


def _report_body(report: ImportReport) -> dict[str, Any]:
    return {
        "added": list(report.added),
        "changed": list(report.changed),
        "removed": list(report.removed),
        "unchanged": report.unchanged,
        "rota_slots": report.rota_slots,
        "rooms": report.rooms,
        "kept": list(report.kept),
    }


def _report(body: Mapping[str, Any]) -> ImportReport:
    return ImportReport(
        added=tuple(body["added"]),
        changed=tuple(body["changed"]),
        removed=tuple(body["removed"]),
        unchanged=int(body["unchanged"]),
        rota_slots=int(body["rota_slots"]),
        rooms=int(body["rooms"]),
        kept=tuple(body["kept"]),
    )
