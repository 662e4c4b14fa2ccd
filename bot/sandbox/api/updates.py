"""The bot, its webhook and its updates: getMe, the webhook methods, getUpdates' long poll."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.sandbox.api.rules import Handler, MethodGroup, Params
from bot.sandbox.errors import conflict

_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateMethods(MethodGroup):
    """Answer getMe, the webhook methods and getUpdates."""

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        return {
            "getMe": self.get_me,
            "logOut": self.trivial,
            "close": self.trivial,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "getUpdates": self.get_updates,
        }

    async def get_me(self, params: Params) -> Any:
        """Answer getMe."""
        return dict(self.world.bot_user)

    async def trivial(self, params: Params) -> Any:
        """Answer true."""
        return True

    async def set_webhook(self, params: Params) -> Any:
        """Remember the webhook URL (getUpdates then refuses, as on Telegram)."""
        self.world.webhook_url = params["url"]
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def delete_webhook(self, params: Params) -> Any:
        """Forget the webhook, and the pending updates if asked."""
        self.world.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        """Answer getWebhookInfo."""
        return {
            "url": self.world.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = self.world.allowed_updates
        kept = []
        for update in self.world.updates:
            kind = next((key for key in update if key != "update_id"), "")
            if (kind in allowed) if allowed else (kind not in _NOT_DELIVERED_BY_DEFAULT):
                kept.append(update)
        return kept

    async def _wait_for_updates(self, generation: int, seconds: float) -> None:
        world = self.world

        def woken() -> bool:
            superseded = world.poll_generation != generation
            return bool(self._deliverable()) or superseded or world.closing

        world.waiting_polls += 1
        world.changes.notify()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await world.changes.wait_for(woken)
        finally:
            world.waiting_polls -= 1
            world.changes.notify()

    async def get_updates(self, params: Params) -> Any:
        """Long-poll: answer at once if updates wait, else when one arrives or at timeout."""
        world = self.world
        if world.webhook_url:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        if "allowed_updates" in params:
            world.allowed_updates = frozenset(params["allowed_updates"]) or None
        offset = params.get("offset", 0)
        if offset > 0:
            world.updates = [u for u in world.updates if u["update_id"] >= offset]
        elif offset < 0:
            world.updates = world.updates[offset:]
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = max(params.get("timeout", 0), 0)
        world.poll_generation += 1
        generation = world.poll_generation
        world.changes.notify()  # an older poll still waiting is now superseded
        if not self._deliverable() and timeout > 0:
            await self._wait_for_updates(generation, timeout)
            if world.poll_generation != generation:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )
        deliverable = self._deliverable()
        world.updates = deliverable  # updates of types not asked for are dropped
        return deliverable[:limit]
