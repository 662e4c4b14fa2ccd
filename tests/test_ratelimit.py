"""The rate limiter: strict sliding windows, full rate, replies first, no head-of-line blocking.

Time is fake (a clock and a sleep that move only when every task waits), except in the one test
that goes through the emulator's flood control.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.ratelimit import (
    BULK,
    FOLLOW_UP,
    INTERACTIVE,
    SlidingWindowRateLimiter,
    Turn,
    counts_as_message,
)
from bot.ratelimit import (
    MARGIN as DEFAULT_MARGIN,
)
from bot.sandbox import flood
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.methods import produces_message
from bot.sandbox.spec import default_spec_path

MARGIN = 0.02
SECOND = 1 + MARGIN
MINUTE = 60 + MARGIN
STEP = SECOND / 30  # the spacing between two grants
GROUP, OTHER_GROUP = -1001234567, -1007654321
HORIZON = 3600.0  # fake seconds: no test here waits that long (the 7,000 sends take 245 s)
STILL_WAKE_UPS = 1000  # in a row at one moment of fake time


class FakeTime:
    """A monotonic clock and a sleep that only move when every task is waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        """Wait until the fake clock reaches now + delay."""
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._order), woken))
        await woken

    async def run(self, *coroutines: Awaitable[Any]) -> list[Any]:
        """Run the coroutines to the end, moving the clock to the next sleeper whenever idle."""
        everything = asyncio.gather(*coroutines)
        still = 0  # wake-ups in a row that did not move the clock
        while True:
            for _ in range(10):  # let every runnable task run until it waits again
                await asyncio.sleep(0)
            if everything.done():
                return await everything
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # a cancelled sleep
            if not self._sleepers:
                raise AssertionError("deadlock: tasks wait and nobody sleeps")
            due, _, woken = heapq.heappop(self._sleepers)
            # a limiter that retries forever, or wakes up again and again at one moment, fails
            # here at once rather than hang the test
            if due > HORIZON:
                raise AssertionError(f"still waiting after {HORIZON:.0f} s of fake time")
            still = still + 1 if due <= self.now else 0
            if still > STILL_WAKE_UPS:
                raise AssertionError(f"{still} wake-ups in a row at {self.now} s: a busy loop")
            self.now = max(self.now, due)
            woken.set_result(None)


class Sends:
    """Push calls through a limiter; write down when each reached the (dummy) Bot API."""

    def __init__(self, limiter: SlidingWindowRateLimiter, fake: FakeTime) -> None:
        self.limiter = limiter
        self.fake = fake
        self.log: list[tuple[float, str]] = []

    async def send(
        self,
        label: str,
        chat_id: int | str | None = 1,
        priority: int | Turn | None = None,
        endpoint: str = "sendMessage",
        answer: Callable[[], Coroutine[Any, Any, Any]] | None = None,
    ) -> Any:
        async def callback(*args: Any, **kwargs: Any) -> Any:
            self.log.append((self.fake.now, label))
            return await answer() if answer is not None else {"label": label}

        data = {"text": label} if chat_id is None else {"chat_id": chat_id, "text": label}
        return await self.limiter.process_request(
            callback, (endpoint, data), {}, endpoint, data, priority
        )

    async def later(self, delay: float, coroutine: Awaitable[Any]) -> Any:
        await self.fake.sleep(delay)
        return await coroutine

    def times(self, prefix: str = "") -> list[float]:
        return [at for at, label in self.log if label.startswith(prefix)]

    def labels(self) -> list[str]:
        return [label for _, label in self.log]


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sends(fake: FakeTime) -> Sends:
    limiter = SlidingWindowRateLimiter(margin=MARGIN, monotonic=fake.monotonic, sleep=fake.sleep)
    return Sends(limiter, fake)


def most_in_a_window(times: Sequence[float], span: float) -> int:
    """Count the most grants inside any window [t, t + span) (to a microsecond)."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= span - 1e-6:
            start += 1
        most = max(most, end - start + 1)
    return most


def retry_after(seconds: int) -> RetryAfter:
    """Build the refusal PTB raises on a 429, without its deprecation warning."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PTB_TIMEDELTA", "true")
        return RetryAfter(timedelta(seconds=seconds))


# --- the windows --------------------------------------------------------------------------


