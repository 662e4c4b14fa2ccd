"""Issue 5: the sample week at rehearsal speed, 300 people, flood control on, next to its floor.

    .venv/bin/python -m bench.week [--speed 2400]

The real bot (Harness.running) runs examples/bigre-2026.toml from Monday 07:00 to the last
planned message on a RehearsalClock `--speed` times faster than real time (2400: the week's
124 hours in about 190 real seconds), against the Bot API emulator with its flood control ON
(30 messages/s overall, 20/min per group, 429 beyond), with announcements to a group. Before
the clock starts, 300 people are registered straight into the database (and marked as having
started the bot in the emulator), and each signs up for a few workshops and maybe a rota slot
through the booking service, so the planner has digests and reminders to send. The clock is
set back to Monday 07:00 once the bot is up, so its start-up does not eat the first morning.

Measured: each message's lateness (sent - due) in real seconds (when the emulator received it,
stamped by an interceptor) and in rehearsal time (the same x speed, and the outbox's sent_at);
what was dropped as stale; the group's messages per real minute; refusals (429); the longest
time nothing was sent while a private message was overdue; messages per person per day.

Baselines, run at the same time in the same process, each on its own emulator (flood control
on) and on the same clock, sending the same schedule (the outbox as the clock starts), with the
bot's rate limiter but no database, no planning and no composing:
- echo+window: by the outbox's rules: at most `delivery.window` in flight, and a message whose
  expiry has passed when its turn comes is dropped;
- echo: each message goes to the rate limiter when due, none is dropped.
And the floor, computed: an ideal sender sends each message at its due time if the limits
allow, else at the first moment they do (sends 1/30 s apart, a group's no sooner than 60 s
after its 20th last), in due order, and drops it if that moment is at or after its expiry. At
the run's speed (what any sender could do here) and at speed 1 (the real week).

At a high speed Telegram's limits, which count real time, are squeezed into little rehearsal
time: the report ends by saying what that means for this run, and what the real week needs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder

from bench.common import (
    GROUP,
    GROUP_PER_MINUTE,
    PARIS,
    PER_SECOND,
    Arrival,
    RandomSignUps,
    Stamps,
    at,
    busiest,
    code_version,
    machine,
    percentile,
    print_table,
    register,
)
from bot.app import build_services, startup
from bot.clock import Clock, FrozenClock, RehearsalClock
from bot.config import Config
from bot.domain import planning
from bot.domain.models import Participant
from bot.domain.schedule import local_day
from bot.events import BookingsChanged
from bot.ratelimit import BULK, SlidingWindowRateLimiter
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from storage import outbox as outbox_repo
from storage.db import Database
from storage.outbox import Row

PEOPLE = list(range(30_001, 30_301))
START = at(24, 7)  # the first morning, before the first digest
SPEED = 2400.0
SEED = 2026
WORKSHOPS_EACH = (2, 5)  # each person tries this many workshops (at random, inclusive)
ROTA_SHARE = 0.7  # and this share of people a rota slot too
ENGLISH_SHARE = 0.2
KINDS = (planning.ANNOUNCE, planning.BOARD, planning.REMINDER, planning.DIGEST)
SENDS = ("sendMessage", "editMessageText")
TRIED_SPEEDS = (1, 10, 30, 60, 120, 300, 600, 1200, 2400)
OVERDUE = 1.0  # real seconds a private message waits in a silence for it to count
GRACE = 15.0  # real seconds allowed past the last due message for the outbox to finish


# --- the emulators -------------------------------------------------------------------------


async def emulator() -> BotApiEmulator:
    """Start an emulator, flood control on, that knows the people (started) and the group."""
    emu = BotApiEmulator(flood_control=True)
    await emu.start()
    for user in PEOPLE:
        emu.cast.add_user(user, f"Personne {user}", language_code="fr")
        emu.world.users[user].started = True  # as if each had sent /start
    emu.cast.add_group(GROUP, "Bigre Rencontre 2026", members=PEOPLE)
    return emu


class Drops(logging.Handler):
    """Count the outbox's 'dropped <key>: <why>' log lines by kind and reason."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: Counter[tuple[str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count one drop."""
        message = record.getMessage()
        if message.startswith("dropped "):
            key, _, why = message.removeprefix("dropped ").partition(": ")
            self.counts[(key.split(":", 1)[0], why.split(" (")[0])] += 1


