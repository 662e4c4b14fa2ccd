"""The sender: every message the bot sends on its own leaves from the outbox, once.

A message is marked `sending` when the sender takes it and `sent` when Telegram took it. The
moment its request is allowed to leave (the rate limiter's grant), a line goes to the wire log
(storage/wire.py). After a crash, a message still `sending` goes out again only if the wire
log shows its request never left; one whose request had left may or may not have reached
Telegram, and becomes `uncertain`: not sent again, since nothing goes out twice. The same
holds for a send that timed out or lost its connection after the request went.

A clean stop (SIGTERM) takes no new message, puts back to `pending` those taken whose request
had not left, and waits a few seconds for those whose request had: answered, they are `sent`
(or whatever Telegram said); still unanswered, `uncertain`, as after a kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.domain.planning import Planned, SentReminder
from bot.reply import Reply
from storage import outbox as repo
from storage import participants as participants_repo
from storage.db import BULK_WORK, Database
from storage.outbox import Entry, Row
from storage.wire import WireLog

log = logging.getLogger(__name__)

SAFETY_WAKE = 60.0
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
SETTLE_WAIT = 10.0
"""Seconds `settled()` waits at most for a send on its way (a request times out before)."""


class DeliveryError(Exception):
    """A message could not be delivered."""


class Unreachable(DeliveryError):
    """The person blocked the bot or never started it: do not try again."""


class RetryLater(DeliveryError):
    """Telegram asks to wait before trying again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Transient(DeliveryError):
    """A network error or a server error: worth trying again a few times."""


class Permanent(DeliveryError):
    """Telegram refused the message itself: trying again would not help."""


class Uncertain(DeliveryError):
    """The request left but no answer came back: Telegram may have the message, or not."""


@dataclass(frozen=True, slots=True)
class Stopped:
    """What the sender's stop found in flight."""

    waited: int
    """Sends whose request had left: waited for."""
    answered: int
    """Of those, the ones done in time (their fate recorded: an answer, or a time-out)."""
    held: int
    """Sends taken whose request had not left: back in the queue."""

    @property
    def cut(self) -> int:
        """Count the sends left without an answer (recorded `uncertain`)."""
        return self.waited - self.answered


@dataclass(frozen=True, slots=True)
class Delivery:
    """What to do with a composed message: send it (and maybe pin it), or edit the board."""

    reply: Reply
    pin: bool = False
    board: bool = False


class Transport(Protocol):
    """Sends to Telegram; raises the DeliveryError subclasses above."""

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pin: bool = False,
        on_grant: Callable[[], None] | None = None,
    ) -> int:
        """Send a message; give its id. Call on_grant just before the request leaves."""
        ...

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        """Replace a message's text and buttons."""
        ...


Composer = Callable[[Row], Awaitable[Delivery | None]]


def entry(p: Planned) -> Entry:
    """Turn a planned message into an outbox entry."""
    return Entry(p.key, p.kind, p.chat_id, p.due, dict(p.params), p.expires, p.urgent)


def sent_reminder(row: Row) -> SentReminder:
    """Read back what a sent reminder said."""
    p = row.params
    return SentReminder(
        row.key,
        row.chat_id,
        p["target_kind"],
        p["target_id"],
        p["start"],
        p.get("room"),
        bool(p.get("cancelled")),
    )


