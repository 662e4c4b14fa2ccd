"""Announcements, the live board, reminders, digests and corrections: planned, then sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import feedback_planning, planning
from bot.domain.booking import Booking
from bot.domain.models import Kind
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
from storage.outbox import Row

log = logging.getLogger(__name__)

PERSONAL_KINDS = (planning.REMINDER, planning.DIGEST)
# Favourites and feedback (issue 14): the question after items, and a facilitator's summaries
FEEDBACK_PERSONAL = (feedback_planning.FEEDBACK, feedback_planning.FEEDBACK_SUMMARY)


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

    # Planning

    async def _inputs(
        self,
        conn: aiosqlite.Connection,
        facilitating: dict[int, list[str]],
        user_ids: set[int] | None,
    ) -> tuple[Commitments, list[PersonSettings]]:
        if user_ids is None:
            bookings = await bookings_repo.everything(conn)
            people = await settings_repo.everyone(conn)
        else:
            bookings = [
                b
                for u in sorted(user_ids)
                for b in await bookings_repo.of_user(conn, u, children=True)
            ]
            people = [p for p in await settings_repo.everyone(conn) if p.user_id in user_ids]
        runs = {u: ids for u, ids in facilitating.items() if user_ids is None or u in user_ids}
        stars = await favourites_repo.everything(
            conn, None if user_ids is None else sorted(user_ids)
        )
        return Commitments(bookings, runs, stars), people

    async def _feedback(
        self, conn: aiosqlite.Connection, commitments: Commitments, people: list[PersonSettings]
    ) -> list[Planned]:
        """Plan the questions after items and (for everyone) the facilitators' summaries."""
        programme = await self._programme.current()
        if not self.rules.enabled:
            return []
        out = feedback_planning.feedback(programme, commitments, people, self.rules, self._tz)
        answers = await feedback_repo.counts(conn)
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
            asked = await self._feedback(conn, commitments, people)
        planned = planning.plan(programme, commitments, people, self.rules, self._tz) + asked
        return sorted(planned, key=lambda p: (p.due, p.kind, p.chat_id, p.key))

    async def replan(self, user_ids: set[int] | None = None) -> None:
        """Bring the outbox in step: queue the new, cancel the obsolete, correct the wrong.

        With `user_ids`, only those people's reminders and digests. Reads and writes happen in
        one transaction, so two re-plans never undo each other.
        """
        programme = await self._programme.current()
        now = self._clock.now()
        kinds: tuple[str, ...] = (
            planning.PLANNED_KINDS + feedback_planning.FEEDBACK_KINDS
            if user_ids is None
            else PERSONAL_KINDS + FEEDBACK_PERSONAL
        )
        facilitating = await self._roles.facilitating()
        async with self._db.transaction() as conn:
            for key in await outbox_repo.drop_expired(conn, now):
                log.info("dropped %s: it was due while the bot was down, and is stale now", key)
            commitments, people = await self._inputs(conn, facilitating, user_ids)
            if user_ids is None:
                planned = planning.plan(programme, commitments, people, self.rules, self._tz)
            else:
                planned = planning.reminders(programme, commitments, people, self.rules, self._tz)
                planned += planning.digests(programme, people, self.rules, self._tz)
            planned += await self._feedback(conn, commitments, people)
            desired = [p for p in planned if planning.still_useful(p, now)]
            chats = sorted(user_ids) if user_ids is not None else None
            existing = await outbox_repo.pending_keys(conn, kinds, chats)
            await outbox_repo.cancel(conn, existing - {p.key for p in desired})
            await outbox_repo.plan(conn, [entry(p) for p in desired], now)
            sent = [
                r
                for r in await outbox_repo.rows(conn, kinds=[planning.REMINDER], statuses=["sent"])
                if r.expires_at is not None
                and r.expires_at > now - timedelta(days=1)
                and (user_ids is None or r.chat_id in user_ids)
            ]
            fixes = planning.corrections([sent_reminder(r) for r in sent], programme, now)
            await outbox_repo.add(conn, [entry(p) for p in fixes], now)
            # A correction stands for the reminder of the new time: one message, not a repeat
            corrected = {(p.chat_id, p.params["target_id"]) for p in fixes}
            stale = [
                p.key
                for p in desired
                if p.kind == planning.REMINDER and (p.chat_id, p.params["target_id"]) in corrected
            ]
            await outbox_repo.cancel(conn, stale)
        self._outbox.wake()

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
