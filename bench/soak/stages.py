"""Where a reply's time goes, in the bot's process (python -m bench.soak --stages).

Opt-in: nothing here runs unless the soak is asked for it. In the bot's process, it wraps (on
the instances, not the classes) the inbox's store, the application's process_update, the
database's lock and the rate limiter, and stamps with time.monotonic() (one clock for every
process of the machine, so the stamps line up with the emulator's):

- polled: the getUpdates that brought it was asked (its HTTP request began);
- fetched: getUpdates came back with the update (the inbox starts to store the batch);
- stored: the batch is written down; handed: the update is put in the application's queue;
- started: the application starts to handle it;
- queued: the handler's first reply reaches the rate limiter; granted: the limiter lets it go;
  done: its HTTP request came back;
- db_wait / db_hold: time the handler's own task waited for the database's one connection,
  and held it; and, for every holder (the poller, the outbox, the handlers, their reactions,
  the jobs), how long it held the connection while someone else waited. A handler's holds
  are named by the calls that took them ("handler (/next) @ get<language<language").

A probe also wakes up every 5 ms and notes how late it woke (the event loop held by work), and
each garbage collection is timed, wall and CPU (it holds the loop too).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import signal
import sys
import time
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from telegram import Update

from bot.app import RencontreApplication
from bot.context import RencontreApp
from bot.polling import Inbox
from bot.ratelimit import INTERACTIVE, SlidingWindowRateLimiter, Turn
from storage.db import Database, Turns

PROBE_EVERY = 0.005


@dataclass
class Stamps:
    """The moments of one update's way through the bot."""

    key: str
    what: str = "?"
    """The command, "plain words", or the press's button kind ("press b:ws")."""
    polled: float = 0.0
    """When the getUpdates that brought it was asked (its request began)."""
    fetched: float = 0.0
    stored: float = 0.0
    handed: float = 0.0
    started: float = 0.0
    queued: float = 0.0
    granted: float = 0.0
    done: float = 0.0
    db_wait: float = 0.0
    db_hold: float = 0.0
    db_uses: int = 0
    waited_behind: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def as_json(self) -> dict[str, Any]:
        """Give it as JSON data."""
        return {
            "key": self.key,
            **{
                name: getattr(self, name)
                for name in (
                    "polled",
                    "fetched",
                    "stored",
                    "handed",
                    "started",
                    "queued",
                    "granted",
                    "done",
                    "db_wait",
                    "db_hold",
                    "db_uses",
                )
            },
            "behind": dict(self.waited_behind),
        }


def what_of(update: Update) -> str:
    """Say what an update asks, in a word: its command, plain words, or its button's kind."""
    if update.callback_query is not None:
        return "press " + ":".join((update.callback_query.data or "?").split(":")[:2])
    text = update.message.text if update.message is not None else None
    if text and text.startswith("/"):
        return text.split()[0].split("@")[0]
    return "plain words" if text else "other"


def key_of(update: Update) -> str | None:
    """Name an update as the driver knows it: a text by chat and message, a press by its id."""
    if update.callback_query is not None:
        return f"q:{update.callback_query.id}"
    message = update.message
    if message is not None:
        return f"m:{message.chat_id}:{message.message_id}"
    return None


_current: contextvars.ContextVar[Stamps | None] = contextvars.ContextVar("stamps", default=None)


