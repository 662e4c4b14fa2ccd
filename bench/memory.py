"""Issue 13: the bot's memory through a week with 7,000 people and a 3,000-item programme.

    .venv/bin/python -m bench.memory [--people 7000] [--items 3000] [--updates 3000]
                                     [--speed 2400] [--seed 2026]

The real bot runs in a process of its own (as bench.soak starts it: `python -m bench.soak
--serve bot`, build_application and start_polling as run.py does) on a rehearsal clock
`--speed` times faster than real time, from Monday 07:00 to Saturday noon, against the Bot API
emulator (flood control on) in this process. Before the clock starts, the generated programme
(bench.questions' synthetic_programme) is imported and every person is registered with three
bookings each, written straight into the database; all of them started the bot, and all are in
the announcements group. The bot then plans and sends what it sends on its own (digests every
morning to everyone, reminders before each booked item, the group's board and announcements),
dropping what is stale at this speed, while `--updates` questions (/next, /today, plain words,
/search, /mine) from random people come in at random moments of the waking hours (08:00-23:00).

The figure is the bot process's resident memory (VmRSS) at the end of each rehearsal day and at
the end; the goal is at most 150 MB, and flat from day 2 (the growth from the end of Tuesday to
the end is printed as a percentage). The baseline is a bare echo bot (bench.common's
echo_application, `python -m bench.soak --serve echo`) in a process of its own, on an emulator
of its own, sent the same texts by the same people at the same moments: its RSS at the same
readings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import GROUP, PARIS, at, code_version, machine, print_table, register
from bench.questions import synthetic_programme
from bench.soak.processes import Child, load, rss_kb
from bench.soak.run import config_data, emulator
from bench.soak.settings import END, GO, START
from bot.app import build_services, startup
from bot.clock import FrozenClock, RehearsalClock
from bot.domain.booking import Status
from bot.domain.models import Participant
from bot.sandbox.emulator import BotApiEmulator
from storage import bookings as bookings_repo
from storage.db import Database

FIRST = 200_000
SIGN_UPS = 3
QUESTIONS = ("/next", "/today", "c'est quoi la suite ?", "/search kayak", "/mine")
AWAKE = (8, 23)
GOAL_MB = 150.0
DAYS = [at(24 + d, 0) for d in range(1, 6)]  # the ends of Monday to Friday (midnights)
SAMPLE_EVERY = 0.5  # real seconds between two readings of the bot's RSS
DRAIN = 30.0  # real seconds left to the bots to fetch what was sent to them


@dataclass(frozen=True)
class Reading:
    """The two processes' RSS (kB) at a moment of the week."""

    label: str
    bot_kb: int
    echo_kb: int


def people_of(count: int) -> list[Participant]:
    """Make the participants, French but one in five."""
    return [
        Participant(
            user_id=FIRST + n,
            first_name=f"Personne {n:04d}",
            last_name=None,
            username=None,
            language="en" if n % 5 == 0 else "fr",
        )
        for n in range(count)
    ]


async def prepare(config_path: Path, people: Sequence[Participant], seed: int) -> int:
    """Import the programme; register everyone with SIGN_UPS bookings each; give the bookings."""
    config = load(config_path)
    db = await Database.open(config.storage.database)
    try:
        services = build_services(config, FrozenClock(START - timedelta(hours=12)), db)
        await startup(services)
        programme = await services.programme.current()
        targets = [
            target
            for item in programme.workshops
            if (target := services.bookings.workshop_target(item)) is not None
        ]
        rng = random.Random(seed)
        taken: dict[str, int] = {}
        now = START - timedelta(days=1)
        async with db.transaction() as conn:
            await register(conn, people, now)
            for p in people:
                for target in rng.sample(targets, SIGN_UPS):
                    count = taken.get(target.id, 0)
                    status = Status.IN if count < target.places else Status.WAITING
                    taken[target.id] = count + 1
                    await bookings_repo.add(conn, target, p.user_id, status, now)
    finally:
        await db.close()
    return sum(taken.values())


def welcome(emu: BotApiEmulator, people: Sequence[Participant]) -> None:
    """Make everyone known to an emulator, started, and in the group."""
    for p in people:
        emu.cast.add_user(p.user_id, p.first_name, language_code=p.language)
        emu.world.users[p.user_id].started = True
    emu.cast.add_group(GROUP, "Bigre Rencontre 2026", members=[p.user_id for p in people])