async def test_a_hundred_sends_stay_within_the_window_at_full_rate(
    sends: Sends, fake: FakeTime
) -> None:
    await fake.run(*(sends.send(f"m{n}", chat_id=1000 + n) for n in range(100)))

    times = sends.times()
    assert most_in_a_window(times, SECOND) == 30
    assert times == [pytest.approx(n * STEP) for n in range(100)]  # evenly, no later than needed
    assert sends.labels() == [f"m{n}" for n in range(100)]  # first come, first served
    assert sends.limiter.waiting == 0


async def test_late_wake_ups_do_not_add_up_nor_break_the_window(fake: FakeTime) -> None:
    async def oversleep(delay: float) -> None:  # every timer fires 3 ms late
        await fake.sleep(delay + 0.003)

    limiter = SlidingWindowRateLimiter(margin=MARGIN, monotonic=fake.monotonic, sleep=oversleep)
    sends = Sends(limiter, fake)
    await fake.run(*(sends.send(f"m{n}", chat_id=1000 + n) for n in range(300)))

    times = sends.times()
    # each send is at most 3 ms behind its due moment; stamped at that moment, the next one
    # is due a step after it, not a step after the late wake-up (that would be 300 x 3 ms).
    # The window counts from when each send came back, 3 ms late: once every 30 sends (9 times)
    assert times[-1] == pytest.approx(299 * STEP + 0.003 + 9 * 0.003)
    assert most_in_a_window(times, 1.0) <= 30  # Telegram's own window, without our margin


async def test_a_send_slow_on_its_way_holds_the_window_until_it_came_back(
    sends: Sends, fake: FakeTime
) -> None:
    arrivals: list[float] = []

    def on_the_way(delay: float) -> Callable[[], Coroutine[Any, Any, Any]]:
        async def answer() -> Any:
            await fake.sleep(delay)  # the request reaches Telegram this late (a loaded machine)
            arrivals.append(fake.now)
            await fake.sleep(0.001)  # and its answer comes back
            return {"ok": True}

        return answer

    # the 1st and the 61st are 50 ms on their way, more than the margin; the others at once
    await fake.run(
        *(
            sends.send(f"m{n}", chat_id=1000 + n, answer=on_the_way(0.05 if n in (0, 60) else 0))
            for n in range(91)
        )
    )

    assert most_in_a_window(arrivals, 1.0) <= 30  # Telegram's own window, without our margin
    arrived = sorted(arrivals)
    assert arrived[30] >= arrived[0] + SECOND  # the 31st waited for the 1st to come back
    assert arrived[-1] <= 90 * STEP + 2 * 0.052  # and no longer


async def test_without_spacing_a_whole_window_goes_at_once(fake: FakeTime) -> None:
    limiter = SlidingWindowRateLimiter(
        margin=MARGIN, monotonic=fake.monotonic, sleep=fake.sleep, spacing=0
    )
    sends = Sends(limiter, fake)
    await fake.run(*(sends.send(f"m{n}", chat_id=1000 + n) for n in range(100)))

    times = sends.times()
    assert most_in_a_window(times, SECOND) == 30
    assert times.count(0.0) == 30
    assert max(times) == pytest.approx(3 * SECOND)  # 30 + 30 + 30 + 10


async def test_a_broadcast_to_7000_takes_at_most_5_percent_above_the_ideal(
    sends: Sends, fake: FakeTime
) -> None:
    await fake.run(*(sends.send(f"b{n}", chat_id=n + 1, priority=BULK) for n in range(7000)))

    times = sends.times()
    assert most_in_a_window(times, SECOND) == 30
    assert max(times) <= 1.05 * 7000 / 30


async def test_the_21st_send_to_a_group_waits_a_minute_while_private_sends_flow(
    sends: Sends, fake: FakeTime
) -> None:
    group = [sends.send(f"group {n}", chat_id=GROUP) for n in range(25)]
    other = [sends.send(f"other group {n}", chat_id=OTHER_GROUP) for n in range(3)]
    private = [sends.send(f"private {n}", chat_id=1000 + n, priority=BULK) for n in range(60)]
    late = sends.later(30, sends.send("late reply", chat_id=7))

    await fake.run(*group, *other, *private, late)

    group_times = sends.times("group")
    assert group_times[:20] == [pytest.approx(n * STEP) for n in range(20)]
    # the 21st waits until the 1st leaves the window, the 22nd until the 2nd leaves...
    assert group_times[20:] == [pytest.approx(MINUTE + n * STEP) for n in range(5)]
    assert most_in_a_window(group_times, MINUTE) == 20
    # neither another group nor private sends, even bulk ones, wait behind them
    assert sends.times("other group") == [pytest.approx(n * STEP) for n in range(20, 23)]
    assert sends.times("private") == [pytest.approx(n * STEP) for n in range(23, 83)]
    assert sends.times("late reply") == [30.0]  # the limiter's sleep is cut short for it
    assert most_in_a_window(sends.times(), SECOND) == 30