class Recorder:
    """Stamp the updates' stages in the bot's process."""

    def __init__(self) -> None:
        self.by_key: dict[str, Stamps] = {}
        self._by_id: dict[int, Stamps] = {}
        self._polled = 0.0
        self._tasks: weakref.WeakKeyDictionary[asyncio.Task[Any], Stamps] = (
            weakref.WeakKeyDictionary()
        )
        self.holds: defaultdict[str, list[float]] = defaultdict(list)
        """For each kind of holder: how long it held the connection, each time."""
        self.holds_contended: defaultdict[str, list[float]] = defaultdict(list)
        """The same, for the holds during which someone waited."""
        self.lags: list[float] = []
        self.collections: defaultdict[str, list[float]] = defaultdict(list)
        """How long each garbage collection took, by generation."""
        self.collections_cpu: defaultdict[str, list[float]] = defaultdict(list)
        """The same collections' CPU time (this thread's): wall time above it is time the
        machine gave to other processes."""
        self._collecting = 0.0
        self._collecting_cpu = 0.0
        self._probe: asyncio.Task[None] | None = None

    # --- who is running -------------------------------------------------------------------

    def _mine(self) -> Stamps | None:
        """Give the stamps of the update this task handles (not of a task it started)."""
        task = asyncio.current_task()
        return None if task is None else self._tasks.get(task)

    def _label(self) -> str:
        task = asyncio.current_task()
        if task is None:
            return "no task"
        if task in self._tasks:
            return f"handler ({self._tasks[task].what})"
        if _current.get() is not None:
            return "reaction to a handler (re-planning)"
        name = task.get_name()
        if name.startswith("outbox-"):
            return "outbox send"
        if name == "rencontre-outbox":
            return "outbox reader"
        if name == "rencontre-poller":
            return "poller (inbox)"
        return "other: " + name.rstrip("0123456789").rstrip("-_:")

    # --- the wrappers ---------------------------------------------------------------------

    def install(self, app: RencontreApp, db: Database) -> None:
        """Wrap the inbox, the application, the database's lock and the rate limiter."""
        inbox = app.inbox if isinstance(app, RencontreApplication) else None
        assert isinstance(inbox, Inbox)
        self._wrap_inbox(inbox)
        self._wrap_polls(app)
        self._wrap_process_update(app)
        self._wrap_queue(app)
        db._lock = _TimedLock(self, "write")
        # With reading connections of their own (a database file), reads take turns on their
        # own locks (people's reads on theirs, bulk work's on its own)
        db._read_locks = [_TimedLock(self, "read") for _ in db._read_locks]
        db._bulk_read_lock = _TimedLock(self, "bulk read")
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, SlidingWindowRateLimiter)
        self._wrap_limiter(limiter)

    def _wrap_inbox(self, inbox: Inbox) -> None:
        store = inbox.store

        async def stamped(
            updates: list[Update], sent: Mapping[int, str] | None = None
        ) -> list[Update]:
            fetched = time.monotonic()
            new = await store(updates, sent)
            stored = time.monotonic()
            for u in new:
                key = key_of(u)
                if key is not None:
                    stamps = Stamps(
                        key, what_of(u), polled=self._polled, fetched=fetched, stored=stored
                    )
                    self.by_key[key] = stamps
                    self._by_id[u.update_id] = stamps
            return new

        inbox.store = stamped  # type: ignore[method-assign]

    def _wrap_polls(self, app: RencontreApp) -> None:
        request = app.bot._request[0]  # getUpdates's own (python-telegram-bot's Bot)
        do_request = request.do_request

        async def stamped(*args: Any, **kwargs: Any) -> tuple[int, bytes]:
            self._polled = time.monotonic()
            return await do_request(*args, **kwargs)

        request.do_request = stamped  # type: ignore[method-assign]

    def _wrap_queue(self, app: RencontreApp) -> None:
        queue = app.update_queue
        put = queue.put

        async def stamped(item: object) -> None:
            if isinstance(item, Update) and (s := self._by_id.get(item.update_id)) is not None:
                s.handed = time.monotonic()
            await put(item)

        queue.put = stamped  # type: ignore[method-assign]

    def _wrap_process_update(self, app: RencontreApp) -> None:
        original = app.process_update

        async def stamped(update: object) -> None:
            stamps = self._by_id.get(update.update_id) if isinstance(update, Update) else None
            task = asyncio.current_task()
            if stamps is not None and task is not None:
                stamps.started = time.monotonic()
                self._tasks[task] = stamps
                _current.set(stamps)
            await original(update)

        app.process_update = stamped  # type: ignore[method-assign]

    def _wrap_limiter(self, limiter: SlidingWindowRateLimiter) -> None:
        process = limiter.process_request
        turn = limiter._turn

        async def stamped_process(
            callback: Callable[..., Coroutine[Any, Any, Any]],
            args: Any,
            kwargs: dict[str, Any],
            endpoint: str,
            data: dict[str, Any],
            rate_limit_args: int | Turn | None,
        ) -> Any:
            stamps = self._mine()
            reply = (
                stamps is not None
                and not stamps.queued
                and not isinstance(rate_limit_args, Turn)
                and (rate_limit_args or INTERACTIVE) == INTERACTIVE
                and endpoint in ("sendMessage", "answerCallbackQuery")
            )
            if reply and stamps is not None:
                stamps.queued = time.monotonic()
            try:
                return await process(callback, args, kwargs, endpoint, data, rate_limit_args)
            finally:
                if reply and stamps is not None:
                    stamps.done = time.monotonic()
                    if not stamps.granted:  # not counted as a message: no turn
                        stamps.granted = stamps.queued

        async def stamped_turn(*args: Any) -> Any:
            send = await turn(*args)
            stamps = self._mine()
            if stamps is not None and stamps.queued and not stamps.granted:
                stamps.granted = time.monotonic()
            return send

        limiter.process_request = stamped_process  # type: ignore[method-assign]
        limiter._turn = stamped_turn  # type: ignore[method-assign,assignment]

    # --- the database's lock ----------------------------------------------------------------

    def acquired(self, waited: float, contended_by: str | None) -> str:
        """Note that the current task got a connection after `waited` seconds; name it."""
        stamps = self._mine()
        if stamps is not None:
            stamps.db_wait += waited
            stamps.db_uses += 1
            if contended_by is not None and waited > 0:
                stamps.waited_behind[contended_by] += waited
        label = self._label()
        if label.startswith("handler"):  # and which of its calls: "@ get<language<language"
            label += " @ " + _called_from(sys._getframe(1))
        return label

    def released(self, label: str, held: float, contended: bool) -> None:
        """Note that the current task gave a connection back after `held` seconds."""
        self.holds[label].append(held)
        if contended:
            self.holds_contended[label].append(held)
        stamps = self._mine()
        if stamps is not None:
            stamps.db_hold += held

    # --- the loop probe ---------------------------------------------------------------------

    def start_probe(self) -> None:
        """Note how late the event loop wakes a 5 ms sleeper, from now on.

        SIGUSR1 then prints every task's stack to stderr (the bot's log): where a stall waits.
        """
        self._probe = asyncio.create_task(self._run_probe(), name="stages-probe")
        gc.callbacks.append(self._collected)
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, _print_tasks)

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        """Time each garbage collection (it holds the event loop too), by generation."""
        if phase == "start":
            self._collecting = time.perf_counter()
            self._collecting_cpu = time.thread_time()
        else:
            generation = str(info["generation"])
            self.collections[generation].append(time.perf_counter() - self._collecting)
            self.collections_cpu[generation].append(time.thread_time() - self._collecting_cpu)

    async def stop_probe(self) -> None:
        """Stop the probe."""
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._collected)
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe

    async def _run_probe(self) -> None:
        while True:
            due = time.monotonic() + PROBE_EVERY
            await asyncio.sleep(PROBE_EVERY)
            self.lags.append(time.monotonic() - due)

    def as_json(self) -> dict[str, Any]:
        """Give what was recorded, as JSON data."""
        return {
            "updates": [s.as_json() for s in self.by_key.values()],
            "holds": {k: _summary(v) for k, v in self.holds.items()},
            "holds_contended": {k: _summary(v) for k, v in self.holds_contended.items()},
            "lags": _summary(self.lags),
            "collections": {k: _summary(v) for k, v in sorted(self.collections.items())},
            "collections_cpu": {k: _summary(v) for k, v in sorted(self.collections_cpu.items())},
            "full_collections_cpu": self.collections_cpu.get("2", []),
        }