# --- before the clock starts: the people, their sign-ups, the schedule ---------------------


@dataclass(frozen=True)
class Setup:
    """What the week starts with."""

    schedule: list[Row]
    outcomes: Counter[str]
    facilitators: int
    seconds: float


async def prepare(config: Config, rng: random.Random) -> Setup:
    """Register everyone, sign them up, and give the outbox as the week starts."""
    began = time.perf_counter()
    db = await Database.open(config.storage.database)
    try:
        services = build_services(config, FrozenClock(START), db)
        await startup(services)  # imports the sample programme
        programme = await services.programme.current()
        handles = sorted(
            {f.telegram for w in programme.workshops for f in w.facilitators if f.telegram}
        )
        people = [
            Participant(
                user,
                f"Personne {user}",
                username=handles[n] if n < len(handles) else None,
                language="en" if rng.random() < ENGLISH_SHARE else "fr",
            )
            for n, user in enumerate(PEOPLE)
        ]
        async with db.transaction() as conn:
            await register(conn, people, START)
        services.roles.forget()
        # One re-plan of everyone after the sign-ups, rather than one per sign-up
        services.events.clear(BookingsChanged)
        signups = RandomSignUps(services.bookings, programme, rng, WORKSHOPS_EACH, ROTA_SHARE)
        for p in people:
            await signups.sign_up(p.user_id, person=p)
        await services.bookings.drain()
        await services.announcements.replan()
        async with db.read() as conn:
            schedule = await outbox_repo.rows(conn, statuses=["pending"])
        facilitators = len(await services.roles.facilitating())
    finally:
        await db.close()
    return Setup(schedule, signups.outcomes, facilitators, time.perf_counter() - began)


# --- the week, on the bot and on the echoes --------------------------------------------------


class Timeline:
    """Turn rehearsal instants into real time.monotonic() seconds, for one rehearsal clock."""

    def __init__(self, clock: Clock, speed: float) -> None:
        now, mono = clock.now(), time.monotonic()
        self.speed = speed
        self.t0 = mono - (now - START).total_seconds() / speed

    def real(self, when: datetime) -> float:
        """Give the real moment the clock shows `when`."""
        return self.t0 + (when - START).total_seconds() / self.speed


async def run_bot(
    emu: BotApiEmulator,
    config: Config,
    clock: RehearsalClock,
    schedule: Sequence[Row],
    started: Callable[[], float],
) -> tuple[list[Row], datetime]:
    """Run the real bot through the week, then until nothing due is left (GRACE at most).

    The clock goes back to START once the bot is up (its start-up would otherwise eat into the
    first morning); `started` is then called, and gives the real moment the last message is
    due. Give the outbox and the rehearsal time it ended at.
    """
    async with Harness.running(emu, config, clock) as bot:
        clock.jump_to(START)
        until = started()
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline:
            async with bot.db.read() as conn:
                busy = [
                    r
                    for r in await outbox_repo.rows(conn, statuses=["pending", "sending"])
                    if r.status == "sending" or r.due_at <= clock.now()
                ]
            if not busy:
                break
            await asyncio.sleep(0.2)
        ended = clock.now()
        async with bot.db.read() as conn:
            return await outbox_repo.rows(conn), ended