class Outbox:
    """Queue messages durably and send them when due, within Telegram's limits."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        window: int = 4,
        max_attempts: int = 5,
        wire: WireLog | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._wire = wire if wire is not None else WireLog.beside(db.path)
        self._window = window
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._transport: Transport | None = None
        self._compose: Composer | None = None
        self.on_idle: Callable[[datetime | None], None] | None = None
        """Called with the next due time when the sender goes to sleep (to set a timer)."""
        self.on_failure: Callable[[Exception], None] | None = None
        """Told of each failure of the sender itself (a database error) as it happens."""
        self.sent_count = 0
        # Group sends may wait a minute on Telegram's 20-a-minute rule: they get their own
        # place, so that they never hold back private messages (in flight: window at most)
        self._places = {False: max(1, window - 1), True: 1}  # by "to a group"
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._busy_groups: set[int] = set()
        self._busy_chats: dict[int, int] = {}
        """The chat of each busy message: a chat gets one message at a time, in order."""
        self._left: set[int] = set()
        """The busy messages whose request has been allowed to leave."""
        self._boards: dict[int, tuple[int, Reply]] = {}
        """What each group's board message says, as far as this process knows."""

    async def add(self, entries: Iterable[Entry]) -> int:
        """Queue messages in their own transaction; a key already queued is left alone."""
        async with self._db.transaction() as conn:
            added = await repo.add(conn, entries, self._clock.now())
        self.wake()
        return added

    def wake(self) -> None:
        """Make the sender look at the outbox now."""
        self._wake.set()

    async def start(self, transport: Transport, compose: Composer) -> None:
        """Settle what was in flight at the last stop, then send in the background."""
        self._transport, self._compose = transport, compose
        left = self._wire.read()
        async with self._db.transaction() as conn:
            again, unsure = await repo.recover_in_flight(conn, left)
        self._wire.clear()
        if again:
            log.warning("%d message(s) had not left at the last stop: sending them now", again)
        for key in unsure:
            log.warning("%s was leaving at the last stop: it may have arrived, not sent again", key)
        self._task = asyncio.create_task(self._run(), name="rencontre-outbox")

    async def stop(self, grace: float = 0.0) -> Stopped:
        """Stop sending; let the requests already on their way finish, for `grace` seconds.

        What is queued stays queued, and so do the messages taken whose request had not left.
        """
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        held = {
            row_id: t
            for row_id, t in self._busy.items()
            if row_id not in self._left and not t.done()
        }
        for task in held.values():
            task.cancel()
        await asyncio.gather(*held.values(), return_exceptions=True)
        leaving = {row_id: t for row_id, t in self._busy.items() if row_id in self._left}
        cut: list[int] = []
        if leaving:
            _, late = await asyncio.wait(leaving.values(), timeout=max(0.0, grace))
            cut = [row_id for row_id, t in leaving.items() if t in late]
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if held or cut:
            async with self._db.transaction() as conn:
                await repo.settle_at_stop(conn, held, cut)
        self._wire.close()
        return Stopped(waited=len(leaving), answered=len(leaving) - len(cut), held=len(held))

    async def _run(self) -> None:
        BULK_WORK.set(True)  # this task's, and the sends it starts: people's work goes first
        while not self._stopping:
            self._wake.clear()
            try:
                if await self.send_due():
                    continue
                # Inside the try: a read that fails here is reported now and tried again,
                # rather than ending the task and showing only when the stop awaits it
                timeout = await self._idle()
            except Exception as exc:
                log.exception("the outbox sender failed; trying again shortly")
                if self.on_failure is not None:
                    self.on_failure(exc)
                await asyncio.sleep(1.0)
                continue
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def _idle(self) -> float | None:
        """Find when the next message is due; give how long to sleep (None: until woken)."""
        async with self._db.read_now() as conn:  # one row: on the event loop
            upcoming = await repo.next_due(conn)
        if self.on_idle is not None:
            # A timer (the JobQueue) wakes the sender; waiting is bounded all the same
            self.on_idle(upcoming)
            timeout: float | None = SAFETY_WAKE
        else:
            timeout = None if upcoming is None else self._clock.seconds_until(upcoming)
        return None if timeout is None else max(0.05, timeout)

    async def send_due(self) -> int:
        """Start sending messages due now, as many as there are free places; count them.

        Only what can go at once is read and started: a queue of thousands (a broadcast) is
        read a few rows at a time, never whole.
        """
        now = self._clock.now()
        started = 0
        for to_groups, places in self._places.items():
            busy = len(self._busy_groups) if to_groups else len(self._busy) - len(self._busy_groups)
            if busy >= places:
                continue
            # A few rows: on the event loop (each trip to a thread and back is callbacks on
            # the loop; the outbox reads and marks thousands of times in a busy hour)
            async with self._db.read_now() as conn:
                # the busy ones may still read as pending (not claimed yet): read past them
                rows = await repo.due(conn, now, places, to_groups=to_groups)
            for row in [r for r in rows if r.id not in self._busy][: places - busy]:
                if row.chat_id in self._busy_chats.values():
                    # Its chat's earlier message is on its way: sent together, they could
                    # arrive in either order (a change, then a cancellation, read backwards)
                    continue
                task = asyncio.create_task(self._one(row), name=f"outbox-{row.id}")
                self._busy[row.id] = task
                self._busy_chats[row.id] = row.chat_id
                if to_groups:
                    self._busy_groups.add(row.id)
                task.add_done_callback(functools.partial(self._done, row.id))
                started += 1
        return started

    async def settled(self, chat_id: int) -> bool:
        """Wait until the messages on their way to a chat have their fate written down (at
        most SETTLE_WAIT seconds); tell whether there were any."""
        tasks = [self._busy[r] for r, chat in self._busy_chats.items() if chat == chat_id]
        if tasks:
            await asyncio.wait(tasks, timeout=SETTLE_WAIT)
        return bool(tasks)

    def _done(self, row_id: int, _: object) -> None:
        self._busy.pop(row_id, None)
        self._busy_chats.pop(row_id, None)
        self._busy_groups.discard(row_id)
        self._left.discard(row_id)
        self.wake()  # a place is free: look again

    async def _one(self, row: Row) -> None:
        try:
            await self._deliver(row)
        except Exception:
            log.exception("sending %s failed unexpectedly; it stays queued", row.key)

    async def flush(self) -> None:
        """Send everything due now and wait until nothing is in flight (tests, rehearsals)."""
        while True:
            started = await self.send_due()
            if self._busy:
                await asyncio.gather(*list(self._busy.values()), return_exceptions=True)
                continue
            if not started and not await self._due_now():
                return

    async def _due_now(self) -> bool:
        """Say whether a message is due now. send_due may start none while some are: it skips
        a kind whose places were all busy, and those sends can end while it reads the other."""
        async with self._db.read_now() as conn:
            upcoming = await repo.next_due(conn)
        return upcoming is not None and upcoming <= self._clock.now()

    def _leaving(self, row_id: int, attempt: int) -> None:
        """Write down that a message's request leaves now (wire log, and for a clean stop)."""
        self._wire.record(row_id, attempt)
        self._left.add(row_id)

    async def _mark(self, row: Row, status: str, **fields: object) -> None:
        async with self._db.write_now() as conn:  # one statement: on the event loop
            await repo.set_status(conn, row.id, status, now=self._clock.now(), **fields)  # type: ignore[arg-type]

    async def _deliver(self, row: Row) -> None:
        assert self._transport is not None and self._compose is not None
        now = self._clock.now()
        if row.expires_at is not None and row.expires_at <= now:
            log.info("dropped %s: no longer useful (due %s)", row.key, row.due_at)
            await self._mark(row, "dropped", error="stale")
            return
        async with self._db.write_now() as conn:
            if not await repo.claim(conn, row.id):
                return  # another sender took it
        attempt = row.attempts + 1  # what claim made it
        delivery = await self._compose(row)
        if delivery is None:
            log.info("dropped %s: nothing to say any more", row.key)
            await self._mark(row, "dropped", error="empty")
            return
        try:
            if delivery.board and row.message_id is None:
                message_id = await self._board(row, delivery, attempt)
            else:
                message_id = await self._transport.send(
                    row.chat_id,
                    delivery.reply,
                    pin=delivery.pin,
                    on_grant=functools.partial(self._leaving, row.id, attempt),
                )
        except Uncertain as exc:
            log.warning("%s may or may not have arrived (%s): not sent again", row.key, exc)
            await self._mark(row, "uncertain", error=str(exc))
            return
        except Unreachable as exc:
            async with self._db.transaction() as conn:
                await repo.set_status(conn, row.id, "unreachable", now=now, error=str(exc))
                if row.chat_id > 0:
                    await participants_repo.set_unreachable(conn, row.chat_id)
            return
        except RetryLater as exc:
            later = self._clock.now() + timedelta(seconds=exc.seconds)
            await self._mark(row, "pending", error=str(exc), due_at=later)
            return
        except Transient as exc:
            if row.attempts + 1 >= self._max_attempts:
                log.warning("gave up %s after %d attempts: %s", row.key, row.attempts + 1, exc)
                await self._mark(row, "failed", error=str(exc))
                return
            delay = BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
            later = self._clock.now() + timedelta(seconds=delay)
            await self._mark(row, "pending", error=str(exc), due_at=later)
            return
        except Permanent as exc:
            log.warning("Telegram refused %s: %s", row.key, exc)
            await self._mark(row, "failed", error=str(exc))
            return
        await self._mark(row, "sent", message_id=message_id)
        self.sent_count += 1

    async def _board(self, row: Row, delivery: Delivery, attempt: int) -> int:
        """Edit the group's pinned board, or post and pin a new one."""
        assert self._transport is not None
        async with self._db.read() as conn:
            existing = await repo.board_message(conn, row.chat_id)
        if existing is not None:
            if self._boards.get(row.chat_id) == (existing, delivery.reply):
                return existing  # it says that already: an edit would only be refused
            try:
                await self._transport.edit(row.chat_id, existing, delivery.reply)
                self._boards[row.chat_id] = (existing, delivery.reply)
                return existing
            except Permanent as exc:
                log.info("the board message could not be edited (%s): posting a new one", exc)
        message_id = await self._transport.send(
            row.chat_id,
            delivery.reply,
            pin=True,
            on_grant=functools.partial(self._leaving, row.id, attempt),
        )
        async with self._db.transaction() as conn:
            await repo.set_board_message(conn, row.chat_id, message_id)
        self._boards[row.chat_id] = (message_id, delivery.reply)
        return message_id
