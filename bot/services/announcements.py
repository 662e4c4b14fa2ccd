"""Announcements, the live board, reminders, digests and corrections: planned, then sent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import feedback_planning, planning
from bot.domain.booking import Booking
from bot.domain.models import Kind, Programme
from bot.domain.planning import (
    Commitments,
    PersonSettings,
    Planned,
    Rules,
)
from bot.services.bookings import BookingService
from bot.services.outbox import Composer, Delivery, Outbox, entry, sent_reminder
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as bookings_repo
from storage import favourites as favourites_repo
from storage import feedback as feedback_repo
from storage import outbox as outbox_repo
from storage import settings as settings_repo
from storage.db import Database
from storage.outbox import Entry, Row

log = logging.getLogger(__name__)

PERSONAL_KINDS = (planning.REMINDER, planning.DIGEST)
# Favourites and feedback (issue 14): the question after items, and a facilitator's summaries
FEEDBACK_PERSONAL = (feedback_planning.FEEDBACK, feedback_planning.FEEDBACK_SUMMARY)
PERSONAL = PERSONAL_KINDS + FEEDBACK_PERSONAL
GROUP_KINDS = (planning.ANNOUNCE, planning.BOARD)
PLAN_CHUNK = 50
"""People planned in one transaction by a re-plan (issue 13). All at once, a week for 7,000
people took the bot's memory 110 MB higher at start-up; 500 at a time, a re-plan of the soak's
300 people after a facilitator's change held the database's writing connection up to 190 ms,
and every update arriving meanwhile waited that long to be stored before it was answered."""


FEW_NOW = 5
"""People whose re-plan is written on the event loop (Database.write_now): a sign-up's, a
setting's. More go through the writing connection's thread, the loop free meanwhile."""


@dataclass(frozen=True)
class PeopleRead:
    """What some people's re-plan reads."""

    commitments: Commitments
    people: list[PersonSettings]
    pending: set[str]
    """The keys of their personal messages not sent yet."""
    sent: list[Row]
    """Their reminders sent."""


@dataclass(frozen=True)
class Steps:
    """What a re-plan writes, worked out from what it read."""

    cancel: set[str]
    """Pending messages no longer wanted."""
    plan: list[Entry]
    """Messages wanted: queued, or updated while not sent (a cancelled one comes back)."""
    add: list[Entry] = field(default_factory=list)
    """Corrections to reminders sent: queued once."""
    stale: list[str] = field(default_factory=list)
    """Reminders a correction stands for."""

    async def write(self, conn: aiosqlite.Connection, now: datetime) -> None:
        """Write them, in the caller's transaction."""
        await outbox_repo.cancel(conn, self.cancel)
        await outbox_repo.plan(conn, self.plan, now)
        await outbox_repo.add(conn, self.add, now)
        await outbox_repo.cancel(conn, self.stale)


async def _no_composer(row: Row) -> Delivery | None:
    raise RuntimeError("no composer: build_services sets one")