async def run_echo(
    emu: BotApiEmulator, clock: Clock, schedule: Sequence[Row], until: float, window: int | None
) -> dict[str, str]:
    """Send the schedule with no bot logic, until `until` + GRACE; give each key's fate.

    With `window`, as the outbox does: that many in flight at most, and a message whose expiry
    has passed when its turn comes is dropped. Without, each goes to the rate limiter when due.
    """
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .rate_limiter(SlidingWindowRateLimiter())
        .updater(None)
        .build()
    )
    fates = {row.key: "unsent" for row in schedule}
    gate = asyncio.Semaphore(window or len(schedule))
    board: list[int] = []

    async def one(row: Row) -> None:
        async with gate:
            if window and row.expires_at is not None and row.expires_at <= clock.now():
                fates[row.key] = "dropped"
                return
            text = f"{row.kind} {row.key}"  # the key: each arrival names its message
            try:
                if row.kind == planning.BOARD and board:
                    await app.bot.edit_message_text(
                        text, chat_id=row.chat_id, message_id=board[0], rate_limit_args=BULK
                    )
                else:
                    sent = await app.bot.send_message(row.chat_id, text, rate_limit_args=BULK)
                    if row.kind == planning.BOARD:
                        board.append(sent.message_id)
                        await app.bot.pin_chat_message(
                            row.chat_id, sent.message_id, disable_notification=True
                        )
            except TelegramError as exc:
                fates[row.key] = f"failed ({exc})"
                return
            fates[row.key] = "sent"

    end = until + GRACE
    async with app:
        tasks = []
        for row in sorted(schedule, key=lambda r: (r.due_at, r.id)):
            wait = clock.seconds_until(row.due_at)
            if time.monotonic() + wait >= end:
                break
            await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(row)))
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=max(0.0, end - time.monotonic()))
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return fates


# --- the floor -------------------------------------------------------------------------------


def floor(schedule: Sequence[Row], speed: float) -> dict[str, float | None]:
    """Give each message's real lateness under an ideal sender (None: dropped as stale).

    Sends at least 1/30 s apart (so never more than 30 in a second), a group's no sooner than
    60 s after its 20th last; each at the first such moment at or after its due time, in due
    order; dropped when that moment is at or after its expiry.
    """
    gap = 1.0 / PER_SECOND

    def real(when: datetime) -> float:
        return (when - START).total_seconds() / speed

    sends: list[float] = []
    groups: defaultdict[int, list[float]] = defaultdict(list)
    out: dict[str, float | None] = {}
    for row in sorted(schedule, key=lambda r: (r.due_at, r.id)):
        due = ready = real(row.due_at)
        group = groups[row.chat_id] if row.chat_id < 0 else None
        if group is not None and len(group) >= GROUP_PER_MINUTE:
            ready = max(ready, group[-GROUP_PER_MINUTE] + 60.0)
        index = bisect_left(sends, ready)
        moment = max(ready, sends[index - 1] + gap) if index else ready
        while index < len(sends) and sends[index] < moment + gap:
            moment = max(moment, sends[index] + gap)
            index += 1
        if row.expires_at is not None and moment >= real(row.expires_at):
            out[row.key] = None
            continue
        sends.insert(index, moment)
        if group is not None:
            group.append(moment)
        out[row.key] = moment - due
    return out


# --- what reached the emulators --------------------------------------------------------------


def not_modified(arrival: Arrival) -> bool:
    """Tell whether an edit was refused only because nothing changed (done, for the outbox)."""
    description = str(arrival.call.response.get("description", ""))
    return arrival.call.status == 400 and "not modified" in description


def bot_arrivals(arrivals: Sequence[Arrival], rows: Sequence[Row]) -> dict[str, float]:
    """Find when each sent outbox message reached the emulator.

    A sent message by its chat and message id; the board's edits (one message id for them all)
    by order: the board's calls that took effect, oldest first, against its sent rows by sent_at.
    """
    by_id = {
        (a.chat_id, a.message_id): a.at for a in arrivals if a.method == "sendMessage" and a.ok
    }
    out: dict[str, float] = {}
    boards = sorted(
        (r for r in rows if r.kind == planning.BOARD and r.status == "sent"),
        key=lambda r: (r.sent_at or START, r.id),
    )
    others = [r for r in rows if r.kind != planning.BOARD and r.status == "sent"]
    for r in others:
        found = by_id.get((r.chat_id, r.message_id or 0))
        if found is not None:
            out[r.key] = found
    group_ids = {r.message_id for r in others if r.chat_id < 0}
    board_calls = sorted(
        a.at
        for a in arrivals
        if a.in_group
        and (
            (a.method == "sendMessage" and a.ok and a.message_id not in group_ids)
            or (a.method == "editMessageText" and (a.ok or not_modified(a)))
        )
    )
    if len(board_calls) == len(boards):
        out.update({r.key: t for r, t in zip(boards, board_calls, strict=True)})
    return out


