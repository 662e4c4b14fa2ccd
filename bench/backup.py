"""Issue 11: a backup of a soak-sized database while the bot writes, next to a plain file copy.

    .venv/bin/python -m bench.backup [--rounds 10]

The database is built with the real services, as bench.week builds its own: the sample week
(examples/bigre-2026.toml), 300 people registered, each signed up for 2 to 5 workshops and 7 in
10 for a rota slot, and the week's outbox planned (digests, reminders, announcements). The
inbox's updates are not in it: they have a file of their own since issue 13's seventh session
(storage/inbox.py), which a backup leaves out.

Then a writer plays the bot at its busiest: one connection, sign-ups and cancellations through
the booking service (each re-plans that person's reminders), one after the other, no pause.
While it writes, each round takes a backup as the bot and `run.py backup` do
(storage.backup.back_up_to, in a thread) and, as the baseline, copies the same database file
with shutil.copyfile (in a thread too), in turns. A plain copy is not a backup (it misses what
is still in the WAL, and may catch a page half-written): it is only the floor of what reading
and writing those bytes costs. Printed: the time of each (p50, max), the size, their ratio;
the writer's sign-ups a second and its longest one, alone and during each, to see whether a
backup holds the bot up; and whether each backup passes PRAGMA integrity_check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import GROUP, code_version, machine, ms, print_table, ratio
from bench.week import START, prepare
from bot.app import build_services
from bot.clock import FrozenClock
from bot.config import Config, parse_config
from bot.domain.booking import TargetKind, ref
from bot.domain.errors import DomainError
from bot.sandbox.harness import ROOT, SAMPLE_PROGRAMME
from storage.backup import back_up_to
from storage.db import Database

ROUNDS = 10
SEED = 2026
IDLE_SECONDS = 1.0


@dataclass
class Writes:
    """The writer's operations: when each began and ended (time.perf_counter)."""

    spans: list[tuple[float, float]] = field(default_factory=list)

    def ended(self, start: float, end: float) -> int:
        """Count the operations that ended in a window."""
        return sum(1 for _, b in self.spans if start <= b <= end)

    def longest(self, start: float, end: float) -> float:
        """Give the longest operation (s) that was under way at some time in a window."""
        return max((b - a for a, b in self.spans if a <= end and b >= start), default=0.0)


def bench_config(database: Path) -> Config:
    """Give the config of the bot whose database is measured (no Telegram needed)."""
    data = {
        "telegram": {"token": "1:bench"},
        "event": {
            "name": "La Bigre Rencontre 2026",
            "programme": str(SAMPLE_PROGRAMME),
            "announce_chat_id": GROUP,
        },
        "storage": {"database": str(database)},
    }
    return parse_config(data, "<bench>", ROOT, environ={})


async def writer(config: Config, writes: Writes, stop: asyncio.Event, rng: random.Random) -> None:
    """Sign people up and cancel, one after the other, until told to stop."""
    db = await Database.open(config.storage.database)
    try:
        services = build_services(config, FrozenClock(START), db)
        programme = await services.programme.current()
        workshops = [w.id for w in programme.workshops if w.capacity is not None]
        async with db.read() as conn, conn.execute("SELECT user_id FROM participant") as cursor:
            people = [int(row[0]) for row in await cursor.fetchall()]
        booked: set[tuple[int, str]] = set()
        while not stop.is_set():
            person, item = rng.choice(people), rng.choice(workshops)
            began = time.perf_counter()
            try:
                if (person, item) in booked:
                    await services.bookings.cancel(person, TargetKind.WORKSHOP, ref(item))
                    booked.discard((person, item))
                else:
                    await services.bookings.sign_up(person, TargetKind.WORKSHOP, ref(item))
                    booked.add((person, item))
            except DomainError:
                pass
            writes.spans.append((began, time.perf_counter()))
        await services.bookings.drain()
    finally:
        await db.close()


def copy_synced(source: Path, target: Path) -> None:
    """Copy a file and wait until it is on disk (the backup syncs its file too)."""
    shutil.copyfile(source, target)
    with target.open("rb+") as f:
        os.fsync(f.fileno())


def integrity(path: Path) -> str:
    """Give what PRAGMA integrity_check says of a file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def counts(path: Path) -> dict[str, int]:
    """Count the rows of the tables that grow."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = ("participant", "workshop", "booking", "outbox")
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}
    finally:
        conn.close()