class AnnouncementService:
    """Keep the outbox's planned messages in step with the programme, bookings and settings."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        roles: RolesService,
        bookings: BookingService,
        outbox: Outbox,
        rules: Rules,
        tz: ZoneInfo,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._roles = roles
        self._bookings = bookings
        self._outbox = outbox
        self.rules = rules
        self._tz = tz
        self.compose: Composer = _no_composer
        """Write a row as it will read when sent: set at assembly (bot/composer.py)."""
        self._replanning = asyncio.Lock()
        """Held by the re-plan under way: the next one reads what it wrote."""

    # Planning

    async def _inputs(
        self,
        conn: aiosqlite.Connection,
        facilitating: dict[int, list[str]],
        user_ids: Sequence[int] | None,
    ) -> tuple[Commitments, list[PersonSettings]]:
        if user_ids is None:
            bookings = await bookings_repo.everything(conn)
        else:
            bookings = await bookings_repo.of_users(conn, user_ids)
        people = await settings_repo.everyone(conn, user_ids)
        among = None if user_ids is None else set(user_ids)
        runs = {u: ids for u, ids in facilitating.items() if among is None or u in among}
        stars = await favourites_repo.everything(conn, user_ids)
        return Commitments(bookings, runs, stars), people

    def _feedback(
        self,
        programme: Programme,
        commitments: Commitments,
        people: list[PersonSettings],
        answers: dict[str, int],
    ) -> list[Planned]:
        """Plan the questions after items and (for everyone) the facilitators' summaries."""
        if not self.rules.enabled:
            return []
        out = feedback_planning.feedback(programme, commitments, people, self.rules, self._tz)
        out += feedback_planning.feedback_summaries(
            programme, commitments, answers, self.rules, self._tz
        )
        return out

    async def plan(self) -> list[Planned]:
        """Plan every message the bot will send on its own."""
        programme = await self._programme.current()
        facilitating = await self._roles.facilitating()
        async with self._db.read() as conn:
            commitments, people = await self._inputs(conn, facilitating, None)
            answers = await feedback_repo.counts(conn)
        asked = self._feedback(programme, commitments, people, answers)
        planned = planning.plan(programme, commitments, people, self.rules, self._tz) + asked
        return sorted(planned, key=lambda p: (p.due, p.kind, p.chat_id, p.key))

    async def replan(self, user_ids: set[int] | None = None) -> None:
        """Bring the outbox in step: queue the new, cancel the obsolete, correct the wrong.

        With `user_ids`, only those people's reminders and digests. Re-plans run one at a
        time, each reading what it plans after the last one wrote, so two never undo each
        other. What a re-plan reads (bookings, settings, stars, the outbox's pending and sent
        messages) is read first, outside the write: the writing connection is held only for
        the writes (a sign-up's re-plan held it 11 ms at p50 reading and planning inside,
        bench.soak --stages, issue 13, seventh session). What changes meanwhile is the work of
        a sign-up, a setting, a change or an import, each of which asks for a re-plan of its
        own, queued behind this one: it reads what this one wrote, and its own writes are the
        last. What the outbox sends meanwhile is left alone (only pending messages are
        cancelled or updated).

        People are planned PLAN_CHUNK at a time, each chunk written in one transaction: what
        is held at once stays small, and what people ask meanwhile gets the database between
        two chunks. A stop between two chunks leaves the later ones as they were; the re-plan
        of everyone at the next start brings them in step. Each re-plan drops, first, the
        messages due and no longer useful (the bot was down, or busy).
        """
        async with self._replanning:
            await self._replan(user_ids)
        self._outbox.wake()

    async def _replan(self, user_ids: set[int] | None) -> None:
        programme = await self._programme.current()
        now = self._clock.now()
        facilitating = await self._roles.facilitating()
        # The reads only, in their own blocks: planning comes after
        async with self._db.read() as conn:
            answers = await feedback_repo.counts(conn)
            if user_ids is None:
                group = await self._group_steps(conn, programme, now)
                chats = await self._everyone(conn, facilitating)
            else:
                group, chats = None, sorted(user_ids)
            first = None
            if chats:
                first = await self._people_read(conn, facilitating, chats[:PLAN_CHUNK])
        for start in range(0, max(len(chats), 1), PLAN_CHUNK):
            chunk = chats[start : start + PLAN_CHUNK]
            steps = [group] if group is not None and start == 0 else []
            if chunk:
                if first is not None and start == 0:
                    read = first
                else:
                    async with self._db.read() as conn:
                        read = await self._people_read(conn, facilitating, chunk)
                steps.append(self._people_steps(programme, answers, read, now))
            # A few people's writes (a sign-up's) on the event loop: a millisecond or so
            few = group is None and len(chunk) <= FEW_NOW
            async with self._db.write_now() if few else self._db.transaction() as conn:
                if start == 0:
                    for key in await outbox_repo.drop_expired(conn, now):
                        log.info("dropped %s: it was due while the bot was down, and is stale", key)
                for step in steps:
                    await step.write(conn, now)

    async def _everyone(
        self, conn: aiosqlite.Connection, facilitating: dict[int, list[str]]
    ) -> list[int]:
        """List every chat a personal message may be planned, pending or corrected for."""
        found = {p.user_id for p in await settings_repo.everyone(conn)} | set(facilitating)
        found |= await outbox_repo.chats(conn, PERSONAL, ["pending"])
        found |= await outbox_repo.chats(conn, [planning.REMINDER], ["sent"])
        return sorted(found)

    async def _group_steps(
        self, conn: aiosqlite.Connection, programme: Programme, now: datetime
    ) -> Steps:
        """Work out how to bring the group's announcements and board in step."""
        planned = planning.group_messages(programme, self.rules) if self.rules.enabled else []
        desired = [p for p in planned if planning.still_useful(p, now)]
        existing = await outbox_repo.pending_keys(conn, GROUP_KINDS)
        return Steps(existing - {p.key for p in desired}, [entry(p) for p in _in_order(desired)])

    async def _people_read(
        self,
        conn: aiosqlite.Connection,
        facilitating: dict[int, list[str]],
        user_ids: Sequence[int],
    ) -> PeopleRead:
        """Read what some people's re-plan needs."""
        commitments, people = await self._inputs(conn, facilitating, user_ids)
        return PeopleRead(
            commitments,
            people,
            await outbox_repo.pending_keys(conn, PERSONAL, user_ids),
            await outbox_repo.rows(
                conn, kinds=[planning.REMINDER], statuses=["sent"], chat_ids=user_ids
            ),
        )

    def _people_steps(
        self, programme: Programme, answers: dict[str, int], read: PeopleRead, now: datetime
    ) -> Steps:
        """Work out how to bring some people's reminders, digests, questions and corrections
        in step."""
        commitments, people = read.commitments, read.people
        planned = planning.reminders(programme, commitments, people, self.rules, self._tz)
        planned += planning.digests(programme, people, self.rules, self._tz)
        planned += self._feedback(programme, commitments, people, answers)
        desired = [p for p in planned if planning.still_useful(p, now)]
        existing = read.pending
        sent = [
            r
            for r in read.sent
            if r.expires_at is not None and r.expires_at > now - timedelta(days=1)
        ]
        fixes = planning.corrections([sent_reminder(r) for r in sent], programme, now)
        # A correction stands for the reminder of the new time: one message, not a repeat
        corrected = {(p.chat_id, p.params["target_id"]) for p in fixes}
        stale = [
            p.key
            for p in desired
            if p.kind == planning.REMINDER and (p.chat_id, p.params["target_id"]) in corrected
        ]
        return Steps(
            existing - {p.key for p in desired},
            [entry(p) for p in _in_order(desired)],
            [entry(p) for p in fixes],
            stale,
        )

    async def preview(
        self, start: datetime, end: datetime, at: Callable[[datetime], None]
    ) -> list[tuple[Planned, Delivery | None]]:
        """Plan and write every message due in [start, end), as each will read when sent.

        `at` moves the clock the messages are written with (a rehearsal clock) to their due time.
        """
        out = []
        for p in await self.plan():
            if start <= p.due < end:
                at(p.due)
                out.append((p, await self.compose(as_row(p))))
        return out

    # Settings

    async def settings(self, user_id: int) -> PersonSettings:
        """Give a person's settings."""
        async with self._db.read() as conn:
            return await settings_repo.get(conn, user_id)

    async def change_settings(
        self,
        user_id: int,
        *,
        digest: bool | None = None,
        reminders: bool | None = None,
        feedback: bool | None = None,
    ) -> PersonSettings:
        """Turn the digest, reminders or the feedback question on or off, and re-plan."""
        async with self._db.transaction() as conn:
            current = await settings_repo.get(conn, user_id)
            new = PersonSettings(
                user_id,
                current.digest if digest is None else digest,
                current.reminders if reminders is None else reminders,
                current.feedback if feedback is None else feedback,
            )
            await settings_repo.put(conn, new)
        await self.replan({user_id})
        return new

    # What a message says is read at send time (bot/composer.py writes it)

    async def bookings_of(self, user_id: int) -> list[Booking]:
        """List a person's bookings as they stand now."""
        async with self._db.read() as conn:
            return await bookings_repo.of_user(conn, user_id)


def _in_order(planned: list[Planned]) -> list[Planned]:
    """Sort planned messages as the outbox queues them (the same due time: by kind, then chat)."""
    return sorted(planned, key=lambda p: (p.due, p.kind, p.chat_id, p.key))


def as_row(p: Planned) -> Row:
    """Give a planned message as the outbox row it will be."""
    return Row(
        0, p.key, p.kind, p.chat_id, dict(p.params), p.due, p.expires, p.urgent, None, "pending", 0
    )


def parse_rules(
    enabled: bool,
    lead: int,
    reminder: int,
    digest_at: str,
    quiet: str | None,
    group: int | None,
    board: bool,
    skip: tuple[Kind, ...],
    digest_window: int = 0,
) -> Rules:
    """Build the planning rules from the config's values."""
    return Rules(
        enabled=enabled,
        lead=timedelta(minutes=lead),
        reminder=timedelta(minutes=reminder),
        digest_at=time.fromisoformat(digest_at),
        digest_window=timedelta(minutes=digest_window),
        quiet=planning.QuietHours.parse(quiet) if quiet else None,
        group_chat=group,
        board=board,
        skip_kinds=frozenset(skip),
    )