@dataclass(frozen=True)
class Run:
    """One sender's week: each scheduled message's fate, and when those sent arrived."""

    name: str
    fates: dict[str, str]
    """sent, dropped (stale), unsent (still queued at the end), or what else became of it."""
    arrived: dict[str, float]
    arrivals: list[Arrival]

    @classmethod
    def of_bot(cls, arrivals: list[Arrival], schedule: Sequence[Row], rows: Sequence[Row]) -> Run:
        """Read the bot's outbox and what reached its emulator."""
        final = {row.key: row for row in rows}
        fates = {}
        for row in schedule:
            status = final[row.key].status if row.key in final else "missing"
            fates[row.key] = "unsent" if status in ("pending", "sending") else status
        return cls("bot", fates, bot_arrivals(arrivals, rows), arrivals)

    @classmethod
    def of_echo(cls, name: str, arrivals: list[Arrival], fates: dict[str, str]) -> Run:
        """Read an echo's fates and what reached its emulator (each text names its key)."""
        arrived = {a.text.split(" ", 1)[1]: a.at for a in arrivals if a.ok}
        return cls(name, fates, arrived, arrivals)

    def taken(self) -> list[Arrival]:
        """List the sends and edits that took effect."""
        return [a for a in self.arrivals if a.ok]

    def refused(self) -> Counter[int]:
        """Count the sends and edits refused, by status (an unchanged board's edit aside)."""
        return Counter(a.call.status for a in self.arrivals if not a.ok and not not_modified(a))


# --- figures -------------------------------------------------------------------------------


def spread(values: Sequence[float], unit: float = 1.0, digits: int = 2) -> str:
    """Format p50 / p99 / max of some values, divided by `unit`."""
    if not values:
        return "-"
    p50, p99, top = (percentile(values, 0.5), percentile(values, 0.99), max(values))
    return " / ".join(f"{v / unit:.{digits}f}" for v in (p50, p99, top))


def outbox_late(schedule: Iterable[Row], final: dict[str, Row]) -> list[float]:
    """Give how late (s) each sent message was by the outbox: sent_at - due at the start."""
    return [
        (f.sent_at - row.due_at).total_seconds()
        for row in schedule
        if (f := final.get(row.key)) is not None and f.status == "sent" and f.sent_at is not None
    ]


def per_person_day(rows: Iterable[Row]) -> str:
    """Give median / max private messages for a person on a day of the week (zeros included)."""
    counts: Counter[tuple[int, date]] = Counter(
        (r.chat_id, local_day(r.due_at, PARIS)) for r in rows if r.chat_id > 0
    )
    days = sorted({local_day(START + timedelta(days=n), PARIS) for n in range(6)})
    each = [counts[(person, day)] for person in PEOPLE for day in days]
    return f"{statistics.median(each):g} / {max(each)}"


def longest_stall(run: Run, schedule: Sequence[Row], line: Timeline, end: float) -> str:
    """Find the longest real time nothing was sent while private messages were kept waiting.

    A silence counts if some private message was overdue through OVERDUE s of it (a group
    message may wait for its group's window; a private one has no reason to wait while nothing
    goes out). One still queued at the end counts as sent at the end; one dropped as stale, as
    gone at its expiry (it went no sooner).
    """

    def gone(row: Row) -> float:
        fate = run.fates[row.key]
        if fate == "dropped" and row.expires_at is not None:
            return line.real(row.expires_at)
        return run.arrived.get(row.key, end)

    spans = [
        (line.real(row.due_at), gone(row))
        for row in schedule
        if row.chat_id > 0 and run.fates[row.key] in ("sent", "unsent", "dropped")
    ]
    moments = sorted({a.at for a in run.taken()} | {end})
    longest, begin, held = 0.0, 0.0, 0
    for first, last in sorted(pairwise(moments), key=lambda g: g[0] - g[1]):
        if last - first <= longest:
            break  # the gaps left are shorter than what was found
        overdue = sum(min(last, left) - max(first, due) >= OVERDUE for due, left in spans)
        if overdue:
            longest, begin, held = last - first, first, overdue
    if not held:
        return "-"
    # Was the group's window full as it began (20 in the minute before)?
    group = sum(begin - 60.0 < a.at <= begin for a in run.taken() if a.in_group)
    return f"{longest:.1f} s ({held} overdue in it; group {group}/min before)"


