"""What the bot did, as tests see it: its calls, its messages, and waits on both.

Waiting helpers are woken by state changes, never by polling.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bot.sandbox.api.commands import scope_key
from bot.sandbox.records import Call, SentMessage
from bot.sandbox.state import World

logger = logging.getLogger(__name__)


class EmulatorTimeout(AssertionError):
    """A test waited for something the bot did not do in time."""


class Observer:
    """Record every call and answer the tests' questions about what the bot did."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._calls: list[Call] = []

    def record(self, method: str, params: dict[str, Any], status: int, payload: Any) -> None:
        self._calls.append(Call(method, params, status, payload))
        if status != 200:
            logger.info("%s -> %s %s", method, status, payload.get("description"))
        self.world.changes.notify()

    @property
    def calls(self) -> list[Call]:
        """List every call the bot made, oldest first."""
        return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """List the calls of one method (any case)."""
        wanted = method.lower()
        return [call for call in self._calls if call.method.lower() == wanted]

    def messages(self, chat_id: int, *, include_deleted: bool = True) -> list[SentMessage]:
        """List the bot's messages in a chat, oldest first (deleted ones flagged `deleted`).

        With deleted ones included (the default), `messages(chat)[mark:]` is what came after
        `mark = mark(chat)`.
        """
        sent = self.world.sent.get(chat_id, [])
        return [m for m in sent if include_deleted or not m.deleted]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Return one of the bot's messages."""
        return self.world.sent_by_id[(chat_id, message_id)]

    def mark(self, chat_id: int) -> int:
        """Return how many messages the bot has sent to a chat so far (deleted ones too)."""
        return len(self.world.sent.get(chat_id, []))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
        *,
        after: int | None = None,
    ) -> list[SentMessage]:
        """Wait for the bot's first `count` messages to a chat after a mark; return them.

        `after` is a value of mark(chat_id) taken before the action (default: the chat's
        start), so a reply that comes before this call is not missed.
        """
        start = after or 0

        def arrived() -> list[SentMessage]:
            return self.world.sent.get(chat_id, [])[start : start + count]

        await self._wait(
            lambda: len(arrived()) >= count,
            timeout,
            f"{count} message(s) from the bot in chat {chat_id} after mark {start}",
            lambda: f"got {[m.plain_text for m in arrived()]!r}",
        )
        return arrived()

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
        *,
        after: int | None = None,
    ) -> SentMessage:
        """Wait until a bot message has more than `after` (default 0) edits; return it."""
        seen = after or 0
        key = (chat_id, message_id)

        def edited() -> bool:
            message = self.world.sent_by_id.get(key)
            return message is not None and len(message.edits) > seen

        def state() -> str:
            message = self.world.sent_by_id.get(key)
            if message is None:
                return "no such message"
            return f"it has {len(message.edits)} edit(s), text {message.plain_text!r}"

        await self._wait(
            edited, timeout, f"edit #{seen + 1} of message {message_id} in chat {chat_id}", state
        )
        return self.world.sent_by_id[key]

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """Map each answered callback query id to its answer (text, show_alert, url...)."""
        return dict(self.world.callback_answers)

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
    ) -> dict[str, Any]:
        """Wait until the bot answered a callback query; return the answer."""
        answers = self.world.callback_answers
        await self._wait(
            lambda: query_id in answers,
            timeout,
            f"an answer to callback query {query_id}",
            lambda: "it is still unanswered",
        )
        return answers[query_id]

    def commands(
        self, scope: dict[str, Any] | str | None = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """List the commands the bot set for a scope ({"type": ...} or its type) and language."""
        if isinstance(scope, str):
            scope = {"type": scope}
        return list(self.world.commands.get((scope_key(scope), language_code or ""), []))

    def pinned(self, chat_id: int) -> list[int]:
        """List the pinned message ids of a chat, the most recently pinned last."""
        return list(self.world.pinned.get(chat_id, []))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """List the updates the bot has not confirmed yet."""
        return list(self.world.updates)

    async def wait_for_poll(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
    ) -> None:
        """Wait until the bot is waiting in a long getUpdates poll."""
        await self._wait(
            lambda: self.world.waiting_polls > 0,
            timeout,
            "the bot to wait in getUpdates",
            lambda: f"{len(self.calls_to('getUpdates'))} getUpdates call(s) so far",
        )

    async def _wait(
        self,
        predicate: Callable[[], bool],
        seconds: float,
        what: str,
        state: Callable[[], str],
    ) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self.world.changes.wait_for(predicate)
        except TimeoutError:
            refused = [
                f"{c.method} -> {c.status} {c.response.get('description', '')}"
                for c in self._calls
                if c.status != 200
            ][-5:]
            raise EmulatorTimeout(
                f"timed out after {seconds:g} s waiting for {what}; {state()}; "
                f"last refused calls: {refused or 'none'}"
            ) from None