def _called_from(frame: FrameType | None, depth: int = 3) -> str:
    """Name the innermost calls of the services and handlers that led here, innermost first."""
    names: list[str] = []
    while frame is not None and len(names) < depth:
        path = frame.f_code.co_filename
        if "/bot/services/" in path or "/handlers/" in path:
            names.append(frame.f_code.co_name)
        frame = frame.f_back
    return "<".join(names) or "?"


def _print_tasks() -> None:
    for task in asyncio.all_tasks():
        print(f"--- {task.get_name()}", file=sys.stderr)
        task.print_stack(limit=12, file=sys.stderr)
    sys.stderr.flush()


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "total": sum(ordered),
        "p50": ordered[len(ordered) // 2],
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
    }


class _TimedLock(Turns):
    """The database's lock (its turns), telling the recorder who waited how long behind whom."""

    def __init__(self, recorder: Recorder, name: str) -> None:
        super().__init__()
        self._recorder = recorder
        self._name = name
        self._contended = False
        self._holder: str | None = None
        self._since = 0.0

    async def acquire(self, *, bulk: bool | None = None) -> None:
        """Take the lock; note the wait and behind whom."""
        began = time.monotonic()
        behind = self._holder if self.locked() else None
        if behind is not None:
            self._contended = True
        await super().acquire(bulk=bulk)
        self._since = time.monotonic()
        label = self._recorder.acquired(self._since - began, behind)
        self._holder = f"{label}, {self._name}"

    def release(self) -> None:
        """Give the lock back."""
        contended, self._contended = self._contended, False
        held = time.monotonic() - self._since
        self._recorder.released(self._holder or "?", held, contended)
        self._holder = None
        super().release()


@contextlib.asynccontextmanager
async def recording(app: RencontreApp, db: Database) -> AsyncIterator[Recorder]:
    """Record the stages while the block runs."""
    recorder = Recorder()
    recorder.install(app, db)
    recorder.start_probe()
    try:
        yield recorder
    finally:
        await recorder.stop_probe()
