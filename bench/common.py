"""What every benchmark shares: the echo baseline, the real bot, the timing and the tables.

Both bots run in this process, each on its own Bot API emulator on 127.0.0.1, driven the same
way. A reply's time is taken when its sendMessage (or answerCallbackQuery) request reaches the
emulator, by an interceptor that stamps it and lets it through.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
import os
import platform
import random
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.clock import FrozenClock
from bot.domain.booking import TargetKind, ref
from bot.domain.errors import DomainError
from bot.domain.models import Participant, Programme
from bot.ratelimit import SlidingWindowRateLimiter
from bot.sandbox.emulator import ApiRequest, BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.sandbox.records import Call
from bot.services.bookings import BookingService
from storage import participants as participants_repo

PARIS = ZoneInfo("Europe/Paris")
GROUP = -1001234567
TIMEOUT = 60.0
PER_SECOND, GROUP_PER_MINUTE = 30, 20  # Telegram's limits: all chats, and in one group
# The Bot API methods that add a message to a chat (what Rig stamps, per chat)
MESSAGE_METHODS = frozenset(("sendMessage", "sendDocument"))
FLOOD_NOTE = (
    "Emulator flood control is OFF for both bots (it models Telegram's 30 messages/s and would "
    "throttle a burst)."
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Give an instant of August 2026 in Paris."""
    return datetime(2026, 8, day, hour, minute, tzinfo=PARIS)


# --- figures ------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Give the nearest-rank percentile (fraction 0.99 for p99) of some values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Spread:
    """p50, p99 and max of some durations, in seconds."""

    n: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """Summarise durations."""
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.99), max(values))


def busiest(times: Iterable[float], span: float) -> int:
    """Give the most moments that fall in any window (t - span, t]."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, moment in enumerate(ordered):
        while ordered[first] <= moment - span:
            first += 1
        most = max(most, last - first + 1)
    return most


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


def ratio(bot: float, echo: float) -> str:
    """Format bot/echo."""
    return f"{bot / echo:.2f}x" if echo > 0 else "n/a"


def print_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Print rows under headers, columns aligned (first column left, the others right)."""
    table = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    print(line(table[0]))
    print("  ".join("-" * w for w in widths))
    for row in table[1:]:
        print(line(row))
    print()


def machine() -> str:
    """Describe the machine and the software the figures come from."""
    model = "unknown CPU"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0))
    return (
        f"{cpus} CPU(s) (nproc), {model}; Python {platform.python_version()}; "
        f"python-telegram-bot {telegram.__version__}"
    )


def code_version() -> str:
    """Name the commit measured, and whether the working tree differs from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "code: unknown (no git)"
    return f"code: {commit or 'unknown'}" + (" + uncommitted changes" if changed else "")


def header(title: str) -> None:
    """Print what is measured, where, and how the emulator is set."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(title)
    print(machine())
    print(code_version())
    print(FLOOD_NOTE)
    print()


# --- the emulator, with the moment things reach it ----------------------------------------


