"""The Bot API methods the emulator implements, with Telegram's refusals.

Each handler gets parameters already converted to their spec types and answers a result or
raises ApiError. A handler changes state without awaiting in between, so checks (flood
control included) and effects cannot interleave with another call. The handlers live in
`bot/sandbox/api/`, one module per group of methods; this module routes a call to its group.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.sandbox.api.chats import ChatMethods, bot_member
from bot.sandbox.api.commands import CommandMethods, scope_key
from bot.sandbox.api.edits import EditMethods
from bot.sandbox.api.messages import MessageMethods
from bot.sandbox.api.rules import Handler, Params, Rules
from bot.sandbox.api.updates import UpdateMethods
from bot.sandbox.flood import FloodControl, counts_as_message
from bot.sandbox.spec import ApiSpec
from bot.sandbox.state import World

__all__ = ["BotApiMethods", "bot_member", "produces_message", "scope_key"]

logger = logging.getLogger(__name__)


def produces_message(method: str) -> bool:
    """Say whether a method sends or edits a message (what flood control counts)."""
    return counts_as_message(method)


class BotApiMethods:
    """Answer Bot API calls against a World, each by the group of methods it belongs to."""

    def __init__(self, world: World, spec: ApiSpec, flood: FloodControl) -> None:
        self.world = world
        self.spec = spec
        self.flood = flood
        self.rules = Rules(world, spec)
        self._handlers: dict[str, Handler] = {
            **UpdateMethods(world, self.rules, flood).handlers(),
            **MessageMethods(world, self.rules, flood).handlers(),
            **EditMethods(world, self.rules, flood).handlers(),
            **ChatMethods(world, self.rules, flood).handlers(),
            **CommandMethods(world, self.rules, flood).handlers(),
        }

    def implements(self, method: str) -> bool:
        """Say whether the method has a real implementation (its result is checked)."""
        return method in self._handlers

    async def call(self, method: str, params: Params) -> Any:
        """Run one call whose parameters passed the spec check."""
        handler = self._handlers.get(method)
        if handler is not None:
            return await handler(params)
        if produces_message(method) and "chat_id" in params:
            chat_id = self.rules.reachable(params["chat_id"])
            self.flood.check(chat_id)
            self.flood.record(chat_id)
        logger.info("%s is not emulated; answering true to %s", method, params)
        return True