def expected_due(row: Row, config: Config) -> datetime | None:
    """Work out a planned message's due time from its params and the config, independently."""
    a = config.announcements
    p = row.params
    if row.kind == planning.ANNOUNCE:
        return datetime.fromisoformat(p["start"]) - timedelta(minutes=a.lead_minutes)
    if row.kind == planning.BOARD:
        return datetime.fromisoformat(p["at"])
    if row.kind == planning.REMINDER:
        due = datetime.fromisoformat(p["start"]) - timedelta(minutes=a.reminder_minutes)
    elif row.kind == planning.DIGEST:
        due = datetime.fromisoformat(f"{p['date']}T{a.digest_at}").replace(tzinfo=PARIS)
    else:
        return None
    if a.quiet_hours is not None and not row.urgent:
        due = planning.QuietHours.parse(a.quiet_hours).release(due, PARIS)
    return due


# --- the run -------------------------------------------------------------------------------


def quiet_logs() -> Drops:
    """Print warnings only; count the outbox's drops (logged at INFO)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    drops = Drops()
    for name in ("bot.services.outbox", "bot.services.announcements"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(drops)
    return drops


@dataclass(frozen=True)
class Report:
    """Everything a run gathered."""

    speed: float
    config: Config
    setup: Setup
    rows: list[Row]
    runs: list[Run]
    line: Timeline
    end: float
    ended: datetime
    drops: Counter[tuple[str, str]]


async def main(speed: float) -> None:
    """Run the week on the bot and the two echoes at once, then print them next to the floor."""
    drops = quiet_logs()
    print(f"bench.week: the sample week, {len(PEOPLE)} people, rehearsal speed {speed:g}")
    print(machine())
    print(code_version())
    print(
        "Emulator flood control is ON for the bot and the echoes (30 messages/s, 20/min a "
        "group); the three run at once, in one process, each on its own emulator."
    )
    print()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rencontre-week-") as tmp:
        emus = [await emulator() for _ in range(3)]
        try:
            config = local_config(
                emus[0], Path(tmp) / "week.sqlite3", event={"announce_chat_id": GROUP}
            )
            setup = await prepare(config, random.Random(SEED))
            schedule = setup.schedule
            stamps = [Stamps(emu, SENDS) for emu in emus]
            clock = RehearsalClock(START, speed)
            echoes: list[asyncio.Task[dict[str, str]]] = []
            lines: list[Timeline] = []

            def started() -> float:
                lines.append(Timeline(clock, speed))
                until = lines[0].real(max(r.due_at for r in schedule))
                window = config.delivery.window
                echoes.append(
                    asyncio.create_task(run_echo(emus[1], clock, schedule, until, window))
                )
                echoes.append(asyncio.create_task(run_echo(emus[2], clock, schedule, until, None)))
                return until

            rows, ended = await run_bot(emus[0], config, clock, schedule, started)
            windowed, bare = [await echo for echo in echoes]
            end = time.monotonic()
        finally:
            for emu in emus:
                await emu.stop()
    arrivals = [s.arrivals() for s in stamps]
    runs = [
        Run.of_bot(arrivals[0], schedule, rows),
        Run.of_echo("echo+window", arrivals[1], windowed),
        Run.of_echo("echo", arrivals[2], bare),
    ]
    report(Report(speed, config, setup, rows, runs, lines[0], end, ended, drops.counts))
    print(f"whole run: {time.perf_counter() - began:.0f} s (set-up {setup.seconds:.0f} s)")


def report(r: Report) -> None:
    """Print the run's figures, next to the echoes', the floor's and the limits."""
    schedule = r.setup.schedule
    floor_here, floor_week = floor(schedule, r.speed), floor(schedule, 1.0)
    here = f"floor@{r.speed:g}"
    print(
        f"set-up ({r.setup.seconds:.0f} s, before the clock starts): {len(PEOPLE)} people, "
        f"{r.setup.facilitators} of them facilitators (their username is in the programme); "
        "sign-ups: " + ", ".join(f"{k} {n}" for k, n in sorted(r.setup.outcomes.items()))
    )
    print(
        f"schedule as the clock starts ({START:%a %d %b %H:%M}): {len(schedule)} messages ("
        + ", ".join(f"{k} {n}" for k, n in Counter(row.kind for row in schedule).most_common())
        + f"), the last due {max(row.due_at for row in schedule).astimezone(PARIS):%a %d %b %H:%M}"
    )
    print(
        f"the week ran {r.end - r.line.real(START):.0f} real s at speed {r.speed:g} "
        f"(1 real s = {r.speed / 60:.0f} rehearsal min)"
    )
    print(
        "bot: the real bot; echo+window: a bare bot sending the same schedule by the outbox's "
        f"rules ({r.config.delivery.window} in flight, stale dropped); echo: each message to the "
        f"rate limiter when due, nothing dropped; {here}: an ideal sender within the limits, "
        "computed; floor@1: the same in the real week"
    )
    print()

    final = {row.key: row for row in r.rows}
    fates, late_real, late_rehearsal = [], [], []
    for kind in (*KINDS, None):
        rows = [row for row in schedule if kind is None or row.kind == kind]
        name = kind or "all"
        cells = [name, str(len(rows))]
        reals = [name]
        rehearsals = [name, spread(outbox_late(rows, final), 60, 1)]
        for run in r.runs:
            fate = Counter(run.fates[row.key] for row in rows)
            other = sum(n for k, n in fate.items() if k not in ("sent", "dropped", "unsent"))
            cells.append(
                f"{fate['sent']} / {fate['dropped']} / {fate['unsent']}"
                + (f" (+{other} other)" if other else "")
            )
            late = [
                run.arrived[row.key] - r.line.real(row.due_at)
                for row in rows
                if row.key in run.arrived
            ]
            reals.append(spread(late))
            rehearsals.append(spread([v * r.speed for v in late], 60, 1))
        stale_here = sum(floor_here[row.key] is None for row in rows)
        stale_week = sum(floor_week[row.key] is None for row in rows)
        cells += [f"{len(rows) - stale_here} / {stale_here} / 0", str(stale_week)]
        fates.append(cells)
        ideal = [v for row in rows if (v := floor_here[row.key]) is not None]
        reals.append(spread(ideal))
        rehearsals.append(spread([v * r.speed for v in ideal], 60, 1))
        rehearsals.append(spread([v for row in rows if (v := floor_week[row.key]) is not None]))
        late_real.append(reals)
        late_rehearsal.append(rehearsals)
    names = [run.name for run in r.runs]
    print("What became of the planned messages: sent / dropped as stale / still queued at the end")
    print_table(["kind", "planned", *names, here, "floor@1 dropped"], fates)
    print(
        "Lateness of what was sent, REAL seconds (arrival at the emulator - due): p50 / p99 / max"
    )
    print_table(["kind", *names, here], late_real)
    print("The same in REHEARSAL minutes (x speed); last column: the real week's floor, seconds")
    print_table(["kind", "bot (outbox)", *names, here, "floor@1 (s)"], late_rehearsal)
    by_day(r, floor_here)
    limits(r, floor_here)
    checks(r)
    meaning(r, floor_week)


