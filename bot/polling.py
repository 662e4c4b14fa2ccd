"""Long polling through the inbox: an update is stored before Telegram is told it arrived.

python-telegram-bot's Updater confirms a batch as soon as it fetched it, so a crash (kill -9)
loses what was fetched and not yet handled. Here each batch is written to the inbox first and
confirmed afterwards; on start-up, what is in the inbox and not marked done is handled again.
A redelivered update (same update_id) is handled once.

An update is marked done once its handler has returned, so a kill before that replays it:
what it did must be safe to do again (a sign-up replayed finds the person in already; a
notice is keyed by its update). So that replays stay few, done marks do not queue for the
database behind a burst of sign-ups: they ride along with the next transaction anybody makes
(`Inbox.write_marks`, a hook of the database's transactions); written alone, they wait behind
the people's writes, as bulk work does.

The handlers of a batch start before the next long poll is asked: building its request is
0.6-0.7 ms of work on the event loop (python-telegram-bot's and httpx's), which otherwise went
first, before every answer (bench.questions, issue 13, sixth session).

A clean stop closes the inbox: the updates stored and not started stay for the next start, the
handlers under way get a few seconds to finish, and the done marks are written before the
database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import aiosqlite
from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.clock import Clock
from bot.ratelimit import retry_after_seconds
from storage import inbox as inbox_repo
from storage.db import Database

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
MAX_BACKOFF = 30.0
KEEP_HANDLED = timedelta(days=2)
HANDLERS_FIRST = 0.05
"""Seconds the next long poll waits, at most, for the batch's handlers to start (they wait in
the application when it runs as many as it may at once)."""


class Inbox:
    """The stored updates, and the mark that each was handled."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._handled: set[int] = set()
        """Updates whose handler returned, their done mark not written yet."""
        self._running: set[asyncio.Task[Any]] = set()
        """The tasks running a handler now."""
        self._started: dict[int, asyncio.Future[None]] = {}
        """Set when the handler of an update handed over starts (HANDLERS_FIRST)."""
        self.closed = False
        """Set when the bot stops: no more updates are handled."""
        db.before_commit.append(self.write_marks)

    async def write_marks(self, conn: aiosqlite.Connection) -> None:
        """Mark done, in whatever transaction is being made, the updates already handled."""
        marks, self._handled = self._handled, set()
        if marks:
            await inbox_repo.mark_done(conn, marks, self._clock.now())

    async def handle(self, update_id: int, handler: Coroutine[Any, Any, None]) -> None:
        """Run a handler for an update, then mark the update done (not if cancelled).

        Once the inbox is closed (the bot is stopping), the update is not handled: it stays
        stored, and is handled at the next start.
        """
        self._start(update_id)
        if self.closed:
            handler.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await handler
            self._handled.add(update_id)
            # The mark goes in with the first transaction to come, or alone once it is our
            # turn at the database (one statement: nothing to do if a transaction took it).
            # The turn is bulk work's: people's writes waiting go first, one of them carries it
            async with self._db.alone(bulk=True) as conn:
                await self.write_marks(conn)
        finally:
            if task is not None:
                self._running.discard(task)

    def started(self, update_ids: list[int]) -> list[asyncio.Future[None]]:
        """Give, for updates about to be handed over, what is set when each handler starts."""
        loop = asyncio.get_running_loop()
        return [self._started.setdefault(i, loop.create_future()) for i in update_ids]

    def _start(self, update_id: int) -> None:
        started = self._started.pop(update_id, None)
        if started is not None and not started.done():
            started.set_result(None)

    async def close(self, grace: float) -> tuple[int, int]:
        """Handle no more updates; give those under way `grace` seconds, then write the marks.

        A handler still running after that is cancelled (its update runs again at the next
        start). Give how many handlers finished and how many were cut short.
        """
        self.closed = True
        running = set(self._running)
        late: set[asyncio.Task[Any]] = set()
        if running:
            _, late = await asyncio.wait(running, timeout=max(0.0, grace))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._handled:
            async with self._db.transaction():
                pass  # write_marks runs in it
        return len(running) - len(late), len(late)

    async def store(self, updates: list[Update]) -> list[Update]:
        """Write down a batch; give back the updates not seen before."""
        unique = list({u.update_id: u for u in reversed(updates)}.values())[::-1]
        rows = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in unique]
        # One statement, ahead of the handlers' transactions: every update after this batch
        # waits for it (the next getUpdates confirms what it stored). On the event loop, with
        # no trip to a thread, when the database is a file (Database.alone_now)
        if self._db.writes_now:
            async with self._db.alone_now(ahead=True) as now:
                new = set(inbox_repo.store_now(now, rows, self._clock.now()))
        else:
            async with self._db.alone(ahead=True) as conn:
                new = set(await inbox_repo.store(conn, rows, self._clock.now()))
        # The same update twice in one batch, or again later, is handled once
        return [u for u in unique if u.update_id in new]

    async def pending(self) -> list[dict[str, Any]]:
        """List the updates stored but not handled."""
        async with self._db.read() as conn:
            return [json.loads(body) for _, body in await inbox_repo.pending(conn)]

    async def next_offset(self) -> int | None:
        """Give the offset that confirms everything stored."""
        async with self._db.read() as conn:
            last = await inbox_repo.last_id(conn)
        return None if last is None else last + 1

    async def prune(self) -> None:
        """Forget handled updates after a while."""
        async with self._db.transaction() as conn:
            await inbox_repo.prune(conn, self._clock.now(), KEEP_HANDLED)


class Poller:
    """Fetch updates, store them, then hand them to the application."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], inbox: Inbox) -> None:
        self._app = app
        self._inbox = inbox
        self._task: asyncio.Task[None] | None = None

    async def start(self, poll_timeout: int = POLL_TIMEOUT) -> None:
        """Hand over what a crash left unhandled, then poll in the background."""
        for data in await self._inbox.pending():
            update = Update.de_json(data, self._app.bot)
            log.info("handling update %s again: it was not done before the stop", update.update_id)
            await self._app.update_queue.put(update)
        await self._inbox.prune()
        await self._app.bot.delete_webhook()
        self._task = asyncio.create_task(self._run(poll_timeout), name="rencontre-poller")

    async def stop(self) -> None:
        """Stop polling (updates already stored stay in the inbox)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, poll_timeout: int) -> None:
        offset = await self._inbox.next_offset()
        backoff = 1.0
        while True:
            try:
                updates = await self._app.bot.get_updates(
                    offset=offset,
                    timeout=poll_timeout,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=poll_timeout + 10,
                )
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except (Conflict, InvalidToken) as exc:
                log.error("polling stopped: %s", exc)
                return
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            if not updates:
                backoff = 1.0
                continue
            try:
                stored = await self._inbox.store(list(updates))
            except Exception:
                # Never deaf without a word: the batch was not confirmed, it comes again
                log.exception("storing updates failed; trying again in %.0f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            backoff = 1.0
            started = self._inbox.started([u.update_id for u in stored])
            for update in stored:
                await self._app.update_queue.put(update)
            offset = updates[-1].update_id + 1
            if started:  # the handlers first (HANDLERS_FIRST)
                await asyncio.wait(started, timeout=HANDLERS_FIRST)
