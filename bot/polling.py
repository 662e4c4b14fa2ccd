"""Long polling through the inbox: an update is stored before Telegram is told it arrived.

python-telegram-bot's Updater confirms a batch as soon as it fetched it, so a crash (kill -9)
loses what was fetched and not yet handled. Here each batch is written to the inbox first and
confirmed afterwards; on start-up, what is in the inbox and not marked done is handled again.
A redelivered update (same update_id) is handled once.

An update is marked done once its handler has returned, so a kill before that replays it:
what it did must be safe to do again (a sign-up replayed finds the person in already; a
notice is keyed by its update). The inbox is a file of its own, written on the event loop
(storage/inbox.py): neither the store of a batch nor a done mark waits for the database's
transactions, so the next long poll and the replays stay few.

The handlers of a batch start before the next long poll is asked: building its request is
0.6-0.7 ms of work on the event loop (python-telegram-bot's and httpx's), which otherwise went
first, before every answer (bench.questions, issue 13, sixth session).

A clean stop closes the inbox: the updates stored and not started stay for the next start, the
handlers under way get a few seconds to finish, and the done marks are written before the
inbox's file closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Coroutine, Mapping
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.json_request import JsonRequest
from bot.ratelimit import retry_after_seconds
from storage import db as storage_db
from storage import inbox as inbox_repo
from storage.db import Database

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
MAX_BACKOFF = 30.0
KEEP_HANDLED = timedelta(days=2)
CHECKPOINT_EVERY = 500
"""Inbox writes between two checkpoints of its log (in a thread): a few megabytes of log."""
HANDLERS_FIRST = 0.05
"""Seconds the next long poll waits, at most, for the batch's handlers to start (they wait in
the application when it runs as many as it may at once)."""


class PollRequest(JsonRequest):
    """getUpdates' own connection (one, as python-telegram-bot's default), which keeps each
    batch's updates as Telegram sent them, written out before PTB reads them.

    The inbox stores these rather than PTB's objects written back: Update.to_dict and
    json.dumps took 158 µs an update against 9 µs for json.dumps of what came (a text message,
    timeit), on the event loop before every answer (bench.questions, issue 13, ninth session).
    """

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self.sent: dict[int, str] = {}
        """The last batch's updates as JSON, by update_id."""

    # python-telegram-bot's documented place to read the answers (BaseRequest.parse_json_payload);
    # declared static there, called on the request (self.parse_json_payload), so kept here
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """Decode an answer; keep the updates of a batch it gives as JSON, by update_id."""
        decoded: dict[str, Any] = BaseRequest.parse_json_payload(payload)
        result = decoded.get("result")
        self.sent = {
            update["update_id"]: json.dumps(update, ensure_ascii=False)
            for update in (result if isinstance(result, list) else ())
            if isinstance(update, dict) and isinstance(update.get("update_id"), int)
        }
        return decoded


