"""Issue 6: a broadcast to 7,000 people through the emulator with flood control on.

The baseline is the physical floor Telegram's limit sets: 7,000 messages at 30 a second take
233.3 s. The figure is the broadcast's total time as a ratio to that floor (goal: at most 1.05),
and the number of 429 answers (goal: 0). The kill-and-resume figures (duplicates and losses)
come from a second run, smaller, with the bot in a subprocess killed with SIGKILL mid-way.

What may slow a run is printed with it: the load average at its start and end (the machine is
shared), how late a 5 ms sleep in the event loop everything shares woke up (bench.common's
LoopLag: the loop held by the bot or the emulator, or the process not run), the CPU time the
process used against the elapsed time, the seconds in which fewer than 27 messages arrived, and
the requests' round trips (the rate limiter counts each window of 30 from an answer, so each
window costs 1 s, its margin and a round trip).

    .venv/bin/python -m bench.broadcast            # 7,000 recipients, about 4 minutes
    .venv/bin/python -m bench.broadcast 2000       # a shorter run
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import LoopLag, code_version, machine
from bot.clock import FrozenClock
from bot.domain.audience import AudienceKind
from bot.ratelimit import MARGIN
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.services.broadcasts import Audience
from storage import participants as participants_repo

ORGANISER = 9001
FIRST = 100_000
RATE = 30.0
WINDOW = int(os.environ.get("BENCH_WINDOW", "4"))
TEXT = "Rappel : la plage est surveillée de 11 h à 19 h. Bonne baignade !"
SLOW_SECOND = 27  # messages: a second with fewer (but the last) was not at Telegram's pace
STALL = 0.050  # seconds: a wake-up of the loop-lag probe later than this is a stall


def load_average() -> str:
    """Give the machine's load averages over 1, 5 and 15 minutes."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """Give the CPU time this process used (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_requests(bot: Harness) -> list[float]:
    """Time each request of the bot's (not getUpdates) from when it leaves to its answer."""
    request = bot.app.bot._request[1]
    original = request.do_request
    trips: list[float] = []

    async def timed(*args: Any, **kwargs: Any) -> tuple[int, bytes]:
        began = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            trips.append(time.perf_counter() - began)

    request.do_request = timed  # type: ignore[method-assign]
    return trips


def per_second(samples: list[tuple[float, int]], began: float) -> list[int]:
    """Give how many messages arrived in each whole second, from (moment, count so far)."""
    out: list[int] = []
    last = 0
    for moment, count in samples:
        second = int(moment - began)
        while len(out) <= second:
            out.append(0)
        out[second] += count - last
        last = count
    return out


async def register(bot: Harness, emu: BotApiEmulator, people: int) -> list[int]:
    """Register `people` participants who started the bot, straight into the database."""
    users = list(range(FIRST, FIRST + people))
    now = bot.clock.now()
    async with bot.db.transaction() as conn:
        for user in users:
            emu.cast.add_user(user, f"Personne {user - FIRST:04d}", language_code="fr")
            emu.world.users[user].started = True
            await participants_repo.upsert(
                conn,
                user_id=user,
                first_name=f"Personne {user - FIRST:04d}",
                last_name=None,
                username=None,
                language="fr",
                now=now,
            )
    return users


