"""What the rate limiter needs to know of a Bot API call.

Whether it is a message for Telegram's limits, which group it goes to, whether a failed one
surely did not reach Telegram, and how long a refusal (429) asks to wait.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

GroupKey = int | str


def surely_not_taken(exc: NetworkError) -> bool:
    """Say whether a failed call surely did not reach Telegram (safe to make again)."""
    if isinstance(exc, BadRequest):
        return False
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        return isinstance(cause, (httpx.PoolTimeout, httpx.ConnectTimeout))
    if isinstance(cause, httpx.HTTPError):
        return isinstance(cause, httpx.ConnectError)
    return True  # Telegram answered with a server error: the call was not carried out


# Named like a message but not one: a chat action, a gift, a draft being streamed, and edits
# of invite links, forum topics, stories and subscriptions, which change no message
_NOT_MESSAGES = frozenset(
    {
        "sendChatAction",
        "sendGift",
        "sendMessageDraft",
        "editChatInviteLink",
        "editChatSubscriptionInviteLink",
        "editForumTopic",
        "editGeneralForumTopic",
        "editStory",
        "editUserStarSubscription",
    }
)
# Not named so but they change a message in the chat, as edits do
_ALSO_MESSAGES = frozenset({"stopMessageLiveLocation", "stopPoll", "setGameScore"})


def counts_as_message(endpoint: str) -> bool:
    """Say whether a call to endpoint is a message for Telegram's limits (a send or an edit).

    The Bot FAQ limits messages; a send (sendMessage, sendPhoto..., forward, copy) makes one,
    an edit changes one. The test checks this against a table of every Bot API method.
    """
    if endpoint in _NOT_MESSAGES:
        return False
    return endpoint in _ALSO_MESSAGES or endpoint.startswith(("send", "edit", "forward", "copy"))


def group_of(chat_id: object) -> GroupKey | None:
    """Return the group a chat_id names, or None for a private chat."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id  # an @username: only supergroups and channels have one
    if isinstance(chat_id, int) and chat_id < 0:
        return chat_id
    return None


def retry_after_seconds(exc: RetryAfter) -> float:
    """Give how long Telegram asks to wait (the public property warns about its future type)."""
    value: timedelta | int = exc._retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
