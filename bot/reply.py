"""A message to send, as the core sees it: HTML text and rows of buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a label and its callback data (at most 64 bytes)."""

    label: str
    data: str

    def __post_init__(self) -> None:
        # A label is plain text: one made as a message (HTML, its parameters escaped) is
        # turned back into the text it says
        if isinstance(self.label, Markup):
            object.__setattr__(self, "label", self.label.unescape())


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send: HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
