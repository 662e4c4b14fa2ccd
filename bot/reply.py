"""A message to send, as the core sees it: HTML text and rows of buttons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a label and its callback data (at most 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send: HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