def by_day(r: Report, floor_here: dict[str, float | None]) -> None:
    """Print the private messages sent on each day of the week, by each sender."""
    schedule = [row for row in r.setup.schedule if row.chat_id > 0]
    days = sorted({local_day(row.due_at, PARIS) for row in schedule})

    def counts(name: str, sent: Iterable[Row]) -> list[str]:
        found = Counter(local_day(row.due_at, PARIS) for row in sent)
        return [name, *(str(found[day]) for day in days)]

    print("Private messages (digests and reminders) sent, by the day they were due")
    print_table(
        ["sender", *(f"{day:%a %d}" for day in days)],
        [
            counts("planned", schedule),
            *(
                counts(run.name, (row for row in schedule if run.fates[row.key] == "sent"))
                for run in r.runs
            ),
            counts(
                f"floor@{r.speed:g}", (row for row in schedule if floor_here[row.key] is not None)
            ),
        ],
    )


def limits(r: Report, floor_here: dict[str, float | None]) -> None:
    """Print the figures Telegram's limits bound, and how much each person gets."""
    schedule = r.setup.schedule
    floor_sent = sum(v is not None for v in floor_here.values())

    def each(figure: str, cell: Callable[[Run], str], ideal: str, limit: str) -> list[str]:
        return [figure, *(cell(run) for run in r.runs), ideal, limit]

    def group(run: Run) -> str:
        return str(busiest((a.at for a in run.taken() if a.in_group), 60.0))

    def refusals(run: Run) -> str:
        found = run.refused()
        return ", ".join(f"{n} x {status}" for status, n in sorted(found.items())) or "none"

    def private(run: Run) -> str:
        return per_person_day(row for row in schedule if run.fates[row.key] == "sent")

    def after_expiry(run: Run) -> str:
        late = [
            row
            for row in schedule
            if row.key in run.arrived
            and row.expires_at is not None
            and run.arrived[row.key] > r.line.real(row.expires_at)
        ]
        return str(len(late))

    print("Against the limits (real time, as Telegram counts)")
    print_table(
        ["figure", *(run.name for run in r.runs), f"floor@{r.speed:g}", "limit"],
        [
            each("group messages in the busiest real minute", group, "<= 20", "20"),
            each(
                "messages in the busiest real second",
                lambda run: str(busiest((a.at for a in run.taken()), 1.0)),
                "<= 30",
                "30",
            ),
            each("sends/edits refused (status)", refusals, "none", "no 429"),
            each(
                "messages that reached a chat (sends + edits)",
                lambda run: str(len(run.taken())),
                str(floor_sent),
                "-",
            ),
            each(
                "their least real time at 30/s",
                lambda run: f"{len(run.taken()) / PER_SECOND:.0f} s",
                f"{floor_sent / PER_SECOND:.0f} s",
                f"ran {r.end - r.line.real(START):.0f} s",
            ),
            each(
                "longest real silence with private messages overdue",
                lambda run: longest_stall(run, schedule, r.line, r.end),
                "-",
                "-",
            ),
            each("sent after their expiry", after_expiry, "0", "-"),
            each(
                "private messages a person a day (median / max)",
                private,
                "-",
                f"planned {per_person_day(schedule)}",
            ),
        ],
    )


