"""Limiter parts a mutant showed no other test pinned down (QUALITY.md)."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.rate_window import Send, Window
from bot.ratelimit import (
    _LATE_KEPT,
    BULK,
    INTERACTIVE,
    REPLY_RECENT,
    SlidingWindowRateLimiter,
    Turn,
    surely_not_taken,
)
from bot.telegram_calls import group_of
from tests.test_ratelimit import (
    GROUP,
    MARGIN,
    MINUTE,
    OTHER_GROUP,
    SECOND,
    FakeTime,
    Sends,
    retry_after,
)


def sent(end: float | None) -> Send:
    send = Send()
    send.end = end
    return send


def test_a_group_window_expires_once_every_send_came_back_and_left_it() -> None:
    window = Window(limit=20, span=60.0)
    assert window.expired(0.0)  # nothing in it
    window.add(sent(10.0))
    window.add(sent(None))  # still on its way
    assert not window.expired(1e9)
    window.sends[1].end = 30.0
    assert not window.expired(89.9)
    assert window.expired(90.0)  # the last one came back exactly a window ago


def test_a_forgotten_send_still_holds_the_window_until_it_left() -> None:
    window = Window(limit=2, span=60.0)
    for end in (50.0, 20.0, 25.0):
        window.add(sent(end))
    assert window.free_at() == 110.0  # the first two are forgotten, the latest end kept
    assert len(window.sends) == 1
    assert not window.expired(85.0)  # the one kept left; a forgotten one has not
    assert window.expired(110.0)
    assert not math.isinf(window.settled)


def test_a_refused_call_reached_telegram_even_with_a_connection_error_behind_it() -> None:
    # Both callers look at BadRequest first, so only this test holds the function to its word
    refused = BadRequest("message is too long")
    refused.__cause__ = httpx.ConnectError("refused", request=httpx.Request("POST", "http://x/"))
    assert not surely_not_taken(refused)


def test_chat_zero_is_no_group() -> None:
    """Groups have negative ids, people positive ones; 0 names neither (no group window)."""
    assert group_of(0) is None
    assert group_of("0") is None
    assert group_of(-1) == -1
    assert group_of("-100123") == -100123
    assert group_of(1) is None
    assert group_of("@channel") == "@channel"


async def test_limits_that_allow_nothing_or_go_negative_are_refused() -> None:
    nothing = "^the limits must allow at least one message per window$"
    for limits in ({"overall_per_second": 0}, {"group_per_minute": 0}):
        with pytest.raises(ValueError, match=nothing):
            SlidingWindowRateLimiter(**limits)  # type: ignore[arg-type]
    negative = "^margin, max_retries and spacing cannot be negative$"
    for values in ({"margin": -0.1}, {"max_retries": -1}, {"spacing": -1.0}):
        with pytest.raises(ValueError, match=negative):
            SlidingWindowRateLimiter(**values)
    # the least allowed: one message a window, no margin, no retry, bursts
    least = SlidingWindowRateLimiter(1, 1, margin=0, max_retries=0, spacing=0)
    assert least.waiting == 0
    with pytest.raises(ValueError, match=r"^the reserve cannot be negative$"):
        SlidingWindowRateLimiter(reserve=-1)
    # the reserve asked for is kept as asked (a baseline's limiter copies it), even past the window
    assert SlidingWindowRateLimiter(reserve=4).reserve == 4
    assert SlidingWindowRateLimiter(3, reserve=5).reserve == 5


async def test_a_reserve_as_large_as_the_window_still_leaves_bulk_sends_one_place() -> None:
    """Reserve 5 of 3 a second: while people are answered, bulk sends go one a window."""
    fake = FakeTime()
    limiter = SlidingWindowRateLimiter(
        3, margin=MARGIN, monotonic=fake.monotonic, sleep=fake.sleep, spacing=0, reserve=5
    )
    sends = Sends(limiter, fake)

    await fake.run(
        sends.send("reply", chat_id=7),
        *(sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK) for n in range(4)),
    )

    # the reply at 0; the first bulk send once the reply left the window (two places kept free,
    # not three: none would ever go, nor one: it would go at once); the whole window again
    # once nobody was answered for REPLY_RECENT, then the fourth as the first leaves
    assert sends.times("reply") == [0.0]
    expected = [SECOND, REPLY_RECENT, REPLY_RECENT, 2 * SECOND]
    assert sends.times("bulk") == [pytest.approx(t) for t in expected]


async def test_the_first_bulk_send_once_the_reserve_lapses_is_stamped_as_a_late_one() -> None:
    """Held past its spacing by the reserve, it goes when the reserve lapses (REPLY_RECENT after
    the reply, the reserve no longer applies at that very moment) and counts as woken late: its
    stamp, from which the next send is spaced, is _LATE_KEPT earlier."""
    fake = FakeTime()
    limiter = SlidingWindowRateLimiter(
        3, margin=MARGIN, monotonic=fake.monotonic, sleep=fake.sleep, reserve=5
    )
    sends = Sends(limiter, fake)

    await fake.run(
        sends.send("reply", chat_id=7),
        *(sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK) for n in range(3)),
    )

    spacing = SECOND / 3
    expected = [SECOND, REPLY_RECENT, REPLY_RECENT - _LATE_KEPT + spacing]
    assert sends.times("bulk") == [pytest.approx(t) for t in expected]


async def _no_wait(_: float) -> None:
    return None


async def test_a_call_that_is_no_message_goes_at_once_with_its_own_retry_rules() -> None:
    limiter = SlidingWindowRateLimiter(sleep=_no_wait)
    granted: list[str] = []
    calls: list[str] = []

    async def answer(name: str) -> dict[str, Any]:
        calls.append(name)
        return {"name": name}

    turn = Turn(on_grant=lambda: granted.append("grant"))
    assert await limiter.process_request(answer, ("me",), {}, "getMe", {}, turn) == {"name": "me"}
    assert (calls, granted) == (["me"], ["grant"])

    async def times_out(name: str) -> dict[str, Any]:
        calls.append(name)
        raise TimedOut()

    # getUpdates is never tried again here (the poller does), nor a bulk send that may have
    # arrived; an interactive call without a chat is
    for endpoint, priority, tries in (
        ("getUpdates", INTERACTIVE, 1),
        ("sendMessage", BULK, 1),
        ("sendMessage", INTERACTIVE, 3),
    ):
        calls.clear()
        with pytest.raises(TimedOut):
            await limiter.process_request(times_out, ("x",), {}, endpoint, {}, priority)
        assert len(calls) == tries, (endpoint, priority, calls)


async def test_a_refused_call_is_told_to_on_failure_with_its_endpoint() -> None:
    limiter = SlidingWindowRateLimiter(sleep=_no_wait)
    told: list[tuple[str, str]] = []
    limiter.on_failure = lambda endpoint, error: told.append((endpoint, error))

    async def refused() -> dict[str, Any]:
        raise BadRequest("Chat not found")

    with pytest.raises(BadRequest):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert told == [("sendMessage", "Chat not found")]
    # refused is refused: not tried again, even as a reply to a person
    calls = 0

    async def refused_again() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise BadRequest("Chat not found")

    with pytest.raises(BadRequest):
        await limiter.process_request(refused_again, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert calls == 1


async def test_the_call_gets_its_arguments_and_keywords() -> None:
    """PTB passes the timeouts as keywords: they reach the request, limited or not."""
    limiter = SlidingWindowRateLimiter(sleep=_no_wait)
    got: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    async def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        got.append((args, kwargs))
        return {}

    data = {"chat_id": 5, "text": "hi"}
    keywords = {"read_timeout": 7.0}
    for endpoint, priority in (("sendMessage", BULK), ("getMe", INTERACTIVE)):
        await limiter.process_request(call, (endpoint, data), keywords, endpoint, data, priority)
    assert got == [(("sendMessage", data), keywords), (("getMe", data), keywords)]


def _limiter(fake: FakeTime, **limits: Any) -> SlidingWindowRateLimiter:
    return SlidingWindowRateLimiter(monotonic=fake.monotonic, sleep=fake.sleep, **limits)


async def test_what_the_log_says_of_refusals_and_failures(caplog: pytest.LogCaptureFixture) -> None:
    """What an organiser reads in the log: who was refused, how long we wait, each retry."""
    fake = FakeTime()
    sends = Sends(_limiter(fake, max_retries=1, margin=0, spacing=0), fake)

    async def refuse() -> Any:
        await asyncio.sleep(0)  # on its way: the other one leaves meanwhile
        raise retry_after(2)

    async def two_refused_at_once() -> list[Any]:
        both = asyncio.gather(
            sends.send("a", chat_id=5, answer=refuse),
            sends.send("b", chat_id=GROUP, answer=refuse),
            return_exceptions=True,
        )
        return list(await both)

    caplog.set_level(logging.INFO, logger="bot.ratelimit")
    results = await fake.run(two_refused_at_once())
    assert [type(r) for r in results[0]] == [RetryAfter, RetryAfter]
    assert caplog.messages == [
        # two refusals at one moment ask for one pause: said once
        "Telegram asked to wait: holding every message for 2.0 s",
        "sendMessage to 5 refused: retry 1 of 1 in 2.0 s",
        f"sendMessage to {GROUP} refused: retry 1 of 1 in 2.0 s",
        "Telegram asked to wait: holding every message for 2.0 s",  # at 2 s: until 4 s
        "sendMessage to 5 refused again after 1 retries; giving up",
        f"sendMessage to {GROUP} refused again after 1 retries; giving up",
    ]

    caplog.clear()
    tries = 0

    async def fail_once() -> Any:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise NetworkError("connection lost")
        return {"ok": True}

    await fake.run(sends.send("reply", chat_id=6, answer=fail_once))
    assert caplog.messages == ["sendMessage failed (connection lost); try 2 again in 0.3 s"]


async def test_a_send_cancelled_once_granted_gives_its_place_back() -> None:
    """Cancelled after its grant but before its request left: it came back at once."""
    fake = FakeTime()
    sends = Sends(_limiter(fake, overall_per_second=2, margin=0, spacing=0, max_retries=1), fake)
    refused = False

    async def refuse_once() -> Any:
        nonlocal refused
        if not refused:
            refused = True
            raise retry_after(1)
        return {"ok": True}

    first = asyncio.create_task(sends.send("first", chat_id=1, answer=refuse_once))
    for _ in range(10):
        await asyncio.sleep(0)
    cancelled = asyncio.create_task(sends.send("cancelled", chat_id=2))
    for _ in range(10):
        await asyncio.sleep(0)
    assert sends.limiter.waiting == 2  # the first one's retry and this one: held by the pause
    fake.now = 1.0  # the pause is over (its timer has not woken up yet)
    third = asyncio.create_task(sends.send("third", chat_id=3))
    await asyncio.sleep(0)  # the third one's line grants the first one's retry and this one
    assert sends.limiter.waiting == 1
    cancelled.cancel()  # granted, but its request has not left

    await fake.run(first, third, sends.send("fourth", chat_id=4))

    assert cancelled.cancelled()
    # the window of two counts it, from when it was cancelled: "fourth" need not wait for it
    assert sends.log == [(0.0, "first"), (1.0, "first"), (2.0, "third"), (2.0, "fourth")]


async def test_a_send_cancelled_as_the_limiter_shuts_down_ends_cancelled() -> None:
    fake = FakeTime()
    sends = Sends(_limiter(fake, overall_per_second=1, margin=0), fake)
    await fake.run(sends.send("fill"))
    held = asyncio.ensure_future(sends.send("held", chat_id=9))
    await asyncio.sleep(0)
    assert sends.limiter.waiting == 1

    await sends.limiter.shutdown()  # fails its turn...
    held.cancel()  # ...and it is cancelled before it heard: cancelled it ends

    with pytest.raises(asyncio.CancelledError):
        await held
    assert held.cancelled()


async def test_a_send_cancelled_in_line_is_stepped_over_before_it_left() -> None:
    fake = FakeTime()
    sends = Sends(_limiter(fake, overall_per_second=1, margin=0), fake)
    await fake.run(sends.send("fill"))
    cancelled = asyncio.ensure_future(sends.send("cancelled", chat_id=8))
    await asyncio.sleep(0)
    after = asyncio.ensure_future(sends.send("after", chat_id=9))
    cancelled.cancel()  # the next one's line runs before the cancelled one hears it

    await fake.run(after)

    assert cancelled.cancelled()
    assert sends.log == [(0.0, "fill"), (1.0, "after")]
    assert sends.limiter.waiting == 0


async def test_past_256_groups_only_the_windows_that_emptied_are_forgotten() -> None:
    fake = FakeTime()
    sends = Sends(_limiter(fake, margin=MARGIN), fake)
    limiter = sends.limiter
    await fake.run(*(sends.send(f"old {n}", chat_id=-(n + 1)) for n in range(255)))
    await fake.run(fake.sleep(MINUTE))  # their windows empty
    start = fake.now
    await fake.run(*(sends.send(f"full {n}", chat_id=GROUP) for n in range(20)))
    assert len(limiter._groups) == 256

    await fake.run(sends.send("new group", chat_id=OTHER_GROUP))  # the 257th: forget the old

    assert set(limiter._groups) == {GROUP, OTHER_GROUP}
    await fake.run(sends.send("21st", chat_id=GROUP))  # its group's window was kept
    assert sends.times("21st") == [pytest.approx(start + MINUTE)]


async def test_a_send_retried_after_a_429_keeps_its_place_in_line() -> None:
    """A refused send goes again before the sends that queued behind it meanwhile."""
    fake = FakeTime()
    limiter = SlidingWindowRateLimiter(
        overall_per_second=1, margin=0, spacing=0, monotonic=fake.monotonic, sleep=fake.sleep
    )
    order: list[tuple[str, float]] = []
    in_flight, refuse = asyncio.Event(), asyncio.Event()

    async def first() -> dict[str, Any]:
        order.append(("first", fake.now))
        if len(order) == 1:
            in_flight.set()
            await refuse.wait()
            raise RetryAfter(1)
        return {}

    async def second() -> dict[str, Any]:
        order.append(("second", fake.now))
        return {}

    chat = {"chat_id": 5}
    sending = asyncio.create_task(limiter.process_request(first, (), {}, "sendMessage", chat, None))
    await in_flight.wait()
    behind = asyncio.create_task(limiter.process_request(second, (), {}, "sendMessage", chat, None))
    for _ in range(10):  # let the second one reach its place in line
        await asyncio.sleep(0)
    assert limiter.waiting == 1
    refuse.set()
    await fake.run(sending, behind)
    # the retry once the pause is over, then the second once the window let the retry out
    assert order == [("first", 0.0), ("first", 1.0), ("second", 2.0)]
