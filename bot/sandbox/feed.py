"""What a person would see of the bot, each thing once: new messages, edits, toasts.

The demo reads it after each move and whenever the emulator's state changes, so that what
the bot sends on its own (reminders, digests, notices, the group's announcements) shows as it
happens, and nothing shows twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from bot.sandbox.records import SentMessage
from bot.sandbox.state import World


class Kind(Enum):
    """What a person sees happen."""

    MESSAGE = "message"
    EDIT = "edit"
    TOAST = "toast"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class Seen:
    """One thing the bot did in a chat: a message (new or edited), or a button's answer."""

    kind: Kind
    chat_id: int
    text: str
    message: SentMessage | None = None


class Feed:
    """Follow some chats and the button presses made, and give what is new since last asked."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._count: dict[int, int] = {}
        """How many of each chat's messages have been taken (deleted ones included)."""
        self._edits: dict[tuple[int, int], int] = {}
        """How many edits of each message taken have been taken."""
        self._pressed: dict[str, int] = {}
        """Button presses whose answer has not been taken yet: query id -> chat id."""

    def pressed(self, query_id: str, chat_id: int) -> None:
        """Follow the answer to a button press (a toast or an alert)."""
        self._pressed[query_id] = chat_id

    def pending(self, chats: Iterable[int]) -> bool:
        """Say whether something in these chats has not been taken yet."""
        return any(self._news(chat) for chat in chats) or any(
            query_id in self._world.callback_answers for query_id in self._pressed
        )

    def take(self, chats: Iterable[int]) -> list[Seen]:
        """Give what is new in these chats, and the answers to presses, marking them taken."""
        seen: list[Seen] = []
        for query_id, chat_id in list(self._pressed.items()):
            answer = self._world.callback_answers.get(query_id)
            if answer is None:
                continue
            del self._pressed[query_id]
            if answer.get("text"):
                kind = Kind.ALERT if answer.get("show_alert") else Kind.TOAST
                seen.append(Seen(kind, chat_id, str(answer["text"])))
        for chat in chats:
            sent = self._world.sent.get(chat, [])
            taken = self._count.get(chat, 0)
            for message in sent[:taken]:
                key = (chat, message.message_id)
                if len(message.edits) > self._edits.get(key, 0) and not message.deleted:
                    seen.append(Seen(Kind.EDIT, chat, message.plain_text, message))
                self._edits[key] = len(message.edits)
            for message in sent[taken:]:
                self._edits[(chat, message.message_id)] = len(message.edits)
                if not message.deleted:
                    seen.append(Seen(Kind.MESSAGE, chat, message.plain_text, message))
            self._count[chat] = len(sent)
        return seen

    def _news(self, chat: int) -> bool:
        sent = self._world.sent.get(chat, [])
        taken = self._count.get(chat, 0)
        if len(sent) > taken:
            return True
        return any(
            len(m.edits) > self._edits.get((chat, m.message_id), 0) and not m.deleted
            for m in sent[:taken]
        )