async def run(people: int) -> None:
    """Broadcast to everyone and time it against the floor."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"bench.broadcast: {people} registered people and the organiser")
    print(machine())
    print(code_version())
    print("Emulator flood control is ON: at most 30 messages in any second, 429 otherwise.\n")
    emu = BotApiEmulator(flood_control=True)
    await emu.start()
    emu.cast.add_user(ORGANISER, "Oriane", language_code="fr")
    emu.world.users[ORGANISER].started = True
    clock = FrozenClock(datetime(2026, 8, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris")))
    with tempfile.TemporaryDirectory() as tmp:
        config = local_config(
            emu,
            Path(tmp) / "bench.sqlite3",
            event={"organisers": [ORGANISER]},
            extra={"announcements": {"enabled": False}, "delivery": {"window": WINDOW}},
        )
        try:
            async with Harness.running(emu, config, clock) as bot:
                await bot.say(ORGANISER, "/start")
                await register(bot, emu, people)
                trips = timed_requests(bot)
                loads = [load_average()]
                began = time.perf_counter()
                cpu = cpu_seconds()
                sent_calls = len(emu.observer.calls_to("sendMessage"))
                samples: list[tuple[float, int]] = []
                with LoopLag() as probe:
                    probe.phase = "broadcast"
                    broadcast = await bot.services.broadcasts.send(
                        ORGANISER, TEXT, Audience(AudienceKind.ALL)
                    )
                    while True:  # the outbox's counts, read four times a second
                        counts = await bot.services.broadcasts.counts(broadcast.id)
                        done = len(emu.observer.calls_to("sendMessage")) - sent_calls
                        samples.append((time.perf_counter(), done))
                        if counts.done:
                            break
                        await asyncio.sleep(0.25)
                took = time.perf_counter() - began
                used = cpu_seconds() - cpu
                loads.append(load_average())
                calls = emu.observer.calls_to("sendMessage")[sent_calls:]
        finally:
            await emu.stop()
    refused = sum(1 for c in calls if c.status == 429)
    # The broadcast's own messages: the organiser's report may land before the last count
    delivered = [c for c in calls if c.status == 200 and TEXT in str(c.params.get("text"))]
    to = [str(c.params.get("chat_id")) for c in delivered]
    twice = len(to) - len(set(to))
    others = len(calls) - refused - len(delivered)
    recipients = counts.total
    floor = recipients / RATE
    print(
        f"recipients: {recipients} (sent {counts.sent}, unreachable {counts.unreachable}, "
        f"failed {counts.failed})"
    )
    print(
        f"total time: {took:.1f} s; floor {recipients} / {RATE:.0f} per s = {floor:.1f} s; "
        f"ratio {took / floor:.3f} (goal <= 1.05)"
    )
    print(
        f"429 answers received: {refused} (goal 0); sent twice: {twice}; "
        f"sendMessage calls: {len(calls)} ({others} other than the broadcast: its report)"
    )
    late = sorted(probe.late["broadcast"])
    stalls = [x for x in late if x > STALL]
    seconds = per_second(samples, began)[:-1]  # the last second is not a whole one
    slow = [n for n in seconds if n < SLOW_SECOND]
    print(
        f"load average (1 / 5 / 15 min): {loads[0]} at the start, {loads[1]} at the end; "
        f"CPU used by this process: {used:.1f} s in {took:.1f} s ({used / took:.0%})"
    )
    print(
        f"event loop (a 5 ms sleep, {len(late)} wake-ups): late by {late[len(late) // 2] * 1e3:.1f}"
        f" ms at p50, {late[int(len(late) * 0.99)] * 1e3:.1f} ms at p99, {late[-1] * 1e3:.0f} ms"
        f" at worst; {len(stalls)} stalls over {STALL * 1e3:.0f} ms, {sum(stalls):.1f} s in all"
    )
    trips.sort()
    mean = sum(trips) / max(len(trips), 1)
    paced = recipients / RATE * (1 + MARGIN + mean)
    print(
        f"requests, from leaving to their answer: mean {mean * 1e3:.1f} ms, p50 "
        f"{trips[len(trips) // 2] * 1e3:.1f} ms, p99 {trips[int(len(trips) * 0.99)] * 1e3:.1f} ms;"
        f" the limiter counts each window of 30 from an answer, plus {MARGIN * 1e3:.0f} ms: "
        f"{recipients} / 30 x (1 s + {MARGIN * 1e3:.0f} ms + the mean) = {paced:.1f} s "
        f"({paced / floor:.3f} x the floor)"
    )
    collections = probe.collections["broadcast"]
    print(
        f"garbage collections: {len(collections)}, {sum(collections):.1f} s in all, the longest "
        f"{max(collections, default=0) * 1e3:.0f} ms; stalls over {STALL * 1e3:.0f} ms that "
        f"came with one: {sum(1 for c in collections if c > STALL)}"
    )
    print(
        f"seconds with fewer than {SLOW_SECOND} messages: {len(slow)} of {len(seconds)}, "
        f"{sum(30 - n for n in slow)} messages short of 30 a second"
    )


def main() -> None:
    """Run the benchmark."""
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 7000
    asyncio.run(run(people))


if __name__ == "__main__":
    main()
