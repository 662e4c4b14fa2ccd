"""What the demo prints: the bot's messages, buttons, edits and toasts, and its own notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.i18n import Translator
from bot.sandbox.feed import Feed, Kind, Seen
from bot.sandbox.records import Changes, SentMessage

DEMO_LANGUAGE = "fr"


class Screen:
    """Print, for the person played and the event's group, everything the bot shows them."""

    def __init__(
        self, t: Translator, out: TextIO, feed: Feed, user_id: int, group: int | None
    ) -> None:
        self.t = t
        self.out = out
        self.feed = feed
        self.user_id = user_id
        """The person played: their chat is printed, and the group's."""
        self.group = group
        self.last_with_buttons: SentMessage | None = None
        self.printed = 0
        """How many things the bot did have been printed (a move that adds none was silent)."""
        self.at_prompt = False

    def write(self, text: str) -> None:
        """Print text as is."""
        self.out.write(text)
        self.out.flush()

    def note(self, key: str, **params: object) -> None:
        """Print one of the demo's own messages."""
        self.write(self.t.plain(DEMO_LANGUAGE, f"demo.{key}", **params) + "\n")

    def prompt(self, who: str) -> None:
        """Print the prompt, naming who is typing."""
        self.write(self.t.plain(DEMO_LANGUAGE, "demo.prompt", who=who))

    def chats(self) -> list[int]:
        """List the chats whose messages are printed: the person's, and the group."""
        return [self.user_id] + ([self.group] if self.group is not None else [])

    def show_news(self) -> None:
        """Print everything new the person and the group can see."""
        for seen in self.feed.take(self.chats()):
            self.show(seen)

    def show(self, seen: Seen) -> None:
        """Print one thing the bot did: a message and its buttons, an edit, a toast."""
        self.printed += 1
        if seen.kind in (Kind.TOAST, Kind.ALERT):
            self.note(seen.kind.value, text=seen.text)
            return
        in_group = seen.chat_id != self.user_id
        mark = self.t.plain(DEMO_LANGUAGE, "demo.group") + " " if in_group else ""
        if seen.kind is Kind.EDIT:
            mark += "✎ "
        self.write(f"\n🤖 {mark}{seen.text or self.t.plain(DEMO_LANGUAGE, 'demo.empty')}\n")
        message = seen.message
        if message is not None and message.document is not None:
            self.note("document", name=message.document.filename)
        if message is not None and message.buttons:
            if in_group:
                self.write("   " + "  ".join(f"[{label}]" for label, _ in message.buttons) + "\n")
            else:
                numbered = enumerate(message.buttons, start=1)
                self.write("   " + "  ".join(f"[{n}] {label}" for n, (label, _) in numbered) + "\n")
                self.last_with_buttons = message
        self.write("\n")

    async def watch(self, changes: Changes, who: Callable[[], str]) -> None:
        """Print what the bot sends while the person is not typing anything."""
        while True:
            await changes.wait_for(lambda: self.at_prompt and self.feed.pending(self.chats()))
            self.write("\n")
            self.show_news()
            self.prompt(who())
