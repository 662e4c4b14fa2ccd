"""One run: the set-up before the week, the week on the bot and the echoes, what it gathered."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import GROUP, PARIS, Arrival, RandomSignUps, Stamps, register
from bench.soak.checks import booking_faults, overlapping
from bench.soak.driver import Driver
from bench.soak.people import Person, Session, people_of, plan
from bench.soak.processes import Child, LogTally, cpu_seconds, load, rss_kb, tally_logs
from bench.soak.settings import (
    BOOKED_EACH,
    END,
    GO,
    GRACE,
    ORGANISATIONS,
    ORGANISERS,
    RECORDED,
    ROTA_SHARE,
    SAMPLE_EVERY,
    START,
)
from bot.app import build_services, startup
from bot.clock import FrozenClock, RehearsalClock
from bot.config import Config
from bot.events import BookingsChanged
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import SAMPLE_PROGRAMME
from bot.sandbox.records import Call
from storage import bookings as bookings_repo
from storage import broadcasts as broadcasts_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage import programme as programme_repo
from storage.db import Database
from storage.outbox import Row


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
        registered = [p for p in people if p.registered]
        async with db.transaction() as conn:
            await register(conn, [p.participant for p in registered], START - timedelta(days=1))
            for p in registered:
                await participants_repo.set_organisation(conn, p.user_id, rng.choice(ORGANISATIONS))
        services.roles.forget()
        services.events.clear(BookingsChanged)  # the bot plans everyone when it starts
        signups = RandomSignUps(services.bookings, programme, rng, BOOKED_EACH, ROTA_SHARE)
        for p in people:
            p.runs = tuple(
                w.id
                for w in programme.workshops
                if p.username
                and any((f.telegram or "").lstrip("@") == p.username for f in w.facilitators)
            )
            if p.registered:
                await signups.sign_up(p.user_id)
        await services.bookings.drain()
    finally:
        await db.close()
    return people, signups.outcomes


async def emulator(*, flood_control: bool) -> BotApiEmulator:
    """Start an emulator."""
    emu = BotApiEmulator(flood_control=flood_control)
    await emu.start()
    return emu


def welcome(emu: BotApiEmulator, people: Sequence[Person]) -> None:
    """Make the people (started if registered), the organisers and the group known."""
    for p in people:
        emu.cast.add_user(p.user_id, p.name, username=p.username, language_code=p.lang)
        emu.world.users[p.user_id].started = p.registered
    for user in ORGANISERS:
        emu.cast.add_user(user, f"Orga {user}", language_code="fr")
        emu.world.users[user].started = True
    emu.cast.add_group(GROUP, "Bigre Rencontre 2026", members=[p.user_id for p in people])


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


@dataclass
class Rehearsal:
    """The bot and the two echoes started as processes, each on its emulator, on one database."""

    emu: BotApiEmulator
    """The bot's emulator (flood control on)."""
    emus: list[BotApiEmulator]
    """The bot's, the bare echo's, the limited echo's."""
    config: Config
    people: list[Person]
    setup: Counter[str]
    stamps: list[Stamps]
    children: list[Child]
    """The bot's process first; cleared once they finished."""
    db: Database
    clock: RehearsalClock
    driver: Driver
    t0: float
    close: timedelta
    """How long after an item starts sign-ups stay open."""


@contextlib.asynccontextmanager
async def rehearsal(
    prefix: str, count: int, rng: random.Random, speed: float, start: datetime, stages: bool
) -> AsyncIterator[Rehearsal]:
    """Prepare the people, start the bot and the echoes at `start`, go; stop them all at the end."""
    emus = [await emulator(flood_control=flood) for flood in (True, False, True)]
    children: list[Child] = []
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            folder = Path(tmp)
            paths = [folder / f"{name}.json" for name in ("bot", "echo", "echo-limited")]
            for e, path in zip(emus, paths, strict=True):
                path.write_text(json.dumps(config_data(e, folder / "soak.sqlite3")), "utf-8")
            config = load(paths[0])
            people, setup = await prepare(config, count, rng)
            for e in emus:
                welcome(e, people)
            stamps = [Stamps(e, RECORDED) for e in emus]
            for name, path in zip(("bot", "echo", "echo-limited"), paths, strict=True):
                args = ["--serve", name, "--config", str(path), "--speed", str(speed)]
                args += ["--start", start.isoformat()]
                if stages and name == "bot":
                    args.append("--stages")
                children.append(await Child.start(name, args, folder / f"{name}.log"))
            db = await Database.open(config.storage.database, migrate=False)
            try:
                t0 = time.monotonic()
                clock = RehearsalClock(start, speed)
                for child in children:
                    child.say(f"{GO}{t0}")
                close = timedelta(minutes=config.signups.close_after_start_minutes)
                driver = Driver(emus[0], emus[1:], clock, db, people, rng, close)
                yield Rehearsal(
                    emus[0],
                    emus,
                    config,
                    people,
                    setup,
                    stamps,
                    children,
                    db,
                    clock,
                    driver,
                    t0,
                    close,
                )
            finally:
                await db.close()
    finally:
        for child in children:
            with contextlib.suppress(Exception):
                await child.finish()
        for e in emus:
            await e.stop()


async def soak(speed: float, count: int, seed: int, rate: float, stages: bool = False) -> Run:
    """Run the week on the bot, the echoes mirroring its texts; gather what happened."""
    own = tally_logs()
    began = time.perf_counter()
    rng = random.Random(seed)
    async with rehearsal("rencontre-soak-", count, rng, speed, START, stages) as r:
        people, driver, clock, db, children = r.people, r.driver, r.clock, r.db, r.children
        late = {p.user_id for p in people if not p.registered}
        sessions = plan(people, rate, rng)
        samples: list[Sample] = []
        sampling = asyncio.create_task(sample(children[0], r.emu, clock, samples))
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
        driver.checks.append((clock.now(), booking_faults(programme, everything, None, r.close)))
        arrivals = [s.arrivals() for s in r.stamps]
        emu = r.emu
    return Run(
        speed=speed,
        rate=rate,
        people=people,
        late=late,
        setup=r.setup,
        driver=driver,
        sessions=sessions,
        t0=r.t0,
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