def checks(r: Report) -> None:
    """Print what looks wrong in the bot's sending, with the evidence."""
    schedule = r.setup.schedule
    final = {row.key: row for row in r.rows}
    bot = r.runs[0]
    found: list[str] = []
    wrong = [(row, expected_due(row, r.config)) for row in schedule]
    found += [
        f"due time: {row.key} is due {row.due_at:%a %H:%M}, expected {due:%a %H:%M} (UTC)"
        for row, due in wrong
        if due is not None and due != row.due_at
    ][:5]
    early = [
        row.key
        for row in schedule
        if (f := final.get(row.key)) is not None
        and f.sent_at is not None
        and f.sent_at < row.due_at
    ]
    found += [f"sent before it was due: {key}" for key in early[:5]]
    sends: Counter[int | None] = Counter(
        a.chat_id for a in bot.arrivals if a.method == "sendMessage" and a.ok and a.in_private
    )
    outbox: Counter[int | None] = Counter(
        row.chat_id for row in r.rows if row.status == "sent" and row.chat_id > 0
    )
    differ = [c for c in sends | outbox if sends[c] != outbox[c]]
    if differ:
        c = differ[0]
        found.append(
            f"private chats whose messages are not the outbox's sent ones: {len(differ)}, "
            f"e.g. {c}: {sends[c]} received, {outbox[c]} sent"
        )
    planned = {row.key for row in schedule}
    extra = Counter(f"{row.kind} {row.status}" for row in r.rows if row.key not in planned)
    if extra:
        found.append(
            "outbox rows not in the schedule: " + ", ".join(f"{k} {n}" for k, n in extra.items())
        )
    left = [row for row in r.rows if row.status in ("pending", "sending")]
    if left:
        overdue = Counter(row.kind for row in left if row.due_at <= r.ended)
        found.append(
            f"still queued at the end ({r.ended.astimezone(PARIS):%a %d %b %H:%M}): {len(left)}, "
            f"{sum(row.status == 'sending' for row in left)} of them being sent; overdue: "
            + ", ".join(f"{k} {n}" for k, n in overdue.items())
        )
    unmatched = [k for k, fate in bot.fates.items() if fate == "sent" and k not in bot.arrived]
    if unmatched:
        found.append(f"sent rows with no matching arrival at the emulator: {len(unmatched)}")
    posts = [
        a
        for a in bot.arrivals
        if a.in_group and a.method == "sendMessage" and a.ok and a.text.startswith("📌")
    ]
    if len(posts) > 1:
        found.append(f"the board was posted {len(posts)} times (rather than edited)")
    print(
        "Drops, by the outbox's own log: "
        + ", ".join(f"{kind} {n} x {why}" for (kind, why), n in sorted(r.drops.items()))
    )
    print("Checks:" if found else "Checks: nothing wrong found")
    for line in found:
        print(f"  - {line}")
    print()