@dataclass
class Phase:
    """One kind of measured step: its times, and what the writer did during them."""

    name: str
    seconds: list[float] = field(default_factory=list)
    ops: int = 0
    longest: float = 0.0

    def row(self) -> list[str]:
        """Give the phase's line of the table."""
        rate = self.ops / sum(self.seconds)
        return [
            self.name,
            ms(statistics.median(self.seconds)),
            ms(max(self.seconds)),
            f"{rate:.0f}/s",
            ms(self.longest),
        ]


async def measure(phase: Phase, writes: Writes, step: Callable[[], Awaitable[None]]) -> None:
    """Time one step, and what the writer did meanwhile."""
    start = time.perf_counter()
    await step()
    end = time.perf_counter()
    phase.seconds.append(end - start)
    phase.ops += writes.ended(start, end)
    phase.longest = max(phase.longest, writes.longest(start, end))


async def main(rounds: int) -> int:
    """Build the database, then back it up and copy it in turns while the writer writes."""
    print(f"bench.backup: {rounds} backups and {rounds} plain copies while the bot writes")
    print(machine())
    print(code_version())
    print()
    with tempfile.TemporaryDirectory(prefix="rencontre-backup-") as tmp:
        folder = Path(tmp)
        database = folder / "rencontre.sqlite3"
        config = bench_config(database)
        began = time.perf_counter()
        setup = await prepare(config, random.Random(SEED))
        db = await Database.open(database)
        await db.close()  # folds the log in: the database is one file
        built = counts(database)
        print(
            f"database: {database.stat().st_size / 1e6:.1f} MB, built in "
            f"{time.perf_counter() - began:.0f} s: "
            + ", ".join(f"{n:,} {t}" for t, n in built.items())
            + f" ({len(setup.schedule):,} planned messages)"
        )

        writes = Writes()
        stop = asyncio.Event()
        task = asyncio.create_task(writer(config, writes, stop, random.Random(SEED + 1)))
        backup, copy = Phase("backup (online API)"), Phase("plain copy")
        synced, idle = Phase("plain copy + fsync"), Phase("nothing (writer alone)")
        sizes: list[int] = []
        checks: list[str] = []
        try:
            await asyncio.sleep(IDLE_SECONDS)  # the writer gets going
            for n in range(rounds):
                target = folder / f"backup-{n}.sqlite3"
                plain = folder / f"copy-{n}.sqlite3"

                async def take(target: Path = target) -> None:
                    made = await asyncio.to_thread(back_up_to, database, target)
                    sizes.append(made.size)

                async def duplicate(plain: Path = plain) -> None:
                    await asyncio.to_thread(shutil.copyfile, database, plain)

                async def duplicate_synced(plain: Path = plain) -> None:
                    await asyncio.to_thread(copy_synced, database, plain)

                async def rest() -> None:
                    await asyncio.sleep(statistics.median(backup.seconds or [0.1]))

                await measure(backup, writes, take)
                await measure(copy, writes, duplicate)
                await measure(synced, writes, duplicate_synced)
                await measure(idle, writes, rest)
                checks.append(integrity(target))
                target.unlink()
                plain.unlink()
        finally:
            stop.set()
            await task
        after = counts(database)

    writes_total = len(writes.spans)
    print(
        f"writer: {writes_total:,} sign-ups and cancellations during the run; "
        f"{after['booking'] - built['booking']:+,} bookings, "
        f"{after['outbox'] - built['outbox']:+,} outbox rows"
    )
    print()
    headers = ["step", "time p50", "time max", "writer ops/s", "writer's longest op"]
    print_table(headers, [phase.row() for phase in (backup, copy, synced, idle)])
    p50 = {phase.name: statistics.median(phase.seconds) for phase in (backup, copy, synced)}
    print(
        f"backup / plain copy, p50: {ratio(p50[backup.name], p50[copy.name])}; "
        f"backup / plain copy + fsync: {ratio(p50[backup.name], p50[synced.name])}; "
        f"backup size {statistics.median(sizes) / 1e6:.1f} MB (p50); "
        f"integrity_check: {checks.count('ok')} of {len(checks)} ok"
    )
    return 0 if checks.count("ok") == len(checks) else 1


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__)
    p.add_argument("--rounds", type=int, default=ROUNDS)
    return p.parse_args()


if __name__ == "__main__":
    args = parse_args()
    raise SystemExit(asyncio.run(main(args.rounds)))