class Inbox:
    """The stored updates (a file of their own, written on the event loop: storage/inbox.py),
    and the mark that each was handled."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        """The database, where earlier versions kept the updates (take_over)."""
        self._clock = clock
        self.path = inbox_repo.beside(db.path)
        self._conn: sqlite3.Connection | None = None
        """Opened at first use (conn), closed with the inbox."""
        self._handled: set[int] = set()
        """Updates whose handler returned, their done mark not written yet (it failed)."""
        self._log_folding = storage_db.LogFolding(self.path, CHECKPOINT_EVERY, "rencontre-inbox")
        """Checkpoints of the inbox's log, in a thread (CHECKPOINT_EVERY)."""
        self._running: set[asyncio.Task[Any]] = set()
        """The tasks running a handler now."""
        self._started: dict[int, asyncio.Future[None]] = {}
        """Set when the handler of an update handed over starts (HANDLERS_FIRST)."""
        self.closed = False
        """Set when the bot stops: no more updates are handled."""

    @property
    def conn(self) -> sqlite3.Connection:
        """The inbox's connection, the event loop's (opened at first use; gone once the inbox
        is closed)."""
        if self._conn is None:
            if self.closed:
                raise RuntimeError("the inbox is closed")
            self._conn = inbox_repo.connect(self.path)
        return self._conn

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
            self._write_marks()
        finally:
            if task is not None:
                self._running.discard(task)

    def _write_marks(self) -> None:
        """Mark done the updates handled (one statement on the loop, nothing to wait for)."""
        if not self._handled or self._conn is None:
            return
        try:
            inbox_repo.mark_done(self._conn, self._handled, self._clock.now())
        except sqlite3.Error as exc:  # another process holds the file: the next mark carries it
            log.warning("the inbox could not mark %d updates done: %s", len(self._handled), exc)
            return
        self._log_folding.committed()
        self._handled = set()

    def started(self, update_ids: list[int]) -> list[asyncio.Future[None]]:
        """Give, for updates about to be handed over, what is set when each handler starts."""
        loop = asyncio.get_running_loop()
        return [self._started.setdefault(i, loop.create_future()) for i in update_ids]

    def _start(self, update_id: int) -> None:
        started = self._started.pop(update_id, None)
        if started is not None and not started.done():
            started.set_result(None)

    async def close(self, grace: float) -> tuple[int, int]:
        """Handle no more updates; give those under way `grace` seconds, then write the marks
        and close the inbox's file.

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
        self._write_marks()
        await self._log_folding.settle()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                inbox_repo.close(conn)
            except sqlite3.Error as exc:
                log.warning("%s: no checkpoint at close: %s", self.path, exc)
        return len(running) - len(late), len(late)

    async def store(
        self, updates: list[Update], sent: Mapping[int, str] | None = None
    ) -> list[Update]:
        """Write down a batch; give back the updates not seen before.

        sent: the updates as Telegram sent them, JSON by update_id (PollRequest); one not
        there is written from python-telegram-bot's object.
        """
        unique = list({u.update_id: u for u in reversed(updates)}.values())[::-1]
        sent = sent or {}
        rows = [
            (u.update_id, sent.get(u.update_id) or json.dumps(u.to_dict(), ensure_ascii=False))
            for u in unique
        ]
        # One statement on the event loop: nothing to wait for (the inbox has its own file)
        new = set(inbox_repo.store(self.conn, rows, self._clock.now()))
        self._log_folding.committed()
        # The same update twice in one batch, or again later, is handled once
        return [u for u in unique if u.update_id in new]

    async def take_over(self) -> int:
        """Move here the updates that earlier versions kept in the database; give how many
        were new here."""
        async with self._db.transaction() as conn:
            return await inbox_repo.take_over(conn, self.conn)

    async def pending(self) -> list[dict[str, Any]]:
        """List the updates stored but not handled."""
        return [json.loads(body) for _, body in inbox_repo.pending(self.conn)]

    async def next_offset(self) -> int | None:
        """Give the offset that confirms everything stored."""
        last = inbox_repo.last_id(self.conn)
        return None if last is None else last + 1

    async def prune(self) -> None:
        """Forget handled updates after a while."""
        inbox_repo.prune(self.conn, self._clock.now(), KEEP_HANDLED)


class Poller:
    """Fetch updates, store them, then hand them to the application."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        inbox: Inbox,
        request: PollRequest | None = None,
    ) -> None:
        self._app = app
        self._inbox = inbox
        self._request = request
        """getUpdates' connection, when it keeps the batches as sent (PollRequest)."""
        self._task: asyncio.Task[None] | None = None

    async def start(self, poll_timeout: int = POLL_TIMEOUT) -> None:
        """Hand over what a crash left unhandled, then poll in the background."""
        moved = await self._inbox.take_over()
        if moved:
            log.info("%d updates moved from the database to the inbox's file", moved)
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
        # Telegram keeps the kinds of updates asked for until asked otherwise: said until a
        # poll is answered, not on every one (25 names to write and read each time)
        kinds: list[str] | None = list(Update.ALL_TYPES)
        while True:
            try:
                updates = await self._app.bot.get_updates(
                    offset=offset,
                    timeout=poll_timeout,
                    allowed_updates=kinds,
                    read_timeout=poll_timeout + 10,
                )
                kinds = None
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
                sent = self._request.sent if self._request is not None else {}
                stored = await self._inbox.store(list(updates), sent)
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
