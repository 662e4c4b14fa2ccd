"""The soak: 300 people through the sample week at rehearsal speed, against the real bot.

    .venv/bin/python -m bench.soak [--speed 2400] [--people 300] [--seed 2026] [--sessions 1]

The real bot (build_application and start_polling, as run.py starts it) runs the sample week
(examples/bigre-2026.toml, announcements to a group) on a RehearsalClock `--speed` times faster
than real time, from Monday 07:00 to Saturday 12:00 (125 rehearsal hours, about 190 real seconds
at 2400). It runs in a process of its own and talks over HTTP to the Bot API emulator, which runs
in this process with its flood control ON (30 messages/s overall, 20 a minute per group, 429
beyond), next to the driver that plays the people. The bot's process holds nothing but the bot,
so its memory is read apart from the emulator's (which keeps every call and every message).
The two clocks agree: both count from the same time.monotonic() moment.

Before the clock starts, nine people in ten are registered straight into the database (as
bench.week does), each with an organisation, one to three sign-ups and maybe a rota slot; the
others arrive on Monday with /start and choose their organisation. The first people take the
Telegram usernames the programme gives its facilitators, which makes them facilitators. From
then on everything goes through Telegram updates: at random moments of their waking hours
(08:00-23:00, `--sessions` times a day on average, seeded), each person asks a question (/next,
/today, "c'est quoi la suite ?" or "what's next?"), looks at /mine, asks for a workshop's card
(/workshop <id>) and presses its button (sign up, waiting list, or cancel; on a clash, switch
or keep), gives a place back (from /mine, or from the message that told them they got one),
takes or leaves a rota slot from /rota, or offers theirs from /mine (then one to three others
race for it on the group's post). A few people block the bot midweek. Facilitators go through
/change (a room move, a delay, a cancellation) and an organiser adds places to a full workshop;
organisers broadcast to everyone and to the group, post /notice and ask /rota gaps. Each person
acts once the bot answered their previous step.

Answer time: from the moment a person's update is queued in the emulator to the moment the
bot's answer (its first message in that chat that is not one it sends on its own: digest,
reminder, notice of a change...) reaches the emulator, stamped by an interceptor; for a button,
to its answerCallbackQuery. The baselines get the same texts at the same moments: each text
the driver sends the bot is also sent, by the same person, to two echo bots (built like
bench.common's echo_bot, each in a process of its own, on an emulator of its own): a bare one
(flood control off, as in the other benchmarks) and one with the bot's rate limiter (flood
control on). All of it runs at once on the same machine.

Also measured: updates handled per second; the bot's resident memory (VmRSS) through each day
and its peak, and whether it grows; private messages per person per day; the group's
messages per real minute and all messages per real second, against Telegram's 20 and 30, and
the 429s. At the end, the invariants: no item over capacity; nobody waiting while someone who
came later holds a place, nor while a place is free and sign-ups are open (checked every
evening too); one booking per person and item; every press answered exactly once; every
message and press answered; every broadcast done, every recipient accounted for; no outbox
message sent twice; no error in the bot's log; no call refused by the emulator, but the 403s
of people who blocked the bot or never started it. The exit status is 1 if one fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import math
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.common import (
    GROUP,
    PARIS,
    at,
    code_version,
    machine,
    ms,
    percentile,
    print_table,
    ratio,
)
from bench.week import busiest
from bot.app import build_application, build_services, start_polling, startup, stop_polling
from bot.clock import FrozenClock, RehearsalClock
from bot.config import Config, parse_config
from bot.domain import planning
from bot.domain.booking import Booking, Status, Target, TargetKind, closes_at, ref
from bot.domain.errors import DomainError
from bot.domain.models import Programme, Workshop
from bot.domain.schedule import local_day
from bot.i18n import LANGUAGES, LOCALES_DIR, load_catalogue
from bot.ratelimit import SlidingWindowRateLimiter
from bot.sandbox.emulator import ApiRequest, BotApiEmulator, EmulatorTimeout
from bot.sandbox.harness import ROOT, SAMPLE_PROGRAMME
from bot.sandbox.records import Call, SentMessage
from storage import bookings as bookings_repo
from storage import broadcasts as broadcasts_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage import programme as programme_repo
from storage.db import Database
from storage.outbox import Row

START = at(24, 7)  # Monday, before the first digest
END = at(29, 12)  # Saturday noon: the programme ends at 11:00
EARLY = timedelta(hours=6)  # the bot's clock starts this much before START, then jumps to it
SPEED = 2400.0
PEOPLE = 300
SEED = 2026
SESSIONS = 1.0  # what a person does, times a day on average
FIRST_ID = 40_001
ORGANISERS = (49_001, 49_002)
ORGANISATIONS = ("Oxalis", "Coopaname", "Smart")
ENGLISH_SHARE = 0.2
LATE_SHARE = 0.1  # arrive on Monday with /start
BLOCKERS = 3  # people who block the bot midweek
AWAKE = (8, 23)  # the hours people act in
ARRIVALS = (at(24, 8), at(24, 13))
BLOCKING = (at(25, 10), at(26, 20))
BOOKED_EACH = (1, 3)  # sign-ups each registered person starts the week with
ROTA_SHARE = 0.5  # and the share with a rota slot
TIMEOUT = 60.0  # real seconds a step waits for the bot
GRACE = 20.0  # real seconds left to the bot after END to finish what is due
SAMPLE_EVERY = 0.5  # real seconds between two readings of memory and backlog
PER_SECOND, GROUP_PER_MINUTE = 30, 20

# What a person does in a session, and how often (weights)
KINDS = {"ask": 45, "mine": 10, "sign_up": 22, "give_back": 8, "rota": 10, "offer": 5}
PLAIN = {"fr": "c'est quoi la suite ?", "en": "what's next?"}
GIVE_BACK_PROMOTED = 0.3  # share of promotions a person gives back when they read it
SWITCH_ON_CLASH = 0.5
LEAVE_ROTA = 0.2
CANCEL_FROM_CARD = 0.3

BROADCASTS = (
    (at(24, 16), "all", "Bienvenue à toutes et tous ! L'accueil reste ouvert jusqu'à 20 h."),
    (at(26, 19), "group", "Ce soir, repas sur la plage : apportez une lampe."),
    (at(28, 9), "all", "Dernier jour demain : pensez à rendre vos badges à l'accueil."),
)
NOTICES = (
    (at(24, 18), "Le bus pour la gare part à 18 h 30 devant l'accueil."),
    (at(26, 8, 30), "La plage est fermée ce matin (drapeau rouge)."),
    (at(27, 18), "Concert avancé à 21 h au Chapiteau."),
    (at(29, 9), "Les chambres sont à libérer avant 11 h."),
)
CHANGES = (
    (at(24, 11), "room"),
    (at(25, 9, 30), "late"),
    (at(25, 16), "cancel"),
    (at(26, 10), "room"),
    (at(27, 9), "late"),
    (at(27, 14), "cap"),
)
GAPS_AT = (8, 15)  # an organiser asks /rota gaps every morning

# Messages the bot sends on its own: never the answer to what a person just did
UNSOLICITED = (
    "announce.digest_hello",
    "announce.reminder",
    "announce.reminder_rota",
    "announce.fix_moved",
    "announce.fix_cancelled",
    "bookings.promoted",
    "bookings.your_slot_taken",
    "change.notice",
    "broadcast.header",
    "broadcast.report",
)
# The toasts a press may get, to count what the presses did
TOASTS = (
    "bookings.signed_up",
    "bookings.waiting",
    "bookings.already_in",
    "bookings.already_waiting",
    "bookings.cancelled",
    "bookings.left_waiting_list",
    "bookings.closed",
    "bookings.clash_toast",
    "bookings.switched",
    "bookings.switched_waiting",
    "bookings.offer_posted",
    "bookings.took",
    "bookings.offer_taken",
    "bookings.offer_gone",
    "bookings.already_on_slot",
    "bookings.take_clash",
    "bookings.rota_started",
    "bookings.not_booked",
    "bookings.not_your_slot",
    "broadcast.started",
    "common.stale_button",
    "common.bad_button",
)
RECORDED = frozenset(
    (
        "sendMessage",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
    )
)
LABELS = ("/next", "/today", "plain words", "/mine", "/workshop", "/rota")

READY, GO, STOP = "ready", "go", "stop"


def opening(template: str) -> str:
    """Give what a message starts with, whatever its placeholders: its text before the first."""
    return re.sub(r"<[^>]+>", "", template.split("{", 1)[0]).strip()


def openings(keys: Iterable[str]) -> dict[str, str]:
    """Map the opening of each message, in each language, to its key."""
    found: dict[str, str] = {}
    for lang in LANGUAGES:
        catalogue = load_catalogue(LOCALES_DIR / lang)
        for key in keys:
            if key in catalogue and opening(catalogue[key]):
                found[opening(catalogue[key])] = key
    return found


def classify(text: str, known: dict[str, str]) -> str:
    """Name the message a text is (the key whose opening is the longest it starts with)."""
    if not text:
        return "(no text)"
    best = max((o for o in known if text.startswith(o)), key=len, default=None)
    return known[best] if best is not None else "other"


# --- the bot and the echoes, each in a process of its own -----------------------------------


class LogTally(logging.Handler):
    """Count the log records at WARNING and above, and keep the first few of each level."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.samples: defaultdict[str, list[str]] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        self.counts[record.levelname] += 1
        if len(self.samples[record.levelname]) < 5:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({record.exc_info[1]!r})"
            self.samples[record.levelname].append(text[:600])