class Rig:
    """An emulator, and the moment each sendMessage and answerCallbackQuery reached it."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.sent: defaultdict[int, list[tuple[float, str]]] = defaultdict(list)
        """By chat: when each message-creating call arrived, and its text."""
        self.answered: dict[str, float] = {}
        self.asked = 0
        self.others = 0
        """Messages that came before the one waited for (not answers to the question)."""
        emu.faults.add_interceptor(self._stamp)

    async def _stamp(self, request: ApiRequest) -> None:
        now = time.perf_counter()
        params = request.raw_params
        if request.method in MESSAGE_METHODS:
            text = params.get("text", params.get("caption", ""))
            self.sent[int(params["chat_id"])].append((now, str(text)))
        elif request.method == "answerCallbackQuery":
            self.answered.setdefault(str(params["callback_query_id"]), now)

    def refusals(self) -> list[str]:
        """List the calls the emulator refused (none is expected), as 'method status: why'."""
        return [
            f"{call.method} {call.status}: {call.response.get('description', '')}"
            for call in self.emu.calls
            if not call.ok
        ]

    def summary(self) -> str:
        """Sum up the calls the bot made (long polls left out) and those refused."""
        made = Counter(call.method for call in self.emu.calls if call.method != "getUpdates")
        refused = Counter(self.refusals())
        return (
            "calls: "
            + ", ".join(f"{method} {n}" for method, n in made.most_common())
            + "; refused: "
            + ("; ".join(f"{n} x {why}" for why, n in refused.most_common()) or "none")
        )


@asynccontextmanager
async def rig(
    users: Iterable[int],
    *,
    group: int | None = None,
    language_code: str = "fr",
    flood_control: bool = False,
) -> AsyncIterator[Rig]:
    """Start an emulator that knows these people (and a group of all of them)."""
    emu = BotApiEmulator(flood_control=flood_control)
    await emu.start()
    try:
        people = list(users)
        for user in people:
            emu.cast.add_user(user, f"Personne {user}", language_code=language_code)
        if group is not None:
            emu.cast.add_group(group, "Bigre Rencontre 2026", members=people)
        yield Rig(emu)
    finally:
        await emu.stop()


@dataclass(frozen=True)
class Arrival:
    """A call as the emulator got it (when, to which chat, with what text), and its answer."""

    at: float  # time.monotonic() when the request reached the emulator
    method: str
    chat_id: int | None
    text: str
    query: str | None
    """The callback query an answerCallbackQuery answers."""
    call: Call

    @property
    def ok(self) -> bool:
        """Tell whether the emulator accepted it."""
        return self.call.ok

    @property
    def message_id(self) -> int | None:
        """Give the id of the message sent or edited (None when refused)."""
        result = self.call.response.get("result")
        return int(result["message_id"]) if isinstance(result, dict) else None

    @property
    def is_message(self) -> bool:
        """Tell whether Telegram counts it as a message (a send or an edit)."""
        return self.method != "answerCallbackQuery"

    @property
    def in_group(self) -> bool:
        """Tell whether it went to a group."""
        return self.chat_id is not None and self.chat_id < 0

    @property
    def in_private(self) -> bool:
        """Tell whether it went to a person."""
        return self.chat_id is not None and self.chat_id > 0


class Stamps:
    """Stamp each call of some methods as it reaches an emulator (time.monotonic())."""

    def __init__(self, emu: BotApiEmulator, methods: Iterable[str]) -> None:
        self.emu = emu
        self.methods = frozenset(methods)
        self._seen: list[tuple[float, str, int | None, str, str | None]] = []
        emu.faults.add_interceptor(self._stamp)

    async def _stamp(self, request: ApiRequest) -> None:
        if request.method in self.methods:
            params = request.raw_params
            chat = params.get("chat_id")
            query = params.get("callback_query_id")
            self._seen.append(
                (
                    time.monotonic(),
                    request.method,
                    int(chat) if chat is not None else None,
                    str(params.get("text", params.get("caption", ""))),
                    str(query) if query is not None else None,
                )
            )

    def arrivals(self) -> list[Arrival]:
        """Pair each stamp with the call the emulator recorded for it.

        Nothing awaits between an interceptor and the call's record, so both are in one order.
        """
        calls = [c for c in self.emu.calls if c.method in self.methods]
        if len(calls) != len(self._seen):
            raise AssertionError(f"{len(self._seen)} stamps for {len(calls)} calls")
        return [Arrival(*seen, call) for seen, call in zip(self._seen, calls, strict=True)]


# --- the two bots ---------------------------------------------------------------------------


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat_id, message.text)


def _fixed_reply(reply: Mapping[str, Any]) -> Callable[..., Coroutine[Any, Any, None]]:
    """Answer every text with the same message (text, parse mode and buttons of `reply`)."""
    markup = reply.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    keyboard = InlineKeyboardMarkup.de_json(markup, None) if markup else None
    parse_mode = reply.get("parse_mode")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await context.bot.send_message(
            message.chat_id, str(reply["text"]), parse_mode=parse_mode, reply_markup=keyboard
        )

    return answer


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await context.bot.answer_callback_query(query.id, text=f"Reçu : {query.data}")


EchoApp = Application[Any, Any, Any, Any, Any, Any]


def echo_application(
    token: str,
    base_url: str,
    base_file_url: str,
    *,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    reply: Mapping[str, Any] | None = None,
) -> EchoApp:
    """Build the baseline: a bare Application that echoes texts and answers button presses.

    Built like the real bot (concurrent updates); with `rate_limiter` (see same_limiter), it
    also paces its requests as the real bot does. With `reply` (the parameters of a
    sendMessage: text, parse_mode, reply_markup), it answers every text with that message.
    """
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .concurrent_updates(True)
    )
    app: EchoApp = (
        builder.build() if rate_limiter is None else builder.rate_limiter(rate_limiter).build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo if reply is None else _fixed_reply(reply)))
    app.add_handler(CallbackQueryHandler(_answer))
    return app


@asynccontextmanager
async def polling(app: EchoApp) -> AsyncIterator[EchoApp]:
    """Run an application with long polling and no pause, as the real bot polls."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@asynccontextmanager
