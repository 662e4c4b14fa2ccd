"""The first morning at a speed where the digests' window means something (--morning).

    .venv/bin/python -m bench.soak --morning [--speed 60] [--people 300] [--seed 2026]

At the soak's speed (2400) the digests' window (`announcements.digest_window_minutes`, 20
rehearsal minutes) lasts half a real second, and 300 digests need 10 s at Telegram's 30 a
second: no sender can keep them in it. Here the same set-up (the bot, the two echoes, each in
a process of its own; the soak's people, registered and signed up) runs from Monday 07:50 to
08:35 only, at `--speed` 60 by default: the window then lasts 20 real seconds. While the
digests go out, people ask /next (to the echoes too), at random moments from 07:55 to 08:25.

Printed: when each digest was due and sent, against its window; the answers' times, against
the echo with the same rate limiter, while the digests went out.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from bench.common import PARIS, at, ms, percentile, print_table, ratio
from bench.soak.driver import Driver
from bench.soak.report import echo_latencies
from bench.soak.run import rehearsal
from bot.domain import planning
from storage import outbox as outbox_repo

BEGIN = at(24, 7, 50)
FINISH = at(24, 8, 35)
ASKING = (at(24, 7, 55), at(24, 8, 25))
ASKERS = 120
MORNING_SPEED = 60.0


async def morning(speed: float, count: int, seed: int) -> int:
    """Run the first morning; print the digests' lateness and the answers' times."""
    rng = random.Random(seed)
    async with rehearsal("rencontre-morning-", count, rng, speed, BEGIN, False) as r:
        driver, clock = r.driver, r.clock
        span = (ASKING[1] - ASKING[0]).total_seconds()
        asks = sorted(
            (ASKING[0] + timedelta(seconds=rng.uniform(0, span)), p.user_id)
            for p in rng.sample([p for p in r.people if p.registered], ASKERS)
        )
        tasks = []
        for when, user in asks:
            await asyncio.sleep(clock.seconds_until(when))
            tasks.append(asyncio.create_task(driver.say(user, "/next", "/next")))
        await asyncio.gather(*tasks)
        await asyncio.sleep(clock.seconds_until(FINISH))
        for child in r.children:
            await child.finish()
        r.children.clear()
        async with r.db.read() as conn:
            rows = await outbox_repo.rows(conn, kinds=[planning.DIGEST])
        stamps = r.stamps
    return report(speed, rows, driver, [s.arrivals() for s in stamps])


def report(
    speed: float,
    rows: list[outbox_repo.Row],
    driver: Driver,
    arrivals: list[list[Any]],
) -> int:
    """Print the digests' lateness and the answers' times; give the exit status."""
    monday = [r for r in rows if r.due_at.astimezone(PARIS).date() == BEGIN.date()]
    if not monday:
        print("No digest was due on Monday morning")
        return 1
    first, end = min(r.due_at for r in monday), max(r.due_at for r in monday)
    sent = [r for r in monday if r.status == "sent" and r.sent_at is not None]
    late = [(r.sent_at - r.due_at).total_seconds() / speed for r in sent if r.sent_at]
    after_end = [(r.sent_at - end).total_seconds() / speed for r in sent if r.sent_at]
    statuses = sorted({r.status for r in monday})
    print(
        f"Monday's digests: {len(monday)} due from {first.astimezone(PARIS):%H:%M:%S} to "
        f"{end.astimezone(PARIS):%H:%M:%S} (the window: {(end - first).total_seconds() / speed:.1f}"
        f" real s at speed {speed:g}); "
        + ", ".join(f"{s} {sum(1 for r in monday if r.status == s)}" for s in statuses)
    )
    if late:
        print(
            f"sent after their own due time, real s: p50 {percentile(late, 0.5):.2f}, p99 "
            f"{percentile(late, 0.99):.2f}, max {max(late):.2f}; sent after the window's end: "
            f"{sum(1 for x in after_end if x > 0)} (latest {max(after_end):+.2f} s)"
        )
    bot = arrivals[0]
    arrived = {(a.chat_id, a.message_id): a for a in bot if a.method == "sendMessage" and a.ok}
    latency = {
        n: arrived[(q.user, q.answer)].at - q.sent[0]
        for n, q in enumerate(driver.asked)
        if q.answer is not None and (q.user, q.answer) in arrived
    }
    paced = echo_latencies(driver.asked, arrivals[2], 2)
    mine, theirs = list(latency.values()), list(paced.values())
    if mine and theirs:
        b50, b99 = percentile(mine, 0.5), percentile(mine, 0.99)
        l50, l99 = percentile(theirs, 0.5), percentile(theirs, 0.99)
        print(f"/next asked {len(driver.asked)} times from 07:55 to 08:25 (the digests going out)")
        print_table(
            ["answers", "n", "bot p50", "bot p99", "echo+lim p50", "echo+lim p99", "p99 x"],
            [["/next", str(len(mine)), ms(b50), ms(b99), ms(l50), ms(l99), ratio(b99, l99)]],
        )
    unanswered = len(driver.unanswered) + len(driver.failures)
    if unanswered:
        print(f"not answered, or the driver failed: {unanswered}")
    return 1 if unanswered or not sent else 0
