"""What the emulator remembers and shows to tests: the bot's messages and its calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class SentDocument(NamedTuple):
    """A document the bot sent: its file name and bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class MessageVersion:
    """One earlier state of an edited message."""

    text: str
    plain_text: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    edit_date: int | None


@dataclass
class SentMessage:
    """A message the bot sent, in its current state; `edits` holds the earlier states.

    For a document, `text` and `plain_text` are its caption ("" without one).
    """

    message_id: int
    chat_id: int
    date: int
    text: str
    plain_text: str
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: SentDocument | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edits: list[MessageVersion] = field(default_factory=list)
    pinned: bool = False
    deleted: bool = False
    # The Telegram Document object, for a document message.
    document_info: dict[str, Any] | None = None

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """List every button as (text, callback_data or url; None for other kinds)."""
        if self.reply_markup is None:
            return []
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        flat: list[tuple[str, str | None]] = []
        for row in rows:
            for button in row:
                if isinstance(button, str):
                    flat.append((button, None))
                else:
                    flat.append((button["text"], button.get("callback_data", button.get("url"))))
        return flat

    def snapshot(self) -> MessageVersion:
        """Return the current state, to keep in `edits` before a change."""
        return MessageVersion(
            text=self.text,
            plain_text=self.plain_text,
            parse_mode=self.parse_mode,
            entities=list(self.entities),
            reply_markup=self.reply_markup,
            edit_date=self.edit_date,
        )


@dataclass(frozen=True)
class Call:
    """One Bot API call the bot made, with the answer it got."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Say whether the call succeeded."""
        return self.status == 200


class Changes:
    """Wake every waiter when the emulator's state changes, without polling or locks.

    notify() is synchronous, so a handler can change state and wake waiters without
    yielding to the event loop in between.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake everyone waiting now."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Return once predicate() holds (bound it with asyncio.timeout)."""
        while not predicate():
            await self._event.wait()