def meaning(r: Report, floor_week: dict[str, float | None]) -> None:
    """Say what the speed does to Telegram's real-time limits, and what the real week needs."""
    schedule = r.setup.schedule
    group = [row for row in schedule if row.chat_id < 0]
    span = (max(row.due_at for row in schedule) - START).total_seconds()
    ran = r.end - r.line.real(START)

    def rehearsal(row: Row) -> float:
        return (row.due_at - START).total_seconds()

    peak_group = busiest((rehearsal(row) for row in group), 60.0)
    peak_all = busiest((rehearsal(row) for row in schedule), 1.0)
    week = [v for v in floor_week.values() if v is not None]

    def group_peak(speed: float) -> int:
        """Give the group's busiest real minute at this speed, if each went when due."""
        return busiest((rehearsal(row) for row in group), 60.0 * speed)

    fastest = max((s for s in TRIED_SPEEDS if group_peak(s) <= GROUP_PER_MINUTE), default=1)
    print(
        f"What speed {r.speed:g} means: 1 real s = {r.speed / 60:.0f} rehearsal min, so "
        f"Telegram's {PER_SECOND} messages/s become {PER_SECOND} per {r.speed / 60:.0f} "
        f"rehearsal min, and {GROUP_PER_MINUTE}/min in a group {GROUP_PER_MINUTE} per "
        f"{r.speed / 60:.0f} rehearsal h.\n"
        f"  The group's {len(group)} planned messages had {ran:.0f} real s: room for "
        f"{GROUP_PER_MINUTE * ran / 60:.0f} at most, so many are late or dropped whoever sends "
        f"them; in the real week the busiest minute plans {peak_group} group message(s). The "
        f"group keeps within {GROUP_PER_MINUTE} a real minute up to speed {fastest:g} of "
        f"{', '.join(f'{v:g}' for v in TRIED_SPEEDS)} (at 60, as the README rehearses: "
        f"{group_peak(60)} in the busiest real minute).\n"
        f"  Private: the busiest instant plans {peak_all} messages at once; at {PER_SECOND}/s "
        f"they take {peak_all / PER_SECOND:.0f} real s: "
        f"{peak_all / PER_SECOND * r.speed / 60:.0f} rehearsal min here, "
        f"{peak_all / PER_SECOND:.0f} s in the real week.\n"
        f"  The real week's floor (ideal sender, speed 1): lateness p99 "
        f"{percentile(week, 0.99):.1f} s, max {max(week):.1f} s, "
        f"{sum(v is None for v in floor_week.values())} dropped. "
        f"({span / 3600:.0f} rehearsal hours ran in {span / r.speed:.0f} real s.)"
    )
    print()


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.week", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--speed", type=float, default=SPEED, help=f"rehearsal speed ({SPEED:g})")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args().speed))