def plan(
    people: Sequence[Participant], updates: int, rng: random.Random
) -> list[tuple[datetime, int, str]]:
    """Give `updates` questions at random waking moments of the week, in order of time."""
    days = [at(24 + d, 0) for d in range(6)]
    moments: list[datetime] = []
    while len(moments) < updates:
        day = rng.choice(days)
        moment = day + timedelta(seconds=rng.uniform(AWAKE[0] * 3600, AWAKE[1] * 3600))
        if START <= moment < END:
            moments.append(moment)
    moments.sort()
    return [(m, rng.choice(people).user_id, rng.choice(QUESTIONS)) for m in moments]


async def week(
    clock: RehearsalClock,
    emus: Sequence[BotApiEmulator],
    bot: Child,
    echo: Child,
    questions: Sequence[tuple[datetime, int, str]],
    top: Highest,
) -> list[Reading]:
    """Send each question to both bots at its moment; read both RSS at the end of each day."""
    readings: list[Reading] = []
    days = iter(DAYS)
    next_day = next(days, None)

    def read_to(moment: datetime) -> None:
        nonlocal next_day
        while next_day is not None and next_day <= moment:
            label = f"end of {(next_day - timedelta(days=1)):%A}"
            readings.append(Reading(label, rss_kb(bot.proc.pid), rss_kb(echo.proc.pid)))
            next_day = next(days, None)

    sampling = asyncio.create_task(top.watch(clock, bot))
    for moment, user, text in questions:
        read_to(moment)
        await asyncio.sleep(clock.seconds_until(moment))
        for emu in emus:
            await emu.people.send_text(user, text)
    await asyncio.sleep(clock.seconds_until(END))
    read_to(END)
    sampling.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sampling
    deadline = time.monotonic() + DRAIN
    while time.monotonic() < deadline:
        if not any(emu.pending_updates for emu in emus):
            break
        await asyncio.sleep(0.2)
    readings.append(Reading("end (Saturday noon)", rss_kb(bot.proc.pid), rss_kb(echo.proc.pid)))
    return readings


@dataclass
class Highest:
    """The highest RSS of the bot read every SAMPLE_EVERY seconds, and when (rehearsal time)."""

    kb: int = 0
    at: datetime | None = None

    async def watch(self, clock: RehearsalClock, bot: Child) -> None:
        """Read the bot's RSS until cancelled."""
        while True:
            kb = rss_kb(bot.proc.pid)
            if kb > self.kb:
                self.kb, self.at = kb, clock.now()
            await asyncio.sleep(SAMPLE_EVERY)


