"""Typed events instead of hook lists: services publish what happened, bot/app.py subscribes.

The one list of what reacts to what is in `build_services` (bot/app.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar


@dataclass(frozen=True, slots=True)
class BookingsChanged:
    """These people's bookings changed (a sign-up, a cancellation, a switch, a promotion...)."""

    user_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class ProgrammeChanged:
    """The programme changed: a file imported, or an organiser's change to an item."""


@dataclass(frozen=True, slots=True)
class PersonRegistered:
    """A person started the bot (`new`: for the first time)."""

    user_id: int
    new: bool


E = TypeVar("E")
Reaction = Coroutine[Any, Any, None]


class Events:
    """Deliver each event to the handlers subscribed to its type, in subscription order."""

    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Callable[[Any], Reaction]]] = {}

    def subscribe(self, kind: type[E], handler: Callable[[E], Reaction]) -> None:
        """React to every event of this type."""
        self._handlers.setdefault(kind, []).append(handler)

    def clear(self, kind: type[Any]) -> None:
        """Stop reacting to events of this type (benchmarks re-plan once, at the end)."""
        self._handlers.pop(kind, None)

    def reactions(self, event: object) -> list[Reaction]:
        """Give the reactions to an event, to run (or to start as tasks) by the publisher."""
        return [handler(event) for handler in self._handlers.get(type(event), [])]

    async def publish(self, event: object) -> None:
        """Run the reactions to an event, one after the other."""
        for reaction in self.reactions(event):
            await reaction
