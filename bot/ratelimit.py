"""Telegram's flood limits, kept on our side: strict sliding windows, replies before bulk sends.

Telegram refuses (429) a message beyond 30 in any sliding second overall, or beyond 20 in any
sliding minute to one group. PTB's AIORateLimiter uses leaky buckets, which let a full burst
through and then refill while the second is still running, so a strict window sees more than 30.
Here every send is granted a moment before its request leaves, and a send is granted only once
the send `limit` grants before it (and every earlier one) came back from Telegram more than the
window ago (plus a margin). Telegram counts a message when it arrives, between its grant and its
answer: counting from the answer bounds the delays on the way, however long (on a loaded machine
grants counted from their own moment met a few 429s in every 7,000). Waiting sends are granted
in order of priority (replies to a person, then what follows an answer already given, such as
the refresh of a message whose press was answered, then bulk sends), first come first served
within a priority; a send held by its group's window is stepped over, so it never holds back
sends that fit.

While people are being answered (a reply granted in the last REPLY_RECENT seconds), follow-ups
and bulk sends leave `reserve` places of each second free: a reply then finds room at once
instead of waiting for the next place a broadcast or the morning's digests leave (with nobody
talking to the bot, bulk sends have the whole window). With a reserve, the spacing below holds
bulk sends only: a reply goes as soon as the window has room (counted from the answers, the
window needs no spacing to stay within Telegram's limit).

Grants are also spaced by (1 s + margin) / 30: the same rate, but no burst of 30 requests at
once. A burst leaves its requests queued behind each other (our event loop, the connection pool,
TLS set-ups), so they reach Telegram up to a few hundred milliseconds after their grant, and the
next burst, on warm connections, catches up with them: through the emulator, 70 sends in bursts
got a 429 in 13 runs out of 18 with a 20 ms margin; spaced, in none out of 58.

A failed send is tried again only when Telegram surely did not take it (a 5xx answer, a
connection that could not be opened), or when it is a reply to a person (a reply twice is better
than none). A bulk send that may have reached Telegram (a time-out, a connection lost after the
request went) is not sent again: the outbox records it as uncertain, since a reminder or a
broadcast twice is what it promises never to do.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.rate_window import Send, Window
from bot.telegram_calls import (
    GroupKey,
    counts_as_message,
    group_of,
    retry_after_seconds,
    surely_not_taken,
)

__all__ = [
    "BULK",
    "FOLLOW_UP",
    "INTERACTIVE",
    "MARGIN",
    "RESERVE",
    "SlidingWindowRateLimiter",
    "Turn",
    "counts_as_message",
    "group_of",
    "retry_after_seconds",
    "surely_not_taken",
]

NETWORK_RETRY_PAUSES = (0.3, 1.0)  # after a 5xx or a dropped connection

log = logging.getLogger(__name__)

INTERACTIVE = 0
"""Priority (rate_limit_args) of a reply to a person: the default, goes first."""
FOLLOW_UP = 1
"""Priority (rate_limit_args) of what follows an answer already given: the edit that refreshes a
message after its press was answered (a card's places after a sign-up: the toast told the
person), the optional question after a greeting. It goes after the replies people are waiting
for. The soak showed why (issue 13): in its busiest seconds the bot answered ~20 texts and
refreshed ~9 cards, past Telegram's 30 a second, and the replies queued behind the refreshes."""
BULK = 2
"""Priority (rate_limit_args) of an outbox send: announcements, reminders, notices."""

# How early (s) a window may be found free: a timer due at t may wake a float rounding before t.
_TOLERANCE = 1e-6
# How much earlier (s) than the moment it is made a grant may be stamped (for the spacing).
_LATE_KEPT = 0.005
MARGIN = 0.005
"""Kept on Telegram's windows (s). Counted from the answers, they need none for the delays on
the way; this covers rounding. (It was 20 ms when windows counted from the grants.)"""
RESERVE = 10
"""Places of the overall window follow-ups and bulk sends leave free while people are being
answered (the bot's; the limiter's own default is none). Measured in the soak (bench/README.md):
with 4, replies in its busiest seconds (20-25 a second, the morning's digests going out) still
waited up to a few hundred ms for a place; with 10, none waited more than 1 ms at p99. Bulk
sends keep 20 a second while people talk to the bot, all 30 once nobody has for REPLY_RECENT."""
REPLY_RECENT = 2.0
"""Seconds after a reply's grant during which follow-ups and bulk sends keep the reserve free."""
# Past this many groups, forget those whose window has emptied.
_GROUPS_KEPT = 256

Result = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Turn:
    """rate_limit_args of an outbox send: its priority, and what to do once it may go.

    on_grant is called (synchronously) when the send is granted, just before its request
    leaves: from then on Telegram may have the message.
    """

    priority: int = BULK
    on_grant: Callable[[], None] | None = None


@dataclass(order=True)
class _Waiter:
    priority: int
    ticket: int
    group: GroupKey | None = field(compare=False)
    granted: asyncio.Future[Send] = field(compare=False)
    since: float = field(compare=False, default=-math.inf)