async def test_a_username_or_a_numeric_string_names_a_group(sends: Sends, fake: FakeTime) -> None:
    await fake.run(*(sends.send(f"at {n}", chat_id="@rencontre") for n in range(21)))
    assert sends.times("at")[20:] == [pytest.approx(MINUTE)]

    await fake.run(
        *(sends.send(f"int {n}", chat_id=GROUP) for n in range(10)),
        *(sends.send(f"str {n}", chat_id=str(GROUP)) for n in range(11)),  # the same group
        *(sends.send(f"private {n}", chat_id="42") for n in range(5)),
    )
    assert sends.times("str")[10:] == [pytest.approx(2 * MINUTE + STEP)]  # "at 20" went first
    assert sends.times("private") == [pytest.approx(MINUTE + n * STEP) for n in range(21, 26)]


# --- priorities ---------------------------------------------------------------------------


async def test_replies_go_before_waiting_bulk_sends(sends: Sends, fake: FakeTime) -> None:
    bulk = [sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK) for n in range(60)]
    replies = [
        sends.send(f"reply {n}", chat_id=n + 1, priority=priority)
        for n, priority in enumerate([None, INTERACTIVE] * 5)
    ]

    await fake.run(*bulk, *replies)  # the replies arrive while 59 bulk sends wait

    labels = sends.labels()
    assert labels[0] == "bulk 0"
    assert labels[1:11] == [f"reply {n}" for n in range(10)]
    assert labels[11:] == [f"bulk {n}" for n in range(1, 60)]  # in order of arrival
    assert sends.times("reply") == [pytest.approx(n * STEP) for n in range(1, 11)]


