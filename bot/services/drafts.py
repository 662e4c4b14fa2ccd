"""Drafts of the multi-step flows (/change, /broadcast), kept in the database.

A draft is one row per person and flow, so its buttons find it after a restart, and only its
author's presses reach it (a press is looked up under the presser). It expires
`expire` after its last step: it is then refused with the flow's `<flow>.draft_expired`
message and deleted. Drafts nobody came back to are purged once twice that old (kept one more
period so that a late press still hears that it expired rather than that it never was).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import Clock
from bot.domain.errors import DomainError
from storage import drafts as repo
from storage.db import Database
from storage.drafts import Draft

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(minutes=1)
SCREEN = "screen"
"""The drafts' flow that remembers which list a message shows (`screen:<message id>`)."""


class DraftService:
    """Keep, find, expire and hand over the drafts of the multi-step flows."""

    def __init__(self, db: Database, clock: Clock, expire: timedelta) -> None:
        self._db = db
        self._clock = clock
        self.expire = expire
        self._waiting: set[int] | None = None
        """People some flow may wait for text from (a superset; None: not read yet)."""
        self._put_waiting: set[int] = set()
        """People a flow began waiting for while _waiting was not read yet: a read under way
        may have begun before their draft was written (_stop_waiting)."""
        self._purged_at: datetime | None = None

    def expired(self, draft: Draft, now: datetime | None = None) -> bool:
        """Tell whether a draft is too old to act on."""
        return draft.updated_at + self.expire <= (now or self._clock.now())

    async def put(
        self, user_id: int, flow: str, tag: str, body: dict[str, Any], awaiting: str | None = None
    ) -> None:
        """Keep a person's draft in a flow (replacing the one before) and what it waits for."""
        now = self._clock.now()
        # Purged at most once a minute: a list shown in private writes a draft (its screen)
        purge = self._purged_at is None or now - self._purged_at >= PURGE_EVERY
        async with self._db.write_now() as conn:
            await repo.put(conn, Draft(user_id, flow, tag, body, awaiting, now))
            purged = await repo.purge(conn, now - 2 * self.expire) if purge else 0
        if purge:
            self._purged_at = now
        if purged:
            log.info("%d forgotten draft(s) deleted", purged)
        if awaiting is not None:
            if self._waiting is not None:
                self._waiting.add(user_id)
            else:
                self._put_waiting.add(user_id)

    async def get(self, user_id: int, flow: str) -> Draft | None:
        """Give a person's draft in a flow; refuse (and delete) an expired one."""
        async with self._db.read_now() as conn:  # one row: on the event loop
            draft = await repo.get(conn, user_id, flow)
        if draft is not None and self.expired(draft):
            await self.drop(user_id, flow)
            raise DomainError(f"{flow}.draft_expired")
        return draft

    async def drop(self, user_id: int, flow: str) -> None:
        """Forget a person's draft in a flow."""
        async with self._db.write_now() as conn:
            await repo.take(conn, user_id, flow)

    async def take(
        self, conn: aiosqlite.Connection, user_id: int, flow: str, tag: str, *, missing: str
    ) -> Draft:
        """Remove the draft a confirmation acts on, inside the caller's transaction.

        A draft that is gone (taken by an earlier press, replaced, never made) or carries
        another tag is refused with the message `missing`.
        """
        draft = await repo.take(conn, user_id, flow)
        if draft is None or draft.tag != tag:
            raise DomainError(missing)
        if self.expired(draft):
            raise DomainError(f"{flow}.draft_expired")
        return draft

    async def _stop_waiting(self, user_id: int) -> Draft | None:
        """Stop waiting for text from this person; give the draft that waited, if any."""
        if self._waiting is None:
            async with self._db.read() as conn:
                read = await repo.waiting_users(conn)
            if self._waiting is None:  # (else another read, done first, set it)
                self._waiting = read | self._put_waiting
                self._put_waiting = set()
        if user_id not in self._waiting:
            return None
        async with self._db.write_now() as conn:
            draft = await repo.waiting(conn, user_id)
            await repo.stop_waiting(conn, user_id)
        self._waiting.discard(user_id)
        return draft if draft is not None and draft.awaiting is not None else None

    async def leave_awaiting(self, user_id: int) -> str | None:
        """Stop waiting for text from this person (the draft stays); give the flow left, if any."""
        draft = await self._stop_waiting(user_id)
        return None if draft is None or self.expired(draft) else draft.flow

    async def take_awaiting(self, user_id: int) -> str | None:
        """Give what text a flow waits for from this person, and stop waiting; None if nothing."""
        draft = await self._stop_waiting(user_id)
        if draft is None:
            return None
        if self.expired(draft):
            # Text typed long after: read as the person means it today, not as a draft's value
            await self.drop(user_id, draft.flow)
            return None
        return draft.awaiting

    # Issue 16, part 7: the list a message shows, so that a press on it re-renders it whole

    async def remember_screen(
        self, user_id: int, message_id: int, view: str, page: int, arg: str
    ) -> None:
        """Keep which list (view, page, argument) a message shows this person."""
        body = {"view": view, "page": page, "arg": arg}
        await self.put(user_id, f"{SCREEN}:{message_id}", "", body)

    async def screen(self, user_id: int, message_id: int) -> tuple[str, int, str] | None:
        """Give which list a message shows this person (None: not a list, or too old)."""
        try:
            draft = await self.get(user_id, f"{SCREEN}:{message_id}")
        except DomainError:  # expired: the message's own buttons are refreshed instead
            return None
        if draft is None:
            return None
        body = draft.body
        return str(body["view"]), int(body["page"]), str(body["arg"])
