"""The queue of updates the bot will read with getUpdates."""

from __future__ import annotations

from typing import Any

from bot.sandbox.spec import ApiSpec, Mismatch
from bot.sandbox.state import World


class UpdateQueue:
    """Check and number updates before they wait for the bot's next poll."""

    def __init__(self, world: World, spec: ApiSpec) -> None:
        self.world = world
        self.spec = spec

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw Update (update_id assigned if missing); return its update_id."""
        numbered = dict(update)
        numbered.setdefault("update_id", self.world.next_update_id)
        try:
            self.spec.check(numbered, ["Update"], "update")
        except Mismatch as exc:
            raise ValueError(f"not a valid Update: {exc}") from exc
        return self.world.add_update(numbered)