async def echo_bot(
    emu: BotApiEmulator,
    *,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    reply: Mapping[str, Any] | None = None,
) -> AsyncIterator[EchoApp]:
    """Run the echo baseline (echo_application) on `emu`."""
    app = echo_application(
        emu.token, emu.base_url, emu.base_file_url, rate_limiter=rate_limiter, reply=reply
    )
    async with polling(app):
        yield app


def same_limiter(bot: Harness) -> BaseRateLimiter[Any] | None:
    """Give a new rate limiter of the kind the real bot uses (None if it uses none)."""
    used = bot.app.bot.rate_limiter
    if isinstance(used, SlidingWindowRateLimiter):
        return SlidingWindowRateLimiter(reserve=used.reserve)  # replies paced the same way
    return None if used is None else type(used)()


async def post_button(app: Any, chat_id: int, data: str) -> int:
    """Have the echo bot post a message with one button; return its message_id."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("S'inscrire", callback_data=data)]])
    sent = await app.bot.send_message(chat_id, "Un atelier", reply_markup=keyboard)
    return int(sent.message_id)


@asynccontextmanager
async def real_bot(
    emu: BotApiEmulator,
    clock: FrozenClock,
    programme: bytes,
    *,
    event: Mapping[str, Any] | None = None,
) -> AsyncIterator[Harness]:
    """Run the real application (build_application) on `emu`, with `programme` imported."""
    with tempfile.TemporaryDirectory(prefix="rencontre-bench-") as tmp:
        config = local_config(emu, Path(tmp) / "bench.sqlite3", programme=None, event=event)
        async with Harness.running(emu, config, clock) as harness:
            await harness.services.programme.import_bytes(programme, "bench.toml")
            yield harness


# --- the event loop --------------------------------------------------------------------------


class LoopLag:
    """A task that sleeps `tick` seconds in a loop and notes how late it wakes up.

    Everything here shares one event loop: a wake-up late by 30 ms means something held the
    loop that long (a handler, the emulator, the driver, the garbage collector), or that the
    machine did not run this process. So each wake-up also notes the CPU time this thread used
    since the last one (time.thread_time): what the loop ran, without the time the process
    waited for a core; and each run of the garbage collector is timed. All is noted under the
    current `phase` (None: not noted), which the driver sets.
    """

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.phase: str | None = None
        self.late: defaultdict[str, list[float]] = defaultdict(list)
        self.held: defaultdict[str, list[float]] = defaultdict(list)
        self.collections: defaultdict[str, list[float]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None
        self._collecting = 0.0

    def _gc(self, step: str, info: dict[str, int]) -> None:
        if step == "start":
            self._collecting = time.perf_counter()
        elif self.phase is not None:
            self.collections[self.phase].append(time.perf_counter() - self._collecting)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.tick
            cpu = time.thread_time()
            await asyncio.sleep(self.tick)
            if self.phase is not None:
                self.late[self.phase].append(loop.time() - due)
                self.held[self.phase].append(time.thread_time() - cpu)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-lag probe")
        gc.callbacks.append(self._gc)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._gc)
        if self._task is not None:
            self._task.cancel()


# --- driving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    """Everything sent at once: each one's latency, and first send to last answer."""

    latencies: list[float]
    elapsed: float

    @property
    def rate(self) -> float:
        """Give answers per second."""
        return len(self.latencies) / self.elapsed


Expect = Callable[[str, str], bool]
"""Tell whether a message's plain text (2nd argument) answers a question (1st argument)."""


def echoes(question: str, text: str) -> bool:
    """Tell whether a text is the echo of a question."""
    return text == question


async def _answer_time(
    rig: Rig, user: int, question: str, mark: int, seen: int, expect: Expect | None
) -> float:
    """Wait for the first message after `mark` that `expect` accepts; give when it arrived.

    Messages before it (a digest the bot sends on its own, say) are counted in rig.others.
    Its arrival is the first call stamped after `seen` with its text (a refused call made no
    message, and is skipped).
    """
    count = 1
    while True:
        got = await rig.emu.observer.wait_for_messages(user, count, TIMEOUT, after=mark)
        answer = got[-1]
        if expect is None or expect(question, answer.plain_text):
            rig.asked += 1
            rig.others += count - 1
            return next(t for t, text in rig.sent[user][seen:] if text == answer.text)
        count += 1