async def test_a_reply_held_by_its_group_lets_bulk_sends_pass(sends: Sends, fake: FakeTime) -> None:
    await fake.run(*(sends.send(f"fill {n}", chat_id=GROUP) for n in range(20)))
    fake.now = 10.0

    await fake.run(
        sends.send("group reply", chat_id=GROUP),
        *(sends.send(f"bulk {n}", chat_id=1000 + n, priority=BULK) for n in range(40)),
    )

    assert sends.times("bulk") == [pytest.approx(10 + n * STEP) for n in range(40)]
    assert sends.times("group reply") == [pytest.approx(MINUTE)]


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("wait", [timedelta(seconds=5), 5], ids=["timedelta", "int"])
async def test_a_refusal_holds_every_message_then_retries(
    sends: Sends, fake: FakeTime, wait: timedelta | int, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = retry_after(5)
    refusal._retry_after = wait  # type: ignore[assignment]
    attempts: list[float] = []

    async def refuse_once() -> Any:
        attempts.append(fake.now)
        if len(attempts) == 1:
            raise refusal
        return {"ok": True}

    caplog.set_level(logging.INFO, logger="bot.ratelimit")
    results = await fake.run(
        sends.send("refused", chat_id=GROUP, answer=refuse_once),
        sends.later(1, sends.send("held", chat_id=2)),
        sends.later(1, sends.send("not a message", endpoint="answerCallbackQuery")),
    )

    assert results[0] == {"ok": True}
    assert attempts == [0.0, 5.0]
    assert sends.log[1:] == [
        (1.0, "not a message"),
        (5.0, "refused"),
        (pytest.approx(5 + STEP), "held"),
    ]
    levels = {r.levelname for r in caplog.records if r.name == "bot.ratelimit"}
    assert levels == {"WARNING", "INFO"}


async def test_the_refusal_is_raised_after_max_retries(
    sends: Sends, fake: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = retry_after(2)
    attempts: list[float] = []

    async def always_refuse() -> Any:
        attempts.append(fake.now)
        raise refusal

    with pytest.raises(RetryAfter):
        await fake.run(sends.send("doomed", answer=always_refuse))

    assert attempts == [0.0, 2.0, 4.0, 6.0]  # the first try and max_retries=3 retries
    assert "giving up" in caplog.text


# --- at most once: what the outbox needs -------------------------------------------------


async def test_a_turn_says_when_its_send_leaves_once_even_after_a_refusal(
    sends: Sends, fake: FakeTime
) -> None:
    grants: list[tuple[float, list[str]]] = []
    tries = 0

    async def refuse_once() -> Any:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise retry_after(3)
        return {"ok": True}

    def on_grant() -> None:
        grants.append((fake.now, sends.labels()))

    await fake.run(*(sends.send(f"fill {n}", chat_id=1000 + n) for n in range(30)))
    start = fake.now
    await fake.run(sends.send("bulk", priority=Turn(BULK, on_grant), answer=refuse_once))
    # granted once the window had room, just before its first request; not again on the retry
    assert len(grants) == 1
    at, before = grants[0]
    assert at == pytest.approx(max(start, SECOND)) and "bulk" not in before
    assert sends.times("bulk") == [at, pytest.approx(at + 3)]


def failure(kind: type[NetworkError], cause: Exception | None) -> NetworkError:
    """Build what PTB raises when httpx fails (cause) or Telegram answers 5xx (no cause)."""
    exc = kind("what went wrong")
    exc.__cause__ = cause
    return exc


REQUEST = httpx.Request("POST", "http://127.0.0.1/")
LEFT = failure(NetworkError, httpx.ReadError("lost", request=REQUEST))  # the request went
NEVER_LEFT = failure(NetworkError, httpx.ConnectError("refused", request=REQUEST))
SERVER_ERROR = failure(NetworkError, None)  # Telegram answered 502: not carried out
READ_TIMEOUT = failure(TimedOut, httpx.ReadTimeout("slow", request=REQUEST))
CONNECT_TIMEOUT = failure(TimedOut, httpx.ConnectTimeout("slow", request=REQUEST))


@pytest.mark.parametrize(
    ("error", "priority", "tries"),
    [
        (LEFT, BULK, 1),  # may have arrived: the outbox records it as uncertain
        (LEFT, INTERACTIVE, 2),  # a reply twice is better than none
        (READ_TIMEOUT, BULK, 1),
        (READ_TIMEOUT, INTERACTIVE, 2),
        (LEFT, FOLLOW_UP, 2),  # a card refreshed twice, a question asked twice: no harm
        (NEVER_LEFT, BULK, 2),
        (SERVER_ERROR, BULK, 2),
        (CONNECT_TIMEOUT, BULK, 2),
    ],
    ids=[
        "left-bulk",
        "left-reply",
        "timeout-bulk",
        "timeout-reply",
        "left-follow-up",
        "connect",
        "5xx",
        "connect-t",
    ],
)
async def test_a_failed_send_is_tried_again_only_when_safe(
    sends: Sends, fake: FakeTime, error: NetworkError, priority: int, tries: int
) -> None:
    attempts = 0

    async def fail_once() -> Any:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise error
        return {"ok": True}

    if tries == 1:
        with pytest.raises(type(error)):
            await fake.run(sends.send("one", priority=priority, answer=fail_once))
    else:
        assert await fake.run(sends.send("one", priority=priority, answer=fail_once)) == [
            {"ok": True}
        ]
    assert attempts == tries


# --- what is not limited, and leaving the line -----------------------------------------


async def test_calls_that_are_not_messages_pass_at_once(sends: Sends, fake: FakeTime) -> None:
    await fake.run(*(sends.send(f"fill {n}", chat_id=1000 + n) for n in range(30)))
    held = asyncio.ensure_future(sends.send("31st", chat_id=9))
    await asyncio.sleep(0)
    assert sends.limiter.waiting == 1

    for endpoint in ("getMe", "answerCallbackQuery", "sendChatAction", "pinChatMessage"):
        await sends.send(endpoint, endpoint=endpoint)
    await sends.send("no chat_id", chat_id=None, endpoint="editMessageText")  # inline message

    assert sends.times()[30:] == [pytest.approx(29 * STEP)] * 5  # when the 30th went
    await fake.run(held)
    assert sends.times("31st") == [pytest.approx(SECOND)]


# Telegram's limits, from the Bot FAQ ("My bot is hitting limits, how do I avoid this?",
# https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): in one chat
# no more than one message per second (short bursts are allowed); in bulk, no more than about
# 30 messages per second; in one group, no more than 20 messages per minute. The FAQ speaks of
# messages without listing methods, so the table below is read from the Bot API reference
# (https://core.telegram.org/bots/api): the methods that send a message ("On success, the sent
# Message is returned", with forward and copy, which give MessageId), and those of "Updating
# messages" that change one (edits, stopping a live location or a poll, a game score). Our
# choice: counting edits is an assumption on the safe side (Telegram answers floods of edits
# with 429 too, but does not document it). Not messages although named like one: chat actions,
# gifts, streamed drafts, and the edits of invite links, topics, stories and subscriptions.
#
# The bot's limiter and the emulator keep their own rule, on purpose (the emulator is what the
# bot is tested against: one shared function would make a shared mistake invisible); each is
# checked against this table, not against the other.
DOCUMENTED_MESSAGES = frozenset(
    {
        # Available methods: sends, forwards and copies
        "sendMessage",
        "forwardMessage",
        "forwardMessages",
        "copyMessage",
        "copyMessages",
        "sendPhoto",
        "sendLivePhoto",
        "sendAudio",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendPaidMedia",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendChecklist",
        "sendDice",
        # Stickers, Payments, Games
        "sendSticker",
        "sendInvoice",
        "sendGame",
        # Updating messages
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "editMessageChecklist",
        "editMessageReplyMarkup",
        "stopPoll",
        "setGameScore",  # edits the game message
    }
)
DOCUMENTED_LIMITS = {"per_second": 30, "per_group_per_minute": 20}


def api_methods() -> list[str]:
    return list(json.loads(default_spec_path().read_text(encoding="utf-8"))["methods"])


def test_the_table_names_real_methods() -> None:
    methods = api_methods()
    assert set(methods) >= DOCUMENTED_MESSAGES, DOCUMENTED_MESSAGES - set(methods)
    for not_a_message in ("sendChatAction", "sendGift", "editForumTopic", "pinChatMessage"):
        assert not_a_message in methods and not_a_message not in DOCUMENTED_MESSAGES


@pytest.mark.parametrize("rule", [counts_as_message, produces_message], ids=["limiter", "emulator"])
def test_what_counts_as_a_message_is_what_the_documentation_says(
    rule: Callable[[str], bool],
) -> None:
    wrong = {m: rule(m) for m in api_methods() if rule(m) != (m in DOCUMENTED_MESSAGES)}
    assert wrong == {}


def test_the_limits_are_the_documented_ones() -> None:
    limiter = inspect.signature(SlidingWindowRateLimiter).parameters
    assert {
        "per_second": limiter["overall_per_second"].default,
        "per_group_per_minute": limiter["group_per_minute"].default,
    } == DOCUMENTED_LIMITS
    assert {
        "per_second": flood.PER_SECOND,
        "per_group_per_minute": flood.PER_GROUP_PER_MINUTE,
    } == DOCUMENTED_LIMITS


async def test_a_cancelled_send_leaves_the_line(sends: Sends, fake: FakeTime) -> None:
    await fake.run(*(sends.send(f"fill {n}", chat_id=1000 + n) for n in range(30)))
    cancelled = asyncio.ensure_future(sends.send("cancelled", chat_id=8))
    kept = asyncio.ensure_future(sends.send("kept", chat_id=9))
    await asyncio.sleep(0)
    cancelled.cancel()
    await fake.run(kept)

    assert cancelled.cancelled()
    assert sends.labels()[30:] == ["kept"]
    assert sends.times("kept") == [pytest.approx(SECOND)]
    assert sends.limiter.waiting == 0


async def test_shutdown_fails_the_waiting_sends(sends: Sends, fake: FakeTime) -> None:
    await fake.run(*(sends.send(f"fill {n}", chat_id=1000 + n) for n in range(30)))
    held = asyncio.ensure_future(sends.send("held", chat_id=9))
    await asyncio.sleep(0)

    await sends.limiter.shutdown()

    with pytest.raises(RuntimeError, match=r"^the rate limiter was shut down$"):
        async with asyncio.timeout(10):  # a send left hanging fails here, not the whole run
            await held


# --- through the emulator, in real time ---------------------------------------------------


async def test_seventy_concurrent_sends_get_no_429_from_the_emulator() -> None:
    people = range(2001, 2071)
    async with BotApiEmulator(flood_control=True) as emu:
        for uid in people:
            emu.cast.add_user(uid, f"Person {uid}")
            await emu.people.send_text(uid, "hi")  # now the bot may write to them
        bot = ExtBot(
            token=emu.token,
            base_url=emu.base_url,
            request=HTTPXRequest(httpx_kwargs={"verify": False}),
            rate_limiter=SlidingWindowRateLimiter(),
        )
        async with bot:
            started = time.monotonic()
            await asyncio.gather(*(bot.send_message(uid, "Bienvenue") for uid in people))
            elapsed = time.monotonic() - started

    statuses = [call.status for call in emu.observer.calls_to("sendMessage")]
    assert statuses == [200] * 70
    assert elapsed >= 69 * (1 + DEFAULT_MARGIN) / 30  # one grant every 33.5 ms