def hwm_kb(pid: int) -> int:
    """Give a process's peak resident memory so far (VmHWM, as ru_maxrss), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def mb(kb: float) -> str:
    """Format kB as MB."""
    return f"{kb / 1024:.1f} MB"


async def main(people_count: int, items: int, updates: int, speed: float, seed: int) -> int:
    """Run the week; print the readings, the growth and the ratio to the echo."""
    print(
        f"bench.memory: {people_count} people, a {items}-item programme, {updates} questions, "
        f"rehearsal speed {speed:g}, Monday 07:00 to Saturday noon"
    )
    print(machine())
    print(code_version())
    print("The bot and the echo each run in a process of their own; the emulators (the bot's")
    print("with flood control ON) and the driver in this one.\n")
    began = time.perf_counter()
    people = people_of(people_count)
    children: list[Child] = []
    emus = [await emulator(flood_control=True), await emulator(flood_control=False)]
    try:
        with tempfile.TemporaryDirectory(prefix="rencontre-memory-") as tmp:
            folder = Path(tmp)
            programme = folder / "programme.toml"
            programme.write_bytes(synthetic_programme(items, seed))
            paths = [folder / f"{name}.json" for name in ("bot", "echo")]
            for emu, path in zip(emus, paths, strict=True):
                data = config_data(emu, folder / "memory.sqlite3")
                data["event"]["programme"] = str(programme)
                path.write_text(json.dumps(data), "utf-8")
            prepared = time.perf_counter()
            bookings = await prepare(paths[0], people, seed)
            print(
                f"{people_count} people registered with {bookings} bookings, {items}-item "
                f"programme imported: {time.perf_counter() - prepared:.1f} s"
            )
            for emu in emus:
                welcome(emu, people)
            questions = plan(people, updates, random.Random(seed))
            for name, path in zip(("bot", "echo"), paths, strict=True):
                args = ["--serve", name, "--config", str(path), "--speed", str(speed)]
                children.append(await Child.start(name, args, folder / f"{name}.log"))
            bot, echo = children
            started = Reading("started", rss_kb(bot.proc.pid), rss_kb(echo.proc.pid))
            t0 = time.monotonic()
            clock = RehearsalClock(START, speed)
            for child in children:
                child.say(f"{GO}{t0}")
            top = Highest()
            readings = [started, *await week(clock, emus, bot, echo, questions, top)]
            peaks = [hwm_kb(child.proc.pid) for child in children]
            results = [await child.finish() for child in children]
            children.clear()
    finally:
        for child in children:
            with contextlib.suppress(Exception):
                await child.finish()
        for emu in emus:
            await emu.stop()
    bot_emu, echo_emu = emus
    handled = len(results[0].get("handled", []))
    sent = sum(1 for call in bot_emu.calls if call.method == "sendMessage" and call.ok)
    refused = sum(1 for call in bot_emu.calls if call.status == 429)
    echoed = sum(1 for call in echo_emu.calls if call.method == "sendMessage" and call.ok)
    print(
        f"Updates sent to each bot: {len(questions)}; the bot handled {handled} and sent "
        f"{sent} messages ({refused} x 429); the echo sent {echoed}\n"
    )
    rows = [
        [r.label, mb(r.bot_kb), mb(r.echo_kb), f"{r.bot_kb / r.echo_kb:.2f}x" if r.echo_kb else ""]
        for r in readings
    ]
    print_table(["reading", "bot RSS", "echo RSS", "ratio"], rows)
    peak = results[0].get("peak_kb", 0)
    final = readings[-1]
    when = f"{top.at.astimezone(PARIS):%a %H:%M}" if top.at else "-"
    print(
        f"Highest RSS read every {SAMPLE_EVERY:g} s through the week: {mb(top.kb)} ({when}); "
        + (
            "the peak below came before the first reading: during start-up"
            if top.kb < peak
            else "the peak below came during the week"
        )
    )
    tuesday = next((r for r in readings if r.label == "end of Tuesday"), None)
    print(
        f"Peak RSS (VmHWM) before stopping: bot {mb(peaks[0])}, echo {mb(peaks[1])} "
        f"({peaks[0] / max(peaks[1], 1):.2f}x)"
    )
    print()
    print(
        f"Bot peak RSS (ru_maxrss): {mb(peak)}; at the end {mb(final.bot_kb)} against the "
        f"echo's {mb(final.echo_kb)} ({final.bot_kb / max(final.echo_kb, 1):.2f}x); "
        f"goal <= {GOAL_MB:.0f} MB: {'met' if peak / 1024 <= GOAL_MB else 'NOT met'}"
    )
    if tuesday is not None:
        growth = (final.bot_kb - tuesday.bot_kb) / tuesday.bot_kb
        echo_growth = (final.echo_kb - tuesday.echo_kb) / max(tuesday.echo_kb, 1)
        print(
            f"Growth from the end of Tuesday to the end: bot {mb(final.bot_kb - tuesday.bot_kb)} "
            f"({growth:+.1%}); echo {mb(final.echo_kb - tuesday.echo_kb)} ({echo_growth:+.1%})"
        )
    logs = results[0].get("logs", {})
    print(
        f"Bot log: {logs or 'no warning, no error'}; whole run {time.perf_counter() - began:.0f} s"
    )
    return 1 if logs.get("ERROR") or logs.get("CRITICAL") else 0


def arguments() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--people", type=int, default=7000, help="participants (7000)")
    parser.add_argument("--items", type=int, default=3000, help="programme size (3000)")
    parser.add_argument("--updates", type=int, default=3000, help="questions over the week (3000)")
    parser.add_argument("--speed", type=float, default=2400.0, help="rehearsal speed (2400)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
    args = parser.parse_args()
    if args.people < 1 or args.items < 100 or args.updates < 0 or args.speed <= 0:
        parser.error("--people >= 1, --items >= 100, --updates >= 0 and --speed > 0")
    return args


if __name__ == "__main__":
    options = arguments()
    raise SystemExit(
        asyncio.run(
            main(options.people, options.items, options.updates, options.speed, options.seed)
        )
    )