class SlidingWindowRateLimiter(BaseRateLimiter[int | Turn]):
    """Throttle message-producing calls to strict sliding windows, replies before bulk sends.

    rate_limit_args is the priority: None or INTERACTIVE (0) for a reply to a person, FOLLOW_UP (1)
    for what follows an answer already given, BULK (2) or a Turn for the outbox; a lower
    number goes first. spacing is the least time between two grants: None spreads each second's
    sends evenly, 0 lets a whole window's worth go at once. reserve is how many places of the
    overall window follow-ups and bulk sends leave to replies while people are being answered
    (RESERVE for the bot); with a reserve, replies are not spaced either: a reply goes as soon
    as the window has room.
    """

    def __init__(
        self,
        overall_per_second: int = 30,
        group_per_minute: int = 20,
        margin: float = MARGIN,
        max_retries: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        spacing: float | None = None,
        reserve: int = 0,
    ) -> None:
        if overall_per_second < 1 or group_per_minute < 1:
            raise ValueError("the limits must allow at least one message per window")
        if margin < 0 or max_retries < 0 or (spacing is not None and spacing < 0):
            raise ValueError("margin, max_retries and spacing cannot be negative")
        if reserve < 0:
            raise ValueError("the reserve cannot be negative")
        self._overall = Window(overall_per_second, 1.0 + margin)
        if spacing is None:
            spacing = (1.0 + margin) / overall_per_second
        # One grant per `spacing` seconds (0: bursts), counted from the grants themselves.
        self._spacing = spacing
        self._last_grant = -math.inf
        self._reserve = min(reserve, overall_per_second - 1)  # bulk sends keep one place
        self.reserve = reserve
        """The reserve asked for (a baseline makes its limiter the same)."""
        self._last_reply = -math.inf
        self._group_limit = group_per_minute
        self._group_span = 60.0 + margin
        self._groups: dict[GroupKey, Window] = {}
        self._max_retries = max_retries
        self._monotonic = monotonic
        self._sleep = sleep
        self._waiting: list[_Waiter] = []  # sorted: priority, then arrival
        self._tickets = itertools.count()
        self._paused_until = -math.inf
        self._timer: asyncio.Task[None] | None = None
        self._timer_due = math.inf
        self.on_failure: Callable[[str, str], None] | None = None
        """Told of each call Telegram refused or that failed, retries done (/status)."""

    @property
    def waiting(self) -> int:
        """Count the sends waiting for their turn."""
        return len(self._waiting)

    async def initialize(self) -> None:
        """Do nothing: the windows start empty."""

    async def shutdown(self) -> None:
        """Stop the timer; fail the sends still waiting rather than leave them hanging."""
        self._cancel_timer()
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            if not waiter.granted.done():
                waiter.granted.set_exception(RuntimeError("the rate limiter was shut down"))

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Turn | None,
    ) -> Result:
        """Make the call when the windows allow; after a 429, hold every message and retry."""
        try:
            return await self._process(callback, args, kwargs, endpoint, data, rate_limit_args)
        except TelegramError as exc:
            if self.on_failure is not None:
                self.on_failure(endpoint, str(exc))
            raise

    async def _process(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Turn | None,
    ) -> Result:
        if isinstance(rate_limit_args, Turn):
            priority, on_grant = rate_limit_args.priority, rate_limit_args.on_grant
        else:
            priority, on_grant = rate_limit_args or INTERACTIVE, None
        careful = priority >= BULK
        chat_id = data.get("chat_id")
        if chat_id is None or not counts_as_message(endpoint):
            if on_grant is not None:
                on_grant()
            return await self._with_retries(callback, args, kwargs, endpoint, careful)
        group = group_of(chat_id)
        ticket = next(self._tickets)  # kept across retries: a retry keeps its place in line
        retries = 0
        while True:
            send = await self._turn(priority, ticket, group)
            try:
                if on_grant is not None:
                    on_grant()
                    on_grant = None
                return await self._with_retries(callback, args, kwargs, endpoint, careful)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self._pause(seconds)
                if retries >= self._max_retries:
                    log.warning(
                        "%s to %s refused again after %d retries; giving up",
                        endpoint,
                        chat_id,
                        retries,
                    )
                    raise
                retries += 1
                log.info(
                    "%s to %s refused: retry %d of %d in %.1f s",
                    endpoint,
                    chat_id,
                    retries,
                    self._max_retries,
                    seconds,
                )
            finally:
                self._came_back(send)

    async def _with_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        careful: bool,
    ) -> Result:
        """Try again after a server error or a dropped connection, where it is safe.

        A careful (bulk) send is retried only if Telegram surely did not take it; the outbox,
        which keeps its own record, decides about the others. A reply to a person is retried
        after a time-out or a lost connection too: twice is better than no answer at all.
        """
        for attempt, pause in enumerate((*NETWORK_RETRY_PAUSES, None)):
            try:
                return await callback(*args, **kwargs)
            except NetworkError as exc:  # TimedOut, and PTB's BadRequest, are NetworkErrors
                refused = isinstance(exc, BadRequest)
                send = endpoint.lower().startswith("send")
                unsafe = send and careful and not surely_not_taken(exc)
                if pause is None or refused or unsafe or endpoint == "getUpdates":
                    raise
                log.info(
                    "%s failed (%s); try %d again in %.1f s", endpoint, exc, attempt + 2, pause
                )
                await self._sleep(pause)
        raise AssertionError("unreachable")

    # --- the queue ----------------------------------------------------------------------

    async def _turn(self, priority: int, ticket: int, group: GroupKey | None) -> Send:
        """Wait until this send is granted; from then on it counts as sent."""
        granted: asyncio.Future[Send] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(priority, ticket, group, granted, self._monotonic())
        bisect.insort(self._waiting, waiter)
        self._dispatch()
        try:
            return await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.cancelled():  # not granted yet: leave the line
                self._waiting = [w for w in self._waiting if w is not waiter]
                self._dispatch()
            elif waiter.granted.done() and waiter.granted.exception() is None:
                self._came_back(waiter.granted.result())  # granted, but never sent
            raise

    def _came_back(self, send: Send) -> None:
        """Note that a send's request is over (answered or failed)."""
        send.end = self._monotonic()
        if self._waiting:
            self._dispatch()

    def _dispatch(self) -> None:
        """Grant, in order, every waiting send that fits now; wake up when the next one fits."""
        now = self._monotonic()
        if not self._waiting:
            self._cancel_timer()
            return
        if now + _TOLERANCE < self._paused_until:
            self._wake_at(self._paused_until, now)
            return
        gone: list[int] = []
        next_fit = math.inf
        for index, waiter in enumerate(self._waiting):
            if waiter.granted.done():  # cancelled while waiting
                gone.append(index)
                continue
            window = self._groups.get(waiter.group) if waiter.group is not None else None
            group_free = window.free_at() if window is not None else -math.inf
            overall = self._overall_free_at(waiter.priority, now)
            fits_at = max(overall, group_free, self._paused_until)
            if fits_at <= now + _TOLERANCE:
                # A send that waited for this moment and was woken up late is stamped up to
                # _LATE_KEPT earlier, at its due moment if it can: lateness then does not add
                # up send after send (a slower rate, not a safer one)
                waited = fits_at > waiter.since
                self._grant(waiter, max(fits_at, now - _LATE_KEPT) if waited else now)
                gone.append(index)
                continue
            next_fit = min(next_fit, fits_at)
            if group_free <= now + _TOLERANCE:
                # The overall window (or the spacing) holds this send, and every one after it.
                break
            # Its group's window holds it: step over it, the next one may fit.
        for index in reversed(gone):
            del self._waiting[index]
        if self._waiting:
            self._wake_at(next_fit, now)
        else:
            self._cancel_timer()

    def _overall_free_at(self, priority: int, now: float) -> float:
        free = self._overall.free_at()
        if self._reserve and priority == INTERACTIVE:
            return free  # the window alone holds a reply: it is not spaced behind bulk sends
        reserved_until = self._last_reply + REPLY_RECENT
        if self._reserve and reserved_until > now:
            # Leave the reserve to replies; once nobody was answered for a while, the whole window
            free = min(self._overall.free_at(self._reserve), max(free, reserved_until))
        return max(free, self._last_grant + self._spacing)

    def _grant(self, waiter: _Waiter, now: float) -> None:
        send = Send()
        self._overall.add(send)
        self._last_grant = now
        if waiter.priority == INTERACTIVE:
            self._last_reply = now
        if waiter.group is not None:
            window = self._groups.get(waiter.group)
            if window is None:
                if len(self._groups) >= _GROUPS_KEPT:
                    self._groups = {k: w for k, w in self._groups.items() if not w.expired(now)}
                window = self._groups[waiter.group] = Window(self._group_limit, self._group_span)
            window.add(send)
        waiter.granted.set_result(send)

    def _pause(self, seconds: float) -> None:
        until = self._monotonic() + seconds
        if until > self._paused_until:
            log.warning("Telegram asked to wait: holding every message for %.1f s", seconds)
            self._paused_until = until

    # --- the timer ----------------------------------------------------------------------

    def _wake_at(self, due: float, now: float) -> None:
        if self._timer is not None and self._timer_due <= due:
            return  # it wakes up sooner, and will look again
        if due == math.inf:  # waiting for a send to come back, which dispatches again
            self._cancel_timer()
            return
        self._cancel_timer()
        self._timer_due = due
        self._timer = asyncio.get_running_loop().create_task(
            self._tick(due - now), name="rate limiter timer"
        )

    async def _tick(self, delay: float) -> None:
        await self._sleep(delay)
        self._timer = None
        self._timer_due = math.inf
        self._dispatch()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_due = math.inf
