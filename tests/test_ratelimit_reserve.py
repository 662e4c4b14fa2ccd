"""The reserve: while people are being answered, bulk sends leave replies room (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ratelimit import (
    BULK,
    FOLLOW_UP,
    INTERACTIVE,
    REPLY_RECENT,
    RESERVE,
    SlidingWindowRateLimiter,
)
from tests.test_ratelimit import MARGIN, SECOND, STEP, FakeTime, Sends, most_in_a_window

IN_FLIGHT = 0.3  # how long a bulk send's request takes to come back


def limited(fake: FakeTime, reserve: int) -> Sends:
    limiter = SlidingWindowRateLimiter(
        margin=MARGIN, monotonic=fake.monotonic, sleep=fake.sleep, reserve=reserve
    )
    return Sends(limiter, fake)


async def busy_minute(fake: FakeTime, sends: Sends, replies: list[float]) -> dict[str, float]:
    """Run 300 bulk sends, slow to come back, and a reply at each moment of `replies`.

    Give how long each reply waited for its grant.
    """

    async def slow() -> dict[str, Any]:
        await fake.sleep(IN_FLIGHT)
        return {}

    asked: dict[str, float] = {}

    async def reply(label: str, at: float) -> None:
        await fake.sleep(at)
        asked[label] = fake.now
        await sends.send(label, chat_id=7)

    bulk = [
        sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK, answer=slow) for n in range(300)
    ]
    await fake.run(*bulk, *(reply(f"reply {n}", at) for n, at in enumerate(replies)))
    return {label: sends.times(label)[0] - at for label, at in asked.items()}


async def test_while_replies_flow_a_reply_never_waits_for_a_full_window() -> None:
    replies = [0.05 + 0.4 * n for n in range(20)]  # one every 0.4 s, through 8 s of bulk sends
    fake = FakeTime()
    sends = limited(fake, RESERVE)

    waits = await busy_minute(fake, sends, replies)

    # the window always had room left, and a reply is not spaced behind bulk sends
    assert max(waits.values()) == pytest.approx(0.0)
    assert most_in_a_window(sends.times(), SECOND) <= 30
    assert len(sends.times("bulk")) == 300


async def test_without_the_reserve_a_reply_waits_behind_bulk_sends_in_flight() -> None:
    replies = [0.05 + 0.4 * n for n in range(20)]
    fake = FakeTime()
    sends = limited(fake, 0)

    waits = await busy_minute(fake, sends, replies)

    assert max(waits.values()) > 3 * STEP  # what the reserve is for


async def test_with_nobody_answered_bulk_sends_have_the_whole_window() -> None:
    fake = FakeTime()
    sends = limited(fake, RESERVE)

    await fake.run(*(sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK) for n in range(90)))

    assert sends.times() == [pytest.approx(n * STEP) for n in range(90)]


async def test_the_reserve_lapses_once_nobody_was_answered_for_a_while() -> None:
    fake = FakeTime()
    sends = limited(fake, RESERVE)

    await fake.run(
        sends.send("reply", chat_id=7),
        *(sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK) for n in range(300)),
    )

    bulk = sends.times("bulk")
    kept = [t for t in bulk if t < REPLY_RECENT]
    after = [t for t in bulk if t >= REPLY_RECENT + SECOND]
    assert most_in_a_window(kept, SECOND) <= 30 - RESERVE
    assert most_in_a_window(after, SECOND) == 30


async def test_with_a_reserve_replies_are_not_spaced_but_stay_within_the_window() -> None:
    fake = FakeTime()
    sends = limited(fake, RESERVE)

    await fake.run(*(sends.send(f"reply {n}", chat_id=n + 1) for n in range(45)))

    # a whole window at once, then each as the one 30 before left the window
    assert sends.times()[:30] == [0.0] * 30
    assert sends.times()[30:] == [pytest.approx(SECOND)] * 15
    assert most_in_a_window(sends.times(), SECOND) == 30


async def test_follow_ups_go_after_waiting_replies_and_before_bulk_sends() -> None:
    """Past a full window, a reply asked last goes first, a follow-up next, bulk sends last."""
    fake = FakeTime()
    sends = limited(fake, RESERVE)

    async def later(label: str, priority: int) -> None:
        await fake.sleep(0.5)  # the window is full by then
        await sends.send(label, chat_id=5, priority=priority)

    await fake.run(
        *(sends.send(f"reply {n}", chat_id=n + 10) for n in range(30)),
        later("bulk", BULK),
        later("follow-up", FOLLOW_UP),
        later("late reply", INTERACTIVE),
    )

    assert sends.times("late reply") == [pytest.approx(SECOND)]
    assert sends.times("late reply") < sends.times("follow-up") < sends.times("bulk")


async def test_follow_ups_leave_the_reserve_to_replies() -> None:
    fake = FakeTime()
    sends = limited(fake, RESERVE)

    await fake.run(
        sends.send("reply", chat_id=7),
        *(sends.send(f"follow-up {n}", chat_id=1000 + n, priority=FOLLOW_UP) for n in range(60)),
    )

    kept = [t for t in sends.times("follow-up") if t < REPLY_RECENT]
    assert most_in_a_window([0.0, *kept], SECOND) <= 30 - RESERVE