async def ask_one_by_one(
    rig: Rig,
    questions: Sequence[tuple[int, str]],
    *,
    expect: Expect | None = None,
    pace: float = 0.0,
    collect: bool = True,
) -> list[float]:
    """Ask each question in private once the previous one is answered; give each latency.

    With `pace`, two questions start at least that many seconds apart. The garbage collector
    runs first, unless `collect` is False (the caller ran it).
    """
    if collect:
        gc.collect()
    latencies = []
    for user, text in questions:
        seen = len(rig.sent[user])
        mark = rig.emu.observer.mark(user)
        start = time.perf_counter()
        await rig.emu.people.send_text(user, text)
        latencies.append(await _answer_time(rig, user, text, mark, seen, expect) - start)
        rest = start + pace - time.perf_counter()
        if rest > 0:
            await asyncio.sleep(rest)
    return latencies


async def ask_together(
    rig: Rig, questions: Sequence[tuple[int, str]], *, expect: Expect | None = None
) -> Burst:
    """Queue every question (one per person) before the bot can fetch any; wait for all."""
    people = [user for user, _ in questions]
    if len(set(people)) != len(people):
        raise ValueError("one question per person in a burst")
    gc.collect()
    seen = {user: len(rig.sent[user]) for user in people}
    marks = {user: rig.emu.observer.mark(user) for user in people}
    start = time.perf_counter()
    for user, text in questions:
        await rig.emu.people.send_text(user, text)
    latencies = [
        await _answer_time(rig, user, text, marks[user], seen[user], expect) - start
        for user, text in questions
    ]
    return Burst(latencies, max(latencies))


@dataclass(frozen=True)
class Press:
    """A person pressing a button of a message (in a group when chat_id is set)."""

    user: int
    message_id: int
    data: str
    chat_id: int | None = None


async def press_together(rig: Rig, presses: Sequence[Press]) -> tuple[Burst, list[str]]:
    """Queue every press before the bot can fetch any; wait for every answer.

    Give the burst and the query ids, in the order of the presses.
    """
    gc.collect()
    start = time.perf_counter()
    queries = [
        await rig.emu.people.press_button(p.user, p.message_id, p.data, chat_id=p.chat_id)
        for p in presses
    ]
    for query in queries:
        await rig.emu.observer.wait_for_callback_answer(query, TIMEOUT)
    latencies = [rig.answered[query] - start for query in queries]
    return Burst(latencies, max(latencies)), queries


# --- people before the week -----------------------------------------------------------------


async def register(
    conn: aiosqlite.Connection, people: Iterable[Participant], now: datetime
) -> None:
    """Register people straight into the database, as their /start would."""
    for p in people:
        await participants_repo.upsert(
            conn,
            user_id=p.user_id,
            first_name=p.first_name,
            last_name=p.last_name,
            username=p.username,
            language=p.language,
            now=now,
        )


@dataclass
class RandomSignUps:
    """Sign people up before the week: a few workshops each, at random, and maybe a rota slot."""

    bookings: BookingService
    programme: Programme
    rng: random.Random
    each: tuple[int, int]
    """How many workshops a person tries (at random, both ends included)."""
    rota_share: float
    outcomes: Counter[str] = field(default_factory=Counter)
    """What the sign-ups gave, by name: signed_up, waiting, clash, or refused (and why)."""

    async def sign_up(self, user_id: int, person: Participant | None = None) -> None:
        """Sign one person up; count what it gave."""
        workshops = [w for w in self.programme.workshops if w.capacity is not None]
        chosen = self.rng.sample(workshops, self.rng.randint(*self.each))
        tries = [(TargetKind.WORKSHOP, w.id) for w in chosen]
        if self.rng.random() < self.rota_share:
            tries.append((TargetKind.ROTA, self.rng.choice(self.programme.rota).id))
        for kind, target_id in tries:
            try:
                move = await self.bookings.sign_up(user_id, kind, ref(target_id), person=person)
            except DomainError as exc:
                self.outcomes[f"refused ({exc})"] += 1
                continue
            self.outcomes["clash" if move.clash else move.outcome.value] += 1
