"""Limiter parts a mutant showed no other test pinned down (QUALITY.md)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, RetryAfter, TimedOut

from bot.rate_window import Send, Window
from bot.ratelimit import BULK, INTERACTIVE, SlidingWindowRateLimiter, Turn, surely_not_taken
from bot.telegram_calls import group_of


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


async def test_a_send_retried_after_a_429_keeps_its_place_in_line() -> None:
    """A refused send goes again before the sends that queued behind it meanwhile."""
    limiter = SlidingWindowRateLimiter(overall_per_second=1, margin=0, spacing=0)
    order: list[str] = []
    in_flight, refuse = asyncio.Event(), asyncio.Event()

    async def first() -> dict[str, Any]:
        order.append("first")
        if len(order) == 1:
            in_flight.set()
            await refuse.wait()
            raise RetryAfter(1)
        return {}

    async def second() -> dict[str, Any]:
        order.append("second")
        return {}

    chat = {"chat_id": 5}
    sending = asyncio.create_task(limiter.process_request(first, (), {}, "sendMessage", chat, None))
    await in_flight.wait()
    behind = asyncio.create_task(limiter.process_request(second, (), {}, "sendMessage", chat, None))
    for _ in range(10):  # let the second one reach its place in line
        await asyncio.sleep(0)
    assert limiter.waiting == 1
    refuse.set()
    async with asyncio.timeout(30):
        await asyncio.gather(sending, behind)
    assert order == ["first", "first", "second"]