def tally_logs() -> LogTally:
    """Print warnings and errors to stderr, and count them."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tally = LogTally()
    logging.getLogger().addHandler(tally)
    return tally


async def read_line() -> str:
    """Read a line from stdin without holding up the event loop."""
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return str(line).strip()


def tell(line: str) -> None:
    """Write a line to stdout, for the driver."""
    print(line, flush=True)


def cpu_seconds() -> float:
    """Give the CPU time this process used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(path: Path) -> Config:
    """Read the config the driver wrote."""
    return parse_config(json.loads(path.read_text("utf-8")), str(path), ROOT, environ={})


async def serve_bot(config_path: Path, speed: float) -> None:
    """Run the real bot until told to stop; then print what it counted, as one JSON line.

    Its clock starts EARLY before START (nothing is due then); "go <t0>" puts it where a clock
    started at START at the monotonic moment t0 would be.
    """
    tally = tally_logs()
    config = load(config_path)
    clock = RehearsalClock(START - EARLY, speed)
    handled: list[float] = []
    db = await Database.open(config.storage.database)
    try:
        app = build_application(config, clock, db)
        original = app.process_update

        async def counted(update: object) -> None:
            try:
                await original(update)
            finally:
                handled.append(time.monotonic())

        app.process_update = counted  # type: ignore[method-assign]
        async with app:
            poller = await start_polling(app)
            try:
                tell(READY)
                t0 = float((await read_line()).removeprefix(GO))
                clock.jump_to(START + timedelta(seconds=(time.monotonic() - t0) * speed))
                app.bot_data.services.outbox.wake()  # its timer was set on the earlier time
                await read_line()
            finally:
                await stop_polling(app, poller)
    finally:
        await db.close()
    tell(
        json.dumps(
            {
                "handled": handled,
                "logs": dict(tally.counts),
                "samples": dict(tally.samples),
                "cpu": cpu_seconds(),
                "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat_id, message.text)


async def serve_echo(config_path: Path, limited: bool) -> None:
    """Run an echo bot (bench.common's echo_bot; with the bot's rate limiter if `limited`)."""
    tally = tally_logs()
    telegram = load(config_path).telegram
    builder = (
        ApplicationBuilder()
        .token(telegram.token.get_secret_value() if telegram.token else "")
        .base_url(telegram.api_base_url)
        .base_file_url(telegram.file_url)
        .concurrent_updates(True)
    )
    if limited:
        limiter: BaseRateLimiter[Any] = SlidingWindowRateLimiter()
        builder = builder.rate_limiter(limiter)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            tell(READY)
            await read_line()
            await read_line()
        finally:
            await app.updater.stop()
            await app.stop()
    tell(
        json.dumps(
            {"logs": dict(tally.counts), "samples": dict(tally.samples), "cpu": cpu_seconds()}
        )
    )


def rss_kb(pid: int) -> int:
    """Give a process's resident memory (VmRSS), in kB (0 once it is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "VmRSS":
                return int(value.split()[0])
    return 0


def ending(path: Path) -> str:
    """Give the end of a text file."""
    return path.read_text("utf-8")[-2000:]


class Child:
    """A bot in a process of its own (python -m bench.soak --serve ...), told on its stdin."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, log: TextIO) -> None:
        self.name = name
        self.proc = proc
        self.log = log

    @classmethod
    async def start(cls, name: str, args: Sequence[str], log_path: Path) -> Child:
        """Start one and wait until it polls."""
        log = log_path.open("w", encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.soak",
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        child = cls(name, proc, log)
        line = await child.line(120.0)
        if line != READY:
            log.close()
            tail = ending(log_path)
            raise RuntimeError(f"{name} did not start: {line!r}; its log ends:\n{tail}")
        return child

    async def line(self, seconds: float) -> str:
        """Read the next line it prints."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(seconds):
            return (await self.proc.stdout.readline()).decode().strip()

    def say(self, line: str) -> None:
        """Write a line to its stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n".encode())

    async def finish(self) -> dict[str, Any]:
        """Tell it to stop; give what it printed last."""
        self.say(STOP)
        try:
            text = await self.line(60.0)
            await asyncio.wait_for(self.proc.wait(), 30.0)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            self.log.close()
        result: dict[str, Any] = json.loads(text) if text.startswith("{") else {}
        return result


# --- what reached the emulators ------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """A call as the emulator got it (when, to which chat, with what text), and its answer."""

    at: float  # time.monotonic()
    method: str
    chat_id: int | None
    text: str
    query: str | None
    call: Call

    @property
    def ok(self) -> bool:
        """Tell whether the emulator accepted it."""
        return self.call.ok

    @property
    def message_id(self) -> int | None:
        """Give the id of the message sent or edited."""
        result = self.call.response.get("result")
        return int(result["message_id"]) if isinstance(result, dict) else None

    @property
    def is_message(self) -> bool:
        """Tell whether Telegram counts it as a message (a send or an edit)."""
        return self.method != "answerCallbackQuery"


class Stamps:
    """Stamp each message-making call and each button answer as it reaches an emulator."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self._seen: list[tuple[float, str, int | None, str, str | None]] = []
        emu.add_interceptor(self._stamp)

    async def _stamp(self, request: ApiRequest) -> None:
        if request.method in RECORDED:
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
        """Pair each stamp with the call the emulator recorded for it (nothing awaits between)."""
        calls = [c for c in self.emu.calls if c.method in RECORDED]
        if len(calls) != len(self._seen):
            raise AssertionError(f"{len(self._seen)} stamps for {len(calls)} calls")
        return [Arrival(*seen, call) for seen, call in zip(self._seen, calls, strict=True)]


# --- the people and what they do ----------------------------------------------------------


@dataclass
class Person:
    """Someone at the week, as the driver plays them."""

    user_id: int
    lang: str
    username: str | None = None
    registered: bool = True
    """Registered before the week; the others arrive on Monday with /start."""
    runs: tuple[str, ...] = ()
    """The ids of the items they facilitate."""
    blocked: bool = False
    read: int = 0
    """How many of the bot's messages in their chat they have looked at."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def name(self) -> str:
        """Give their first name (unique: the group's posts name people by it)."""
        return f"Personne {self.user_id}"


@dataclass(order=True)
class Session:
    """Something someone does at some moment."""

    at: datetime
    seq: int
    what: str = field(compare=False)
    user: int = field(compare=False, default=0)
    arg: str = field(compare=False, default="")


@dataclass
class Asked:
    """A text sent to the bot (and to the echoes), and the bot's answer in that chat."""

    label: str
    user: int
    text: str
    sent: list[float]
    """When it was queued in each emulator: the bot's, then each echo's."""
    answer: int | None = None
    """The message_id of the bot's answer."""


@dataclass(frozen=True)
class Pressed:
    """A button pressed."""

    label: str
    user: int
    query: str
    sent: float


def people_of(count: int, handles: Sequence[str], rng: random.Random) -> list[Person]:
    """Make the people: the first take the facilitators' usernames, a few arrive late."""
    people = []
    for n in range(count):
        facilitator = n < len(handles)
        people.append(
            Person(
                FIRST_ID + n,
                "en" if rng.random() < ENGLISH_SHARE else "fr",
                username=handles[n] if facilitator else None,
                registered=facilitator or rng.random() >= LATE_SHARE,
            )
        )
    return people


def days_of_the_week() -> list[date]:
    """List the local days the run covers."""
    return [START.date() + timedelta(days=n) for n in range((END - START).days + 1)]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Give a moment of a local day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def plan(people: Sequence[Person], rate: float, rng: random.Random) -> list[Session]:
    """Draw when each person acts and what they do; add the organisers' and facilitators'."""
    seq = itertools.count()
    sessions: list[Session] = []
    kinds, weights = list(KINDS), list(KINDS.values())
    gap = (AWAKE[1] - AWAKE[0]) / rate  # mean hours between two sessions of a person
    for p in rng.sample([p for p in people if p.registered and not p.username], BLOCKERS):
        when = BLOCKING[0] + (BLOCKING[1] - BLOCKING[0]) * rng.random()
        sessions.append(Session(when, next(seq), "block", p.user_id))
    for p in people:
        since = START
        if not p.registered:
            since = ARRIVALS[0] + (ARRIVALS[1] - ARRIVALS[0]) * rng.random()
            sessions.append(Session(since, next(seq), "arrive", p.user_id))
        for day in days_of_the_week():
            first = max(local(day, AWAKE[0]), START, since)
            last = min(local(day, AWAKE[1]), END)
            moment = first + timedelta(hours=rng.expovariate(1 / gap))
            while moment < last:  # a Poisson process
                sessions.append(
                    Session(moment, next(seq), rng.choices(kinds, weights)[0], p.user_id)
                )
                moment += timedelta(hours=rng.expovariate(1 / gap))
    for when, audience, text in BROADCASTS:
        sessions.append(Session(when, next(seq), "broadcast", ORGANISERS[0], f"{audience}:{text}"))
    for when, text in NOTICES:
        sessions.append(Session(when, next(seq), "notice", ORGANISERS[1], text))
    for when, kind in CHANGES:
        sessions.append(Session(when, next(seq), "change", 0, kind))
    for day in days_of_the_week():
        for when, what, user in (
            (local(day, *GAPS_AT), "gaps", ORGANISERS[1]),
            (local(day, 23, 30), "checkpoint", 0),
        ):
            if START <= when < END:
                sessions.append(Session(when, next(seq), what, user))
    return sorted(sessions)


def buttons(message: SentMessage | None, prefix: str) -> list[str]:
    """List the callback data of a message's buttons that start with `prefix`."""
    if message is None:
        return []
    return [d for _, d in message.buttons if d is not None and d.startswith(prefix)]


class Driver:
    """Play the people against the bot's emulator, and write down what happened."""

    def __init__(
        self,
        emu: BotApiEmulator,
        echoes: Sequence[BotApiEmulator],
        clock: RehearsalClock,
        db: Database,
        people: Sequence[Person],
        rng: random.Random,
        close: timedelta,
    ) -> None:
        self.emu = emu
        self.close = close
        self.echoes = echoes
        self.clock = clock
        self.db = db
        self.people = {p.user_id: p for p in people}
        self.organisers = {user: asyncio.Lock() for user in ORGANISERS}
        self.rng = rng
        self.registered = sum(p.registered for p in people)
        self.asked: list[Asked] = []
        self.pressed: list[Pressed] = []
        self.broadcasts: list[tuple[str, int]] = []
        """Each broadcast confirmed: its audience, and how many people were registered then."""
        self.done: Counter[str] = Counter()
        self.toasts: Counter[str] = Counter()
        self.other_toasts: Counter[str] = Counter()
        self.unanswered: list[str] = []
        """Steps the bot did not answer (in TIMEOUT seconds), or not as expected."""
        self.failures: list[str] = []
        """The driver's own failures (never hidden: they fail the run)."""
        self.skipped: Counter[str] = Counter()
        """Steps the driver did not take (a button gone, nothing to choose)."""
        self.checks: list[tuple[datetime, list[str]]] = []
        self.programme: Programme | None = None
        self.unsolicited = openings(UNSOLICITED)
        self.toast_names = openings(TOASTS)

    # Moves

    def is_unsolicited(self, message: SentMessage) -> bool:
        """Tell whether the bot sent a message on its own (not as an answer)."""
        return any(message.plain_text.startswith(o) for o in self.unsolicited)

    def is_answer(self, message: SentMessage) -> bool:
        """Tell whether a message may be an answer (the opposite of is_unsolicited)."""
        return not self.is_unsolicited(message)

    async def first_after(
        self, chat: int, mark: int, accept: Callable[[SentMessage], bool]
    ) -> SentMessage | None:
        """Wait for the first of the bot's messages in a chat after `mark` that `accept` takes."""
        count = 1
        deadline = time.monotonic() + TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = await self.emu.wait_for_messages(chat, count, left, after=mark)
            except EmulatorTimeout:
                return None
            if accept(got[-1]):
                return got[-1]
            count += 1
        return None

    async def say(
        self,
        user: int,
        text: str,
        label: str,
        accept: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage | None:
        """Send a text in private (to the echoes too); give the bot's answer that `accept` takes.

        The answer timed is the first one, even if `accept` waits for a later one.
        """
        mark = self.emu.mark(user)
        sent = [time.monotonic()]
        await self.emu.send_text(user, text)
        for echo in self.echoes:
            sent.append(time.monotonic())
            await echo.send_text(user, text)
        asked = Asked(label, user, text, sent)
        self.asked.append(asked)
        answer = await self.first_after(user, mark, self.is_answer)
        if answer is None:
            self.unanswered.append(f"{user}: no answer to {text[:40]!r}")
            return None
        asked.answer = answer.message_id
        if accept is None or accept(answer):
            return answer
        found = await self.first_after(user, mark, lambda m: self.is_answer(m) and accept(m))
        if found is None:
            self.unanswered.append(f"{user}: not the answer expected to {text[:40]!r}")
        return found

    async def press(
        self, user: int, message: SentMessage, data: str, label: str
    ) -> dict[str, Any] | None:
        """Press a button of a bot message; give its answer once it came."""
        chat_id = message.chat_id if message.chat_id != user else None
        sent = time.monotonic()
        try:
            query = await self.emu.press_button(user, message.message_id, data, chat_id=chat_id)
        except ValueError:  # the message was edited meanwhile: the button went
            self.skipped[f"{label}: button gone"] += 1
            return None
        self.pressed.append(Pressed(label, user, query, sent))
        return await self.answer_to(label, query)

    async def answer_to(self, label: str, query: str) -> dict[str, Any] | None:
        """Wait for the answer to a press; count what it said."""
        try:
            answer = await self.emu.wait_for_callback_answer(query, TIMEOUT)
        except EmulatorTimeout:
            self.unanswered.append(f"press {query} ({label}) never answered")
            return None
        self.toasts[f"{label}: {self.toast(answer)}"] += 1
        return answer

    def toast(self, answer: dict[str, Any] | None) -> str:
        """Name what a press's answer said."""
        text = str((answer or {}).get("text") or "")
        name = classify(text, self.toast_names)
        if name == "other":
            self.other_toasts[text[:60]] += 1
        return name

    async def step(self, user: int, message: SentMessage, data: str, label: str) -> bool:
        """Press a button answered before its message is edited; wait for both."""
        edits = len(message.edits)
        if await self.press(user, message, data, label) is None:
            return False
        try:
            await self.emu.wait_for_edit(message.chat_id, message.message_id, TIMEOUT, after=edits)
        except EmulatorTimeout:
            self.unanswered.append(f"{user}: message {message.message_id} never edited")
            return False
        return True

    # The programme as it stands

    async def current(self, refresh: bool = False) -> Programme:
        """Give the programme (read again when asked: after a change)."""
        if self.programme is None or refresh:
            async with self.db.read() as conn:
                self.programme = await programme_repo.load(conn)
        return self.programme

    async def soon(self, earliest: timedelta, latest: timedelta) -> list[Workshop]:
        """List the items that start between `earliest` and `latest` from now."""
        now = self.clock.now()
        return [
            w for w in (await self.current()).workshops if now + earliest < w.start < now + latest
        ]

    # Sessions

    async def run(self, s: Session) -> None:
        """Play one session, as its person (after their previous one)."""
        if s.what == "checkpoint":
            await self.checkpoint()
        elif s.what == "change":
            await self.change(s.arg)
        elif s.user in self.organisers:
            async with self.organisers[s.user]:
                await self.organise(s)
        else:
            p = self.people[s.user]
            async with p.lock:
                if p.blocked or (not p.registered and s.what != "arrive"):
                    if p.blocked:
                        self.skipped[f"{s.what}: they blocked the bot"] += 1
                    return
                self.done[s.what] += 1
                if s.what == "block":
                    self.emu.block(p.user_id)
                    p.blocked = True
                elif s.what == "arrive":
                    await self.arrive(p)
                else:
                    await self.read_news(p)
                    await getattr(self, s.what)(p)

    async def arrive(self, p: Person) -> None:
        """Send /start, then choose an organisation."""
        ask = await self.say(p.user_id, "/start", "/start", lambda m: bool(buttons(m, "org:")))
        choices = buttons(ask, "org:")
        if ask is not None and choices:
            await self.press(p.user_id, ask, self.rng.choice(choices), "organisation")
        p.registered = True
        self.registered += 1

    async def read_news(self, p: Person) -> None:
        """Look at what the bot sent since last time; give back some of the places it gave."""
        messages = self.emu.messages(p.user_id)
        news, p.read = messages[p.read :], len(messages)
        for message in news:
            give_back = buttons(message, "b:wc:")
            if (
                give_back
                and classify(message.plain_text, self.unsolicited) == "bookings.promoted"
                and self.rng.random() < GIVE_BACK_PROMOTED
            ):
                self.done["give back (promoted)"] += 1
                await self.press(p.user_id, message, give_back[0], "give back (promoted)")

    async def ask(self, p: Person) -> None:
        """Ask what comes next, or what is on today."""
        roll = self.rng.random()
        if roll < 1 / 3:
            await self.say(p.user_id, "/next", "/next")
        elif roll < 2 / 3:
            await self.say(p.user_id, "/today", "/today")
        else:
            await self.say(p.user_id, PLAIN[p.lang], "plain words")

    async def mine(self, p: Person) -> None:
        """Look at one's own programme."""
        await self.say(p.user_id, "/mine", "/mine")

    async def sign_up(self, p: Person) -> None:
        """Ask for a workshop's card and press its button; on a clash, switch or keep."""
        soon = await self.soon(timedelta(minutes=15), timedelta(hours=30))
        items = [w for w in soon if w.capacity is not None]
        if not items:
            self.skipped["sign_up: nothing coming that takes sign-ups"] += 1
            return
        item = self.rng.choice(items)
        code = ref(item.id)
        card = await self.say(p.user_id, f"/workshop {item.id}", "/workshop")
        sign, cancel = buttons(card, f"b:ws:{code}"), buttons(card, f"b:wc:{code}")
        if card is None or not (sign or cancel):
            self.skipped["sign_up: no button on the card"] += 1
            return
        if cancel:
            if self.rng.random() < CANCEL_FROM_CARD:
                await self.press(p.user_id, card, cancel[0], "cancel (card)")
            return
        mark = self.emu.mark(p.user_id)
        answer = await self.press(p.user_id, card, sign[0], "sign up")
        if self.toast(answer) != "bookings.clash_toast":
            return
        offer = await self.first_after(p.user_id, mark, self.is_answer)
        switch, keep = buttons(offer, "b:wx:"), buttons(offer, "b:keep")
        if offer is None or not (switch and keep):
            return  # a clash with an item they run: nothing to choose
        choice = switch[0] if self.rng.random() < SWITCH_ON_CLASH else keep[0]
        await self.press(p.user_id, offer, choice, "clash")

    async def give_back(self, p: Person) -> None:
        """Give back a place, or leave a waiting list, from /mine."""
        mine = await self.say(p.user_id, "/mine", "/mine")
        choices = buttons(mine, "b:wc:")
        if mine is None or not choices:
            self.skipped["give_back: nothing today or tomorrow"] += 1
            return
        await self.press(p.user_id, mine, self.rng.choice(choices), "give back")

    async def rota(self, p: Person) -> None:
        """Look at the rota; take a free or offered slot, or leave one's own."""
        rota = await self.say(p.user_id, "/rota", "/rota")
        take = buttons(rota, "b:rs:") + buttons(rota, "b:rt:")
        leave = buttons(rota, "b:rc:")
        if rota is None:
            return
        if leave and (not take or self.rng.random() < LEAVE_ROTA):
            await self.press(p.user_id, rota, self.rng.choice(leave), "rota leave")
        elif take:
            await self.press(p.user_id, rota, self.rng.choice(take), "rota take")
        else:
            self.skipped["rota: no slot to take"] += 1

    async def offer(self, p: Person) -> None:
        """Offer one's rota slot from /mine; one to three others race for it in the group."""
        mine = await self.say(p.user_id, "/mine", "/mine")
        choices = buttons(mine, "b:ro:")
        if mine is None or not choices:
            self.skipped["offer: no rota slot to offer"] += 1
            return
        mark = self.emu.mark(GROUP)
        answer = await self.press(p.user_id, mine, choices[0], "offer")
        if self.toast(answer) != "bookings.offer_posted":
            return
        post = await self.first_after(
            GROUP, mark, lambda m: bool(buttons(m, "b:rt:")) and p.name in m.plain_text
        )
        if post is None:
            self.unanswered.append(f"{p.user_id}: the offer never reached the group")
            return
        data = buttons(post, "b:rt:")[0]
        others = [q for q in self.people.values() if q.registered and not q.blocked and q is not p]
        # All press before the bot can fetch any press: the first one gets the slot
        sent = time.monotonic()
        queries = []
        for q in self.rng.sample(others, self.rng.randint(1, 3)):
            try:
                query = await self.emu.press_button(q.user_id, post.message_id, data, chat_id=GROUP)
            except ValueError:
                self.skipped["take offer: button gone"] += 1
                continue
            self.pressed.append(Pressed("take offer", q.user_id, query, sent))
            queries.append(query)
        for query in queries:
            await self.answer_to("take offer", query)

    # Organisers and facilitators

    async def organise(self, s: Session) -> None:
        """Broadcast, post a notice, or ask for the rota's gaps, as an organiser."""
        self.done[s.what] += 1
        if s.what == "notice":
            await self.say(s.user, f"/notice {s.arg}", "/notice")
        elif s.what == "gaps":
            await self.say(s.user, "/rota gaps", "/rota gaps")
        elif s.what == "broadcast":
            audience, _, text = s.arg.partition(":")
            await self.broadcast(s.user, audience, text)

    async def broadcast(self, user: int, audience: str, text: str) -> None:
        """Write, choose the audience, confirm (and confirm again for everyone)."""
        message = await self.say(
            user, f"/broadcast {text}", "/broadcast", lambda m: bool(buttons(m, "bc:a:"))
        )
        choose = [d for d in buttons(message, "bc:a:") if d.endswith(f":{audience}")]
        if message is None or not choose:
            self.unanswered.append(f"broadcast: audience {audience} not offered")
            return
        registered = self.registered
        if not await self.step(user, message, choose[0], "broadcast"):
            return
        last = buttons(message, "bc:ok:")
        if audience == "all" and last:
            if not await self.step(user, message, last[0], "broadcast"):
                return
            last = buttons(message, "bc:sure:")
        if not last:
            self.unanswered.append(f"broadcast to {audience}: no confirmation offered")
            return
        if await self.press(user, message, last[0], "broadcast") is not None:
            self.broadcasts.append((audience, registered))

    async def change(self, kind: str) -> None:
        """Have a facilitator move, delay or cancel one of their items; or add places."""
        self.done[f"change {kind}"] += 1
        await self.current(refresh=True)
        items = await self.soon(timedelta(hours=1), timedelta(hours=30))
        if kind == "cap":
            items = [w for w in items if w.capacity is not None]
            if not items:
                self.skipped["change cap: no item"] += 1
                return
            async with self.db.read() as conn:
                standing = await bookings_repo.standings(
                    conn, [Target.of_workshop(w) for w in items]
                )
            item = max(items, key=lambda w: len(standing[(TargetKind.WORKSHOP, w.id)].waiting))
            async with self.organisers[ORGANISERS[0]]:
                await self.change_flow(ORGANISERS[0], item, kind)
            return
        by_id = {w.id: w for w in items}
        pairs = [
            (p, by_id[i])
            for p in self.people.values()
            if not p.blocked
            for i in p.runs
            if i in by_id
        ]
        if not pairs:
            self.skipped[f"change {kind}: no facilitator with an item soon"] += 1
            return
        person, item = self.rng.choice([pw for pw in pairs if pw[1].capacity] or pairs)
        async with person.lock:
            await self.change_flow(person.user_id, item, kind)

    async def change_flow(self, user: int, item: Workshop, kind: str) -> None:
        """Go through /change: the item, what changes, its value, the confirmation."""
        code = ref(item.id)
        menu = await self.say(
            user, f"/change {item.id}", "/change", lambda m: bool(buttons(m, "ch:k:"))
        )
        if menu is None:
            return
        answer = await self.press(user, menu, f"ch:k:{code}:{kind}", "change")
        preview: SentMessage | None = menu
        if kind == "room" and buttons(menu, "ch:r:"):
            answer = await self.press(user, menu, self.rng.choice(buttons(menu, "ch:r:")), "change")
        elif kind == "late" and buttons(menu, "ch:l:"):
            answer = await self.press(user, menu, f"ch:l:{code}:10", "change")
        elif kind == "cap":
            capacity = str((item.capacity or 0) + 5)
            preview = await self.say(
                user, capacity, "typed value", lambda m: bool(buttons(m, "ch:ok"))
            )
        if preview is None or not buttons(preview, "ch:ok"):
            self.skipped[f"change {kind}: refused ({self.toast(answer)})"] += 1
            return
        await self.press(user, preview, "ch:ok", "change")
        await self.current(refresh=True)

    # Checks along the way

    async def checkpoint(self) -> None:
        """Check the bookings as they stand (one read), sign-ups still open included."""
        self.done["checkpoint"] += 1
        now = self.clock.now()
        async with self.db.read() as conn:
            await conn.execute("BEGIN")
            try:
                programme = await programme_repo.load(conn)
                everything = await bookings_repo.everything(conn)
            finally:
                await conn.execute("COMMIT")
        self.checks.append((now, booking_faults(programme, everything, now, self.close)))
        self.programme = programme


# --- the invariants ---------------------------------------------------------------------------


def targets_of(programme: Programme) -> dict[tuple[TargetKind, str], Target]:
    """Give every target of a programme: the items that take sign-ups, and the rota slots."""
    found = [Target.of_workshop(w) for w in programme.workshops if w.capacity is not None]
    found += [Target.of_rota(r) for r in programme.rota]
    return {(t.kind, t.id): t for t in found}


def booking_faults(
    programme: Programme, everything: Sequence[Booking], now: datetime | None, close: timedelta
) -> list[str]:
    """List what is wrong with the bookings: over capacity, the queue jumped, booked twice.

    With `now`, also a place left free while people wait for an item whose sign-ups are open
    (for 10 minutes yet; they close `close` after its start, and a cancellation after that
    promotes nobody, by design).
    """
    by_target: defaultdict[tuple[TargetKind, str], list[Booking]] = defaultdict(list)
    for b in sorted(everything, key=lambda b: b.seq):
        by_target[(b.kind, b.target_id)].append(b)
    faults = []
    for key, t in targets_of(programme).items():
        rows = by_target.get(key, [])
        ins = [b.seq for b in rows if b.status is Status.IN]
        waiting = [b.seq for b in rows if b.status is Status.WAITING]
        name = f"{t.kind.value} {t.id}"
        if len(ins) > t.places:
            faults.append(f"over capacity: {name} has {len(ins)} in for {t.places} places")
        if ins and waiting and max(ins) > min(waiting):
            faults.append(f"queue jumped: {name}: someone in came after someone still waiting")
        open_ = now is not None and closes_at(t, close) > now + timedelta(minutes=10)
        if open_ and waiting and len(ins) < t.places:
            faults.append(f"place unused: {name}: {t.places - len(ins)} free, {len(waiting)} wait")
    seen = Counter((b.kind, b.target_id, b.user_id) for b in everything)
    faults += [f"booked twice: {k} x {n}" for k, n in seen.items() if n > 1]
    return faults


def overlapping(programme: Programme, everything: Sequence[Booking]) -> list[str]:
    """List the people holding places in two things at the same time."""
    targets = targets_of(programme)
    held: defaultdict[int, list[Target]] = defaultdict(list)
    for b in everything:
        t = targets.get((b.kind, b.target_id))
        if t is not None and b.status is Status.IN:
            held[b.user_id].append(t)
    found = []
    for user, mine in held.items():
        for one, other in itertools.combinations(sorted(mine, key=lambda t: t.start), 2):
            if one.overlaps(other.start, other.end):
                found.append(f"{user}: {one.id} and {other.id}")
    return found


# --- the run --------------------------------------------------------------------------------


def config_data(emu: BotApiEmulator, database: Path) -> dict[str, Any]:
    """Give the config, as parse_config reads it, of a bot on this emulator."""
    return {
        "telegram": {
            "token": emu.token,
            "api_base_url": emu.base_url,
            "api_file_url": emu.base_file_url,
        },
        "event": {
            "name": "La Bigre Rencontre 2026",
            "programme": str(SAMPLE_PROGRAMME),
            "organisers": list(ORGANISERS),
            "organisations": list(ORGANISATIONS),
            "announce_chat_id": GROUP,
        },
        "storage": {"database": str(database)},
    }


async def prepare(
    config: Config, count: int, rng: random.Random
) -> tuple[list[Person], Counter[str]]:
    """Import the programme; make the people, register most and sign them up, before the week."""
    db = await Database.open(config.storage.database)
    try:
        services = build_services(config, FrozenClock(START - timedelta(hours=12)), db)
        await startup(services)
        programme = await services.programme.current()
        handles = sorted(
            {
                f.telegram.lstrip("@")
                for w in programme.workshops
                for f in w.facilitators
                if f.telegram
            }
        )
        people = people_of(count, handles, rng)
        async with db.transaction() as conn:
            for p in people:
                if p.registered:
                    await participants_repo.upsert(
                        conn,
                        user_id=p.user_id,
                        first_name=p.name,
                        last_name=None,
                        username=p.username,
                        language=p.lang,
                        now=START - timedelta(days=1),
                    )
                    await participants_repo.set_organisation(
                        conn, p.user_id, rng.choice(ORGANISATIONS)
                    )
        services.roles.forget()
        services.bookings.after_change.clear()  # the bot plans everyone when it starts
        workshops = [w for w in programme.workshops if w.capacity is not None]
        outcomes: Counter[str] = Counter()
        for p in people:
            p.runs = tuple(
                w.id
                for w in programme.workshops
                if p.username
                and any((f.telegram or "").lstrip("@") == p.username for f in w.facilitators)
            )
            if not p.registered:
                continue
            tries = [
                (TargetKind.WORKSHOP, w.id)
                for w in rng.sample(workshops, rng.randint(*BOOKED_EACH))
            ]
            if rng.random() < ROTA_SHARE:
                tries.append((TargetKind.ROTA, rng.choice(programme.rota).id))
            for kind, target_id in tries:
                try:
                    move = await services.bookings.sign_up(p.user_id, kind, ref(target_id))
                except DomainError as exc:
                    outcomes[f"refused ({exc})"] += 1
                    continue
                outcomes["clash" if move.clash else move.outcome.value] += 1
        await services.bookings.drain()
    finally:
        await db.close()
    return people, outcomes


async def emulator(*, flood_control: bool) -> BotApiEmulator:
    """Start an emulator."""
    emu = BotApiEmulator(flood_control=flood_control)
    await emu.start()
    return emu


def welcome(emu: BotApiEmulator, people: Sequence[Person]) -> None:
    """Make the people (started if registered), the organisers and the group known."""
    for p in people:
        emu.add_user(p.user_id, p.name, username=p.username, language_code=p.lang)
        emu.world.users[p.user_id].started = p.registered
    for user in ORGANISERS:
        emu.add_user(user, f"Orga {user}", language_code="fr")
        emu.world.users[user].started = True
    emu.add_group(GROUP, "Bigre Rencontre 2026", members=[p.user_id for p in people])


@dataclass
class Sample:
    """What was read every SAMPLE_EVERY seconds."""

    at: float
    when: datetime
    bot_kb: int
    own_kb: int
    backlog: int
    lag: float
    """How late this process's event loop woke up for this reading."""


@dataclass
class Run:
    """Everything one run gathered."""

    speed: float
    rate: float
    people: list[Person]
    late: set[int]
    setup: Counter[str]
    driver: Driver
    sessions: list[Session]
    t0: float
    week_end: float
    """When the last session ended (the clock past END)."""
    end: float
    """When the bot had sent what was due (GRACE at most after week_end)."""
    samples: list[Sample]
    bot: dict[str, Any]
    echoes: list[dict[str, Any]]
    arrivals: list[list[Arrival]]
    calls: list[Call]
    rows: list[Row]
    broadcasts: list[broadcasts_repo.Broadcast]
    overlaps: list[str]
    pushed: int
    unconfirmed: int
    cpu: dict[str, float]
    own: LogTally
    seconds: float

    def when(self, moment: float) -> datetime:
        """Give the rehearsal time (in Paris) at a real time.monotonic() moment."""
        return (START + timedelta(seconds=(moment - self.t0) * self.speed)).astimezone(PARIS)


async def soak(speed: float, count: int, seed: int, rate: float) -> Run:
    """Run the week on the bot, the echoes mirroring its texts; gather what happened."""
    own = tally_logs()
    began = time.perf_counter()
    rng = random.Random(seed)
    children: list[Child] = []
    emus = [await emulator(flood_control=flood) for flood in (True, False, True)]
    emu, echoes = emus[0], emus[1:]
    try:
        with tempfile.TemporaryDirectory(prefix="rencontre-soak-") as tmp:
            folder = Path(tmp)
            paths = [folder / f"{name}.json" for name in ("bot", "echo", "echo-limited")]
            for e, path in zip(emus, paths, strict=True):
                path.write_text(json.dumps(config_data(e, folder / "soak.sqlite3")), "utf-8")
            config = load(paths[0])
            people, setup = await prepare(config, count, rng)
            late = {p.user_id for p in people if not p.registered}
            for e in emus:
                welcome(e, people)
            stamps = [Stamps(e) for e in emus]
            sessions = plan(people, rate, rng)
            for name, path in zip(("bot", "echo", "echo-limited"), paths, strict=True):
                args = ["--serve", name, "--config", str(path), "--speed", str(speed)]
                children.append(await Child.start(name, args, folder / f"{name}.log"))
            bot = children[0]
            db = await Database.open(config.storage.database, migrate=False)
            try:
                t0 = time.monotonic()
                clock = RehearsalClock(START, speed)
                for child in children:
                    child.say(f"{GO}{t0}")
                close = timedelta(minutes=config.signups.close_after_start_minutes)
                driver = Driver(emu, echoes, clock, db, people, rng, close)
                samples: list[Sample] = []
                sampling = asyncio.create_task(sample(bot, emu, clock, samples))
                await play(driver, sessions)
                week_end = time.monotonic()
                await finish_week(db, clock)
                end = time.monotonic()
                sampling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampling
                results = [await child.finish() for child in children]
                cpu = {
                    "bot": results[0].get("cpu", math.nan),
                    "echoes": sum(result.get("cpu", math.nan) for result in results[1:]),
                    "emulators and driver": cpu_seconds(),
                }
                children.clear()
                async with db.read() as conn:
                    programme = await programme_repo.load(conn)
                    everything = await bookings_repo.everything(conn)
                    rows = await outbox_repo.rows(conn)
                    numbers = sorted({int(r.batch.rsplit(":", 1)[1]) for r in rows if r.batch})
                    found = [await broadcasts_repo.get(conn, n) for n in numbers]
            finally:
                await db.close()
            driver.checks.append((clock.now(), booking_faults(programme, everything, None, close)))
            arrivals = [s.arrivals() for s in stamps]
    finally:
        for child in children:
            with contextlib.suppress(Exception):
                await child.finish()
        for e in emus:
            await e.stop()
    return Run(
        speed=speed,
        rate=rate,
        people=people,
        late=late,
        setup=setup,
        driver=driver,
        sessions=sessions,
        t0=t0,
        week_end=week_end,
        end=end,
        samples=samples,
        bot=results[0],
        echoes=results[1:],
        arrivals=arrivals,
        calls=emu.calls,
        rows=rows,
        broadcasts=[b for b in found if b is not None],
        overlaps=overlapping(programme, everything),
        pushed=emu.world.next_update_id - 1,
        unconfirmed=len(emu.pending_updates),
        cpu=cpu,
        own=own,
        seconds=time.perf_counter() - began,
    )


async def sample(bot: Child, emu: BotApiEmulator, clock: RehearsalClock, out: list[Sample]) -> None:
    """Read the bot's memory, this process's, and the updates not fetched yet, now and then."""
    due = time.monotonic()
    while True:
        now = time.monotonic()
        out.append(
            Sample(
                now,
                clock.now(),
                rss_kb(bot.proc.pid),
                rss_kb(os.getpid()),
                len(emu.world.updates),
                now - due,
            )
        )
        due = now + SAMPLE_EVERY
        await asyncio.sleep(SAMPLE_EVERY)


async def play(driver: Driver, sessions: Sequence[Session]) -> None:
    """Start each session at its moment; wait until the week is over and every session ended."""
    tasks: set[asyncio.Task[None]] = set()

    async def one(s: Session) -> None:
        try:
            await driver.run(s)
        except Exception as exc:  # the driver's own failure: it fails the run, never hidden
            driver.failures.append(f"{s.what} of {s.user} at {s.at:%a %H:%M}: {exc!r}")

    for s in sessions:
        await asyncio.sleep(driver.clock.seconds_until(s.at))
        task = asyncio.create_task(one(s))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.sleep(driver.clock.seconds_until(END))
    if tasks:
        await asyncio.gather(*list(tasks))


async def finish_week(db: Database, clock: RehearsalClock) -> None:
    """Leave the bot GRACE seconds to send what is due and to finish its broadcasts."""
    deadline = time.monotonic() + GRACE
    while time.monotonic() < deadline:
        async with db.read() as conn:
            busy = [
                r
                for r in await outbox_repo.rows(conn, statuses=["pending", "sending"])
                if r.status == "sending" or r.due_at <= clock.now()
            ]
            unfinished = await broadcasts_repo.unfinished(conn)
        if not busy and not unfinished:
            return
        await asyncio.sleep(0.2)


# --- the report ----------------------------------------------------------------------------


def mb(kb: float) -> str:
    """Format kB as MB."""
    return f"{kb / 1024:.1f} MB"


def echo_latencies(asked: Sequence[Asked], arrivals: Sequence[Arrival], k: int) -> dict[int, float]:
    """Give, for each text (by index), how long echo number k took to send it back."""
    by_chat: defaultdict[int, list[Arrival]] = defaultdict(list)
    for a in arrivals:
        if a.method == "sendMessage" and a.ok and a.chat_id is not None:
            by_chat[a.chat_id].append(a)
    used: set[int] = set()
    out = {}
    for n, q in sorted(enumerate(asked), key=lambda pair: pair[1].sent[k]):
        for a in by_chat[q.user]:
            if a.at >= q.sent[k] and a.text == q.text and id(a) not in used:
                used.add(id(a))
                out[n] = a.at - q.sent[k]
                break
    return out


def during_broadcasts(
    r: Run, latency: dict[int, float], arrived: dict[tuple[int | None, int | None], Arrival]
) -> None:
    """Print the bot's answer times while its broadcasts to everyone went out, and otherwise."""
    spans = []
    for b in r.broadcasts:
        times = [
            a.at
            for row in r.rows
            if row.batch == f"broadcast:{b.id}"
            and (a := arrived.get((row.chat_id, row.message_id))) is not None
        ]
        if len(times) > 1:
            spans.append((min(times), max(times)))
    inside = [
        v for n, v in latency.items() if any(x <= r.driver.asked[n].sent[0] <= y for x, y in spans)
    ]
    outside = [
        v
        for n, v in latency.items()
        if not any(x <= r.driver.asked[n].sent[0] <= y for x, y in spans)
    ]
    cells = [
        f"{name}: {len(values)} texts, p50 {ms(percentile(values, 0.5))}, "
        f"p99 {ms(percentile(values, 0.99))}"
        for name, values in (("while a broadcast went out", inside), ("otherwise", outside))
        if values
    ]
    print(
        f"The bot's answer times, all texts, around its {len(spans)} broadcasts "
        f"({sum(y - x for x, y in spans):.0f} real s from first to last message): "
        + "; ".join(cells)
    )
    print()


@dataclass
class Verdict:
    """One invariant: what it says, whether it held, and the evidence."""

    name: str
    details: list[str]
    note: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether it held."""
        return not self.details


def report(r: Run) -> int:
    """Print the run's figures and invariants; give the exit status (1 if one failed)."""
    d = r.driver
    bot = r.arrivals[0]
    sends = [a for a in bot if a.method == "sendMessage" and a.ok]
    arrived = {(a.chat_id, a.message_id): a for a in sends}
    outbox_sent = {(row.chat_id, row.message_id) for row in r.rows if row.status == "sent"}
    registered = sum(1 for p in r.people if p.user_id not in r.late)
    facilitators = sum(1 for p in r.people if p.username)
    print(
        f"set-up: {registered} people registered before the week ({facilitators} of them "
        f"facilitators by their username), {len(r.late)} arriving on Monday with /start, "
        f"{len(ORGANISERS)} organisers; sign-ups before the week: "
        + ", ".join(f"{k} {n}" for k, n in sorted(r.setup.items()))
    )
    print(
        f"the week, {START:%a %d %b %H:%M} to {END:%a %d %b %H:%M}, ran in "
        f"{r.week_end - r.t0:.0f} real s (1 real s = {r.speed / 60:.0f} rehearsal min), then "
        f"{r.end - r.week_end:.1f} s for the bot to send what was due (at most {GRACE:g}); "
        f"the whole run took {r.seconds:.0f} s"
    )
    print("sessions played: " + ", ".join(f"{k} {n}" for k, n in d.done.most_common()))
    print(f"texts sent: {len(d.asked)}; buttons pressed: {len(d.pressed)}")
    print("what the presses got: " + ", ".join(f"{k} {n}" for k, n in sorted(d.toasts.items())))
    if d.skipped:
        print("steps not taken: " + ", ".join(f"{k} {n}" for k, n in d.skipped.most_common()))
    print()

    # Throughput
    handled = [t for t in r.bot.get("handled", []) if r.t0 <= t <= r.end]
    week = r.end - r.t0
    print(
        f"Updates: {r.pushed} queued by the people, {len(r.bot.get('handled', []))} handled by "
        f"the bot, {r.unconfirmed} never fetched; {len(handled) / week:.1f} handled a second "
        f"over the week, {busiest(handled, 1.0)} in the busiest real second; at most "
        f"{max((s.backlog for s in r.samples), default=0)} waiting to be fetched at once "
        f"(read every {SAMPLE_EVERY:g} s). This process's event loop (the emulators') woke up "
        f"to {ms(max((s.lag for s in r.samples), default=0))} late (p99 "
        f"{ms(percentile([s.lag for s in r.samples] or [0.0], 0.99))})"
    )
    print()

    # Answer times
    latency = {
        n: arrived[(q.user, q.answer)].at - q.sent[0]
        for n, q in enumerate(d.asked)
        if q.answer is not None and (q.user, q.answer) in arrived
    }
    echo = [echo_latencies(d.asked, r.arrivals[k], k) for k in (1, 2)]
    rows = []
    for label in (*LABELS, "other texts", "all texts"):
        chosen = [
            n
            for n, q in enumerate(d.asked)
            if label == "all texts"
            or q.label == label
            or (label == "other texts" and q.label not in LABELS)
        ]
        mine = [latency[n] for n in chosen if n in latency]
        bare = [echo[0][n] for n in chosen if n in echo[0]]
        paced = [echo[1][n] for n in chosen if n in echo[1]]
        if not mine or not bare or not paced:
            continue
        b50, b99 = percentile(mine, 0.5), percentile(mine, 0.99)
        e50, e99 = percentile(bare, 0.5), percentile(bare, 0.99)
        l50, l99 = percentile(paced, 0.5), percentile(paced, 0.99)
        bot_cells = [ms(b50), ms(b99)]
        echo_cells = [ms(e50), ms(e99), ratio(b50, e50), ratio(b99, e99)]
        rows.append(
            [label, str(len(mine)), *bot_cells, *echo_cells, ms(l50), ms(l99), ratio(b99, l99)]
        )
    print(
        "Answer times: update queued -> the answer reaching the emulator (p99: nearest rank). "
        "echo: the bare echo bot, flood control off; echo+lim: the echo with the bot's rate "
        "limiter, flood control on; both got the same texts at the same moments."
    )
    print_table(
        [
            *("text", "n", "bot p50", "bot p99", "echo p50", "echo p99", "p50 x", "p99 x"),
            *("echo+lim p50", "echo+lim p99", "p99 x (lim)"),
        ],
        rows,
    )
    during_broadcasts(r, latency, arrived)
    answers: defaultdict[str, list[Arrival]] = defaultdict(list)
    for a in bot:
        if a.method == "answerCallbackQuery" and a.query is not None:
            answers[a.query].append(a)
    pressed_rows = []
    by_label: defaultdict[str, list[float]] = defaultdict(list)
    for p in d.pressed:
        ok = [a for a in answers.get(p.query, []) if a.ok]
        if ok:
            by_label[p.label].append(ok[0].at - p.sent)
            by_label["all presses"].append(ok[0].at - p.sent)
    for label, values in sorted(by_label.items(), key=lambda kv: (kv[0] == "all presses", kv[0])):
        pressed_rows.append(
            [label, str(len(values)), *(ms(percentile(values, f)) for f in (0.5, 0.99, 1.0))]
        )
    print("Button presses: press queued -> its answerCallbackQuery reaching the emulator")
    print_table(["press", "n", "p50", "p99", "max"], pressed_rows)

    # Memory and CPU
    days = days_of_the_week()
    by_day: defaultdict[date, list[Sample]] = defaultdict(list)
    for s in r.samples:
        by_day[local_day(s.when, PARIS)].append(s)
    print(
        "Memory (VmRSS) of the bot's process, which holds the bot alone; this process holds "
        "the three emulators (each keeps every call and message) and the driver"
    )
    print_table(
        ["day", "bot at the end", "bot max", "this process at the end"],
        [
            [f"{day:%a %d}", mb(got[-1].bot_kb), mb(max(s.bot_kb for s in got)), mb(got[-1].own_kb)]
            for day in days
            if (got := by_day.get(day))
        ],
    )
    ends = [by_day[day][-1].bot_kb for day in days if by_day.get(day)]
    if len(ends) >= 2:
        first, last = ends[0], r.samples[-1].bot_kb
        print(
            f"bot peak (ru_maxrss): {mb(r.bot.get('peak_kb', 0))}; from the end of the first "
            f"day to the end of the week: {(last - first) / 1024:+.1f} MB "
            f"({(last - first) / first * 100:+.1f} %)"
        )
    print(
        "CPU time used, start-up included: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in r.cpu.items())
        + f" (the bot: {r.cpu['bot'] / week * 100:.0f} % of one core over the week)"
    )
    print()

    # Messages
    people = {p.user_id for p in r.people}
    own: Counter[tuple[int, date]] = Counter()
    replies: Counter[tuple[int, date]] = Counter()
    for a in sends:
        if a.chat_id in people:
            key = (a.chat_id, local_day(r.when(a.at), PARIS))
            (own if (a.chat_id, a.message_id) in outbox_sent else replies)[key] += 1
    table = []
    for day in [*days, None]:
        span = days if day is None else [day]
        total = [float(own[(u, x)] + replies[(u, x)]) for u in people for x in span]
        if day is None:
            total = [sum(own[(u, x)] + replies[(u, x)] for x in days) / len(days) for u in people]
        mean_own = statistics.mean(own[(u, x)] for u in people for x in span)
        mean_replies = statistics.mean(replies[(u, x)] for u in people for x in span)
        table.append(
            [
                "week (per day)" if day is None else f"{day:%a %d}",
                f"{statistics.mean(total):.2f}",
                f"{max(total):.3g}",
                f"{mean_replies:.2f}",
                f"{mean_own:.2f}",
            ]
        )
    print(
        "Private messages from the bot a participant a day (rehearsal days; all "
        f"{len(people)} people, zeros included; Saturday ends at noon)"
    )
    print_table(["day", "mean", "max", "answers (mean)", "sent on its own (mean)"], table)
    taken = [a for a in bot if a.ok and a.is_message]
    refused = Counter(c.status for c in r.calls if not c.ok)
    print(
        f"Group: {busiest((a.at for a in taken if a.chat_id == GROUP), 60.0)} messages in the "
        f"busiest real minute (Telegram's limit: {GROUP_PER_MINUTE}); all chats: "
        f"{busiest((a.at for a in taken), 1.0)} messages in the busiest real second (limit "
        f"{PER_SECOND}); 429 received: {refused.get(429, 0)}"
    )
    fates = Counter((row.kind, row.status) for row in r.rows)
    kinds = sorted({k for k, _ in fates})
    statuses = sorted({s for _, s in fates})
    print("The outbox at the end, by kind and status")
    print_table(["kind", *statuses], [[k, *(str(fates[(k, s)]) for s in statuses)] for k in kinds])

    misread = [
        f"{q.user}: the answer taken to {q.text[:30]!r} was one the bot sent on its own"
        for q in d.asked
        if (q.user, q.answer) in outbox_sent
    ]
    verdicts = invariants(r, answers, arrived, misread)
    print("Invariants")
    for v in verdicts:
        print(f"  {'OK    ' if v.ok else 'FAILED'} {v.name}" + (f" ({v.note})" if v.note else ""))
        for line in v.details[:8]:
            print(f"         - {line}")
        if len(v.details) > 8:
            print(f"         - ... and {len(v.details) - 8} more")
    print()
    notes(r)
    return 0 if all(v.ok for v in verdicts) else 1


def invariants(
    r: Run,
    answers: dict[str, list[Arrival]],
    arrived: dict[tuple[int | None, int | None], Arrival],
    misread: list[str],
) -> list[Verdict]:
    """Check what must hold at the end of the week."""
    d = r.driver
    faults = [f for _, found in d.checks for f in found]
    moments = f"at {len(d.checks) - 1} evenings and at the end"
    out = [
        Verdict("no item over capacity", [f for f in faults if f.startswith("over")], moments),
        Verdict(
            "waiting lists in order: nobody in who came after someone still waiting",
            [f for f in faults if f.startswith("queue")],
            moments,
        ),
        Verdict(
            "no place free while people wait, sign-ups open",
            [f for f in faults if f.startswith("place")],
            f"at {len(d.checks) - 1} evenings",
        ),
        Verdict("one booking per person and item", [f for f in faults if f.startswith("booked")]),
    ]
    wrong = []
    for p in d.pressed:
        got = answers.get(p.query, [])
        ok = sum(a.ok for a in got)
        if ok != 1 or len(got) != 1:
            wrong.append(f"{p.label} by {p.user}: {ok} answers accepted, {len(got) - ok} refused")
    stray = set(answers) - {p.query for p in d.pressed}
    wrong += [f"answer to a query nobody pressed: {q}" for q in sorted(stray)]
    out.append(Verdict("every button press answered exactly once", wrong, f"{len(d.pressed)}"))
    out.append(
        Verdict(
            "every text and press got its answer",
            d.unanswered + misread,
            f"{len(d.asked)} texts, within {TIMEOUT:g} s",
        )
    )
    handled = len(r.bot.get("handled", []))
    out.append(
        Verdict(
            "every update handled",
            [f"{r.pushed} queued, {handled} handled, {r.unconfirmed} never fetched"]
            if handled != r.pushed or r.unconfirmed
            else [],
            f"{r.pushed}",
        )
    )
    out.append(broadcast_verdict(r, arrived))
    out.append(duplicates_verdict(r, arrived))
    logs = r.bot.get("logs", {})
    errors = [
        f"{level}: {text}"
        for level in ("ERROR", "CRITICAL")
        for text in r.bot.get("samples", {}).get(level, [])
    ]
    count = logs.get("ERROR", 0) + logs.get("CRITICAL", 0)
    mine = r.own.counts.get("ERROR", 0) + r.own.counts.get("CRITICAL", 0)
    errors += [f"this process: {text}" for text in r.own.samples.get("ERROR", [])]
    out.append(
        Verdict(
            "no error in the bot's log",
            errors or ([f"{count} errors"] if count else []) + ([f"{mine}"] if mine else []),
            f"{count} in the bot's, {mine} in the emulators'",
        )
    )
    unreachable = {p.user_id for p in r.people if p.blocked} | r.late
    expected = 0
    refused: Counter[str] = Counter()
    polls = [c for c in r.calls if c.method == "getUpdates"]
    for c in r.calls:
        if c.ok or (c.status == 499 and polls and c is polls[-1]):
            continue  # the last long poll is cut when the bot stops
        if c.status == 403 and c.params.get("chat_id") in unreachable:
            expected += 1
            continue
        chat = c.params.get("chat_id")
        where = "" if chat is None else " in the group" if chat == GROUP else f" to {chat}"
        refused[f"{c.method}{where} {c.status}: {c.response.get('description', '')}"] += 1
    out.append(
        Verdict(
            "the emulator refused no call, but the 403s of people who blocked the bot "
            "or had not started it",
            [f"{n} x {why}" for why, n in refused.most_common()] + too_many(r.arrivals[0]),
            f"{expected} such 403s",
        )
    )
    out.append(Verdict("the driver ran as planned", d.failures))
    return out


def too_many(arrivals: Sequence[Arrival]) -> list[str]:
    """Say, for each 429, how early it came: the window's oldest message and how old it was."""
    taken = sorted(a.at for a in arrivals if a.ok and a.is_message)
    group = sorted(a.at for a in arrivals if a.ok and a.is_message and a.chat_id == GROUP)
    out = []
    for a in arrivals:
        if a.call.status != 429:
            continue
        for times, limit, span, what in (
            (taken, PER_SECOND, 1.0, "all chats"),
            (group, GROUP_PER_MINUTE, 60.0, "the group"),
        ):
            before = [t for t in times if a.at - span < t < a.at]
            if len(before) >= limit and (a.chat_id == GROUP or what == "all chats"):
                oldest = before[-limit]
                out.append(
                    f"  the 429 to {a.chat_id}: {len(before)} messages ({what}) in the {span:g} s "
                    f"before it, the {limit}th last {a.at - oldest:.3f} s before it"
                )
    return out


def broadcast_verdict(r: Run, arrived: dict[tuple[int | None, int | None], Arrival]) -> Verdict:
    """Check that each broadcast is done, with each recipient's fate, and its report sent."""
    wrong = []
    confirmed = r.driver.broadcasts
    if len(r.broadcasts) != len(confirmed):
        wrong.append(f"{len(confirmed)} confirmed by the organiser, {len(r.broadcasts)} recorded")
    fates = []
    for b, (audience, registered) in zip(r.broadcasts, confirmed, strict=False):
        rows = [row for row in r.rows if row.batch == f"broadcast:{b.id}"]
        counts = Counter(row.status for row in rows)
        report = [row for row in r.rows if row.key == f"broadcast:{b.id}:report"]
        fates.append(f"#{b.id} {audience}: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
        if b.status != "done":
            wrong.append(f"broadcast {b.id} is still {b.status}")
        if len(rows) != b.recipients or sum(counts.values()) != b.recipients:
            wrong.append(f"broadcast {b.id}: {b.recipients} recipients, {len(rows)} messages")
        if audience == "all" and b.recipients != registered:
            wrong.append(f"broadcast {b.id}: {b.recipients} recipients, {registered} registered")
        waiting = counts.get("pending", 0) + counts.get("sending", 0)
        if waiting:
            wrong.append(f"broadcast {b.id}: {waiting} messages never sent")
        lost = [
            row.chat_id
            for row in rows
            if row.status == "sent" and (row.chat_id, row.message_id) not in arrived
        ]
        if lost:
            wrong.append(f"broadcast {b.id}: {len(lost)} sent, not received (e.g. {lost[0]})")
        if not report or report[0].status != "sent":
            wrong.append(f"broadcast {b.id}: no report to the organiser")
    return Verdict("every broadcast done, every recipient accounted for", wrong, "; ".join(fates))


def duplicates_verdict(r: Run, arrived: dict[tuple[int | None, int | None], Arrival]) -> Verdict:
    """Check that no outbox message reached a chat twice."""
    wrong = []
    keys = Counter(row.key for row in r.rows)
    wrong += [f"key {k} queued {n} times" for k, n in keys.items() if n > 1]
    sent = [row for row in r.rows if row.status == "sent" and row.message_id is not None]
    # The board is one message, edited: its rows all name it
    ids = Counter((row.chat_id, row.message_id) for row in sent if row.kind != planning.BOARD)
    wrong += [f"message {k} claimed by {n} outbox rows" for k, n in ids.items() if n > 1]
    texts = {
        (row.chat_id, arrived[(row.chat_id, row.message_id)].text)
        for row in sent
        if (row.chat_id, row.message_id) in arrived
    }
    claimed = {(row.chat_id, row.message_id) for row in sent}
    for (chat, message_id), a in arrived.items():
        if (chat, a.text) in texts and (chat, message_id) not in claimed:
            wrong.append(f"chat {chat} got an outbox message again (message {message_id})")
    return Verdict("no outbox message sent twice", wrong, f"{len(sent)} sent")


def notes(r: Run) -> None:
    """Print what is worth knowing and is not an invariant."""
    logs = r.bot.get("logs", {})
    if logs.get("WARNING"):
        print(f"The bot logged {logs['WARNING']} warnings, the first ones:")
        for text in r.bot.get("samples", {}).get("WARNING", []):
            print(f"  - {text}")
    for name, result in zip(("echo", "echo+lim"), r.echoes, strict=True):
        if result.get("logs"):
            print(f"The {name} logged: {result['logs']} {result.get('samples')}")
    texts: Counter[tuple[int, str]] = Counter()
    kinds: defaultdict[tuple[int, str], list[str]] = defaultdict(list)
    arrived = {
        (a.chat_id, a.message_id): a for a in r.arrivals[0] if a.ok and a.method == "sendMessage"
    }
    for row in r.rows:
        a = arrived.get((row.chat_id, row.message_id))
        if row.status == "sent" and a is not None and row.kind != planning.BOARD:
            texts[(row.chat_id, a.text)] += 1
            kinds[(row.chat_id, a.text)].append(row.key)
    twice = [k for k, n in texts.items() if n > 1]
    if twice:
        print(
            f"The same text twice in a chat, from outbox messages of different keys: "
            f"{len(twice)} time(s), e.g.:"
        )
        for chat, text in twice[:3]:
            print(f"  - chat {chat}, {' and '.join(kinds[(chat, text)])}: {text[:90]!r}")
    if r.driver.other_toasts:
        print(
            "Other answers to presses: "
            + "; ".join(f"{n} x {t!r}" for t, n in r.driver.other_toasts.most_common(5))
        )
    slowest = sorted(
        (
            (a.at - q.sent[0], q)
            for q in r.driver.asked
            if q.answer is not None and (a := arrived.get((q.user, q.answer))) is not None
        ),
        key=lambda pair: -pair[0],
    )[:5]
    print(
        "Slowest answers: "
        + "; ".join(
            f"{ms(seconds)} to {q.label} at {r.when(q.sent[0]):%a %H:%M}" for seconds, q in slowest
        )
    )
    if r.overlaps:
        print(
            f"{len(r.overlaps)} people hold places in two things at the same time at the end, "
            f"e.g. {'; '.join(r.overlaps[:3])}"
        )
    print()


# --- the command line ----------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--speed", type=float, default=SPEED, help=f"rehearsal speed ({SPEED:g})")
    parser.add_argument("--people", type=int, default=PEOPLE, help=f"participants ({PEOPLE})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed ({SEED})")
    parser.add_argument(
        "--sessions",
        type=float,
        default=SESSIONS,
        help=f"what each person does, times a day on average ({SESSIONS:g})",
    )
    parser.add_argument("--serve", choices=("bot", "echo", "echo-limited"), help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    """Run the soak (or, with --serve, one of its bots); give the exit status."""
    args = parse_args()
    if args.serve == "bot":
        asyncio.run(serve_bot(args.config, args.speed))
        return 0
    if args.serve:
        asyncio.run(serve_echo(args.config, args.serve == "echo-limited"))
        return 0
    print(
        f"bench.soak: the sample week, {args.people} people, rehearsal speed {args.speed:g}, "
        f"{args.sessions:g} session(s) a person a day, seed {args.seed}"
    )
    print(machine())
    print(code_version())
    print(
        "The bot runs in a process of its own, as do the two echoes; the emulators (the bot's "
        "with flood control ON: 30 messages/s, 20/min in a group) and the driver run in this "
        "one. All at once, on this machine."
    )
    print()
    run = asyncio.run(soak(args.speed, args.people, args.seed, args.sessions))
    return report(run)


if __name__ == "__main__":
    sys.exit(main())
