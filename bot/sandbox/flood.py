"""Telegram's flood control: at most 30 messages a second overall, 20 a minute per group.

Sliding windows over the times of the messages that were accepted; a refused call does not
count. The clock is injectable so tests step through time instead of sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from bot.sandbox.errors import too_many_requests

PER_SECOND = 30
PER_GROUP_PER_MINUTE = 20

# What Telegram counts as a message, listed method by method (the Bot API's "sent Message is
# returned" sends, forwards and copies, and the edits of "Updating messages"). Kept apart from
# the bot's own rule (bot/ratelimit.py) on purpose: the emulator is what the bot is tested
# against, so a mistake shared by both would pass unseen.
MESSAGE_METHODS = frozenset(
    {
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
        "sendSticker",
        "sendInvoice",
        "sendGame",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "editMessageChecklist",
        "editMessageReplyMarkup",
        "stopPoll",
        "setGameScore",
    }
)


def counts_as_message(method: str) -> bool:
    """Say whether flood control counts a call to this method as a message."""
    return method in MESSAGE_METHODS


class FloodControl:
    """Refuse a message with 429 while a sliding window is full."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        enabled: bool = True,
        per_second: int = PER_SECOND,
        per_group_per_minute: int = PER_GROUP_PER_MINUTE,
    ) -> None:
        self.clock = clock
        self.enabled = enabled
        self.per_second = per_second
        self.per_group_per_minute = per_group_per_minute
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def check(self, chat_id: int | None) -> None:
        """Raise the 429 refusal if one more message to chat_id would exceed a limit."""
        if not self.enabled:
            return
        now = self.clock()
        waits = [_wait(self._overall, now, 1.0, self.per_second)]
        if chat_id is not None and chat_id < 0:
            window = self._groups.setdefault(chat_id, deque())
            waits.append(_wait(window, now, 60.0, self.per_group_per_minute))
        longest = max(waits)
        if longest > 0:
            raise too_many_requests(max(1, math.ceil(longest)))

    def record(self, chat_id: int | None) -> None:
        """Count one accepted message to chat_id."""
        now = self.clock()
        self._overall.append(now)
        if chat_id is not None and chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    def reset(self) -> None:
        """Forget every counted message."""
        self._overall.clear()
        self._groups.clear()


def _wait(window: deque[float], now: float, span: float, limit: int) -> float:
    """Drop times that left the window; return how long until it has room (0 if it has)."""
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < limit:
        return 0.0
    return window[len(window) - limit] + span - now
