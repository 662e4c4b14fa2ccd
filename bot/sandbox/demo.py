"""`make demo`: the real bot on the emulator, and a terminal chat to talk to it.

Everything the bot sends to the person played is printed as it happens (replies, reminders,
digests, notices, edits, toasts), and so is what it sends to the event's group, marked as the
group's. Lines come from a reader (the terminal by default) and go to a text stream, so tests
drive the same loop with scripted input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import schedule_backup
from bot.clock import RehearsalClock
from bot.domain.models import Kind as ItemKind
from bot.domain.models import Role
from bot.i18n import Translator
from bot.logs import setup_logging
from bot.sandbox.emulator import BotApiEmulator, EmulatorTimeout
from bot.sandbox.feed import Feed, Kind, Seen
from bot.sandbox.harness import SAMPLE_PROGRAMME, Harness, local_config
from bot.sandbox.records import SentMessage
from bot.services.programme import read_programme
from bot.views.common import Renderer

DEMO_LANGUAGE = "fr"
REPLY_WAIT = 10.0
"""Seconds a move waits for the bot to finish handling it before the next prompt."""
FLUSH_WAIT = 30.0
"""Seconds `:time` waits for what became due to go out (the rest prints as it goes)."""
MAX_TEXT = 4096
"""Telegram's longest message: a longer line goes as several, as Telegram clients do."""
GROUP_ID = -1001000000001
FACILITATOR_ID = 1003
TITLES_SHOWN = 3
_DELTA = re.compile(r"^\+\s*(\d{1,6})\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

Reader = Callable[[], Awaitable[str]]
"""Give the next line typed (with its newline), or "" at the end of input."""


@dataclass(frozen=True)
class Identity:
    """Someone the demo user can be."""

    key: str
    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None


PARTICIPANT = Identity("participant", 1001, "Alice")
ORGANISER = Identity("organiser", 9001, "Oriane", username="oriane_orga")
IDENTITY_KEYS = ("participant", "facilitator", "organiser")


async def terminal_line() -> str:
    """Read a line from the terminal without holding up the bot."""
    return await asyncio.to_thread(sys.stdin.readline)


class TerminalChat:
    """Read lines, send them as a person, print everything the bot shows that person."""

    def __init__(
        self,
        harness: Harness,
        clock: RehearsalClock,
        t: Translator,
        *,
        read: Reader = terminal_line,
        out: TextIO | None = None,
        echo: bool | None = None,
    ) -> None:
        self.harness = harness
        self.clock = clock
        self.t = t
        self.read = read
        self.out = out if out is not None else sys.stdout
        self.echo = (not sys.stdin.isatty()) if echo is None else echo
        self.who = PARTICIPANT
        self.identities: dict[str, Identity] = {"participant": PARTICIPANT, "organiser": ORGANISER}
        self.feed = Feed(harness.emu.world)
        self.last_with_buttons: SentMessage | None = None
        self.printed = 0
        """How many things the bot did have been printed (a move that adds none was silent)."""
        self._at_prompt = False
        self._under_way: set[asyncio.Task[None]] = set()

    # --- printing -----------------------------------------------------------------------

    def write(self, text: str) -> None:
        """Print text as is."""
        self.out.write(text)
        self.out.flush()

    def note(self, key: str, **params: object) -> None:
        """Print one of the demo's own messages (plain text: a terminal shows no HTML)."""
        self.write(self.t.plain(DEMO_LANGUAGE, f"demo.{key}", **params) + "\n")

    def prompt(self) -> None:
        """Print the prompt, naming who is typing."""
        self.write(self.t.plain(DEMO_LANGUAGE, "demo.prompt", who=self.who.first_name))

    @property
    def group(self) -> int | None:
        """Give the event's group, if the bot has one."""
        return self.harness.services.config.event.announce_chat_id

    def chats(self) -> list[int]:
        """List the chats whose messages are printed: the person's, and the group."""
        return [self.who.user_id] + ([self.group] if self.group is not None else [])

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
        in_group = seen.chat_id != self.who.user_id
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

    async def _watch(self) -> None:
        """Print what the bot sends while the person is not typing anything."""
        changes = self.harness.emu.world.changes
        while True:
            await changes.wait_for(lambda: self._at_prompt and self.feed.pending(self.chats()))
            self.write("\n")
            self.show_news()
            self.prompt()

    # --- moves --------------------------------------------------------------------------

    async def exchange(self, move: Awaitable[object]) -> None:
        """Make one move, wait until the bot has handled it, and print what it showed."""
        before = self.printed
        await move
        with contextlib.suppress(TimeoutError):
            await self.harness.settle(REPLY_WAIT)
        await self.send_due(REPLY_WAIT)
        if self.printed == before:
            self.note("silence")

    async def send_text(self, text: str) -> None:
        """Send a text as the person (a long one in pieces, as Telegram clients do)."""
        for start in range(0, len(text), MAX_TEXT):
            piece = text[start : start + MAX_TEXT]
            await self.exchange(self.harness.emu.send_text(self.who.user_id, piece))

    async def press(self, text: str) -> None:
        """Press button number `text` of the last message shown with buttons."""
        number = int(text)
        message = self.last_with_buttons
        if message is None or message.deleted or not 1 <= number <= len(message.buttons):
            self.note("no_button", number=text)
            return
        label, data = message.buttons[number - 1]
        keyboard = message.reply_markup or {}
        if "keyboard" in keyboard:  # a reply keyboard: its button sends its label
            await self.send_text(label)
            return
        button = [b for row in keyboard.get("inline_keyboard", []) for b in row][number - 1]
        if "callback_data" not in button:
            self.note("link_button", label=label, target=data or "")
            return
        emu, who = self.harness.emu, self.who.user_id
        query_id = await emu.press_button(who, message.message_id, button["callback_data"])
        self.feed.pressed(query_id, who)

        async def answered() -> None:
            with contextlib.suppress(EmulatorTimeout):  # unanswered: "(pas de réponse)"
                await emu.wait_for_callback_answer(query_id, REPLY_WAIT)

        await self.exchange(answered())

    async def become(self, key: str) -> None:
        """Play another identity; the demo sends /start for someone who never wrote."""
        if key not in IDENTITY_KEYS:
            self.note("unknown_identity")
            return
        identity = self.identities.get(key) or await self._facilitator()
        if identity is None:
            self.note("no_facilitator")
            return
        self.who = identity
        self.last_with_buttons = None
        if not self.harness.emu.world.users[identity.user_id].started:
            self.note("starting", name=identity.first_name)
            await self.send_text("/start")
        self.note("now_as", who=await self.describe())
        self.show_news()  # what came for them while someone else was played

    async def _facilitator(self) -> Identity | None:
        """Take a facilitator the programme names with a Telegram username.

        The one of the next workshop (not a meal nor a kids' club) when there is one.
        """
        programme = await self.harness.services.programme.current()
        now = self.clock.now()
        items = sorted(
            programme.workshops,
            key=lambda w: (w.kind is not ItemKind.WORKSHOP, w.start < now, w.start, w.title),
        )
        for item in items:
            for person in item.facilitators:
                if person.telegram:
                    first, _, last = person.name.partition(" ")
                    identity = Identity(
                        "facilitator",
                        FACILITATOR_ID,
                        first,
                        last or None,
                        person.telegram.lstrip("@"),
                    )
                    self._add_person(identity)
                    self.identities["facilitator"] = identity
                    return identity
        return None

    def _add_person(self, identity: Identity) -> None:
        emu = self.harness.emu
        emu.add_user(
            identity.user_id,
            identity.first_name,
            last_name=identity.last_name,
            username=identity.username,
            language_code=DEMO_LANGUAGE,
        )
        if self.group is not None:
            emu.join_group(self.group, identity.user_id)

    async def describe(self) -> str:
        """Say who is played, as the bot knows them (a facilitator only once it knows so)."""
        roles, name = self.harness.services.roles, self.who.first_name
        role = await roles.role(self.who.user_id)
        if role is Role.ORGANISER:
            return self.t.plain(DEMO_LANGUAGE, "demo.as_organiser", name=name)
        if role is Role.FACILITATOR:
            titles = [w.title for w in await roles.items_run_by(self.who.user_id)]
            items = ", ".join(
                self.t.plain(DEMO_LANGUAGE, "demo.title", title=title)
                for title in titles[:TITLES_SHOWN]
            )
            if len(titles) > TITLES_SHOWN:
                more = len(titles) - TITLES_SHOWN
                items = self.t.plain(DEMO_LANGUAGE, "demo.and_more", items=items, count=more)
            return self.t.plain(DEMO_LANGUAGE, "demo.as_facilitator", name=name, items=items)
        return self.t.plain(DEMO_LANGUAGE, "demo.as_participant", name=name)

    # --- the clock ----------------------------------------------------------------------

    async def move_clock(self, text: str) -> None:
        """Move the clock ('+2h', '+30m', '+1d' or a date and time); send what became due."""
        when = self._parse_time(text)
        if when is None:
            if text:
                self.note("bad_time", text=text)
            else:
                self.note("clock", now=self.now())
            return
        self.clock.jump_to(when)
        self.note("clock", now=self.now())
        schedule_backup(self.harness.app)  # armed on the old time: re-armed on the new one
        self.harness.services.outbox.wake()
        await self.send_due(FLUSH_WAIT)

    def _parse_time(self, text: str) -> datetime | None:
        try:
            if match := _DELTA.match(text):
                delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
                return self.clock.now() + delta
            when = datetime.fromisoformat(text)
        except (ValueError, OverflowError):
            return None
        tz = self.harness.services.config.event.tz
        return when if when.tzinfo else when.replace(tzinfo=tz)

    async def send_due(self, wait: float) -> None:
        """Let what is due now go at once (waiting `wait` seconds at most); print it."""
        services = self.harness.services
        await self._within(services.bookings.drain(), wait)  # the re-planning after a sign-up
        await self._within(services.outbox.flush(), wait)
        self.show_news()

    async def _within(self, work: Coroutine[Any, Any, None], wait: float) -> None:
        """Wait up to `wait` seconds for some work, never cutting it short.

        Cut short, a flush or a drain would cancel the sends or the re-planning under way:
        work that takes longer goes on, and what it sends prints as it goes.
        """
        task = asyncio.create_task(work)
        self._under_way.add(task)
        task.add_done_callback(self._under_way.discard)
        await asyncio.wait({task}, timeout=wait)

    def now(self) -> str:
        """Give the rehearsal clock's time as people read it."""
        tz = self.harness.services.config.event.tz
        r = Renderer(self.t, DEMO_LANGUAGE, tz)
        now = self.clock.now()
        return f"{r.date(now.astimezone(tz).date())}, {r.time(now)}"

    # --- the loop -----------------------------------------------------------------------

    async def handle(self, line: str) -> None:
        """Act on one line typed by the demo user."""
        line = line.strip()
        if not line:
            return
        if line.isascii() and line.isdigit():
            await self.press(line)
            return
        if not line.startswith(":"):
            await self.send_text(line)
            return
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if command in (":help", ":aide"):
            self.note("help")
        elif command == ":as":
            await self.become(rest)
        elif command == ":time":
            await self.move_clock(rest)
        elif command == ":say":
            if rest:
                await self.send_text(rest)
            else:
                self.note("say_what")
        else:
            self.note("unknown_command", command=command[:40])

    def intro(self) -> str:
        """Give the demo's opening lines."""
        return self.t.plain(
            DEMO_LANGUAGE, "demo.intro", programme=SAMPLE_PROGRAMME.name, now=self.now()
        )

    async def run(self) -> None:
        """Read and act until end of input."""
        self.write(self.intro() + "\n")
        site = self.harness.services.config.web.base_url
        if site is not None:
            self.note("web", url=site)
        self.note("you_are", who=await self.describe())
        self.note("help")
        watcher = asyncio.create_task(self._watch(), name="demo-watcher")
        try:
            while True:
                self.show_news()
                self.prompt()
                self._at_prompt = True
                try:
                    line = await self.read()
                finally:
                    self._at_prompt = False
                if not line:
                    self.write("\n")
                    break
                if self.echo:
                    self.write(line.rstrip("\n") + "\n")
                try:
                    await self.handle(line)
                except Exception as exc:
                    # The demo goes on whatever a line did; the error is shown, not hidden
                    logging.getLogger(__name__).debug("demo line failed", exc_info=True)
                    self.note("failed", error=f"{type(exc).__name__}: {exc}"[:200])
            if self._under_way:
                await asyncio.wait(self._under_way)
            self.show_news()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        self.note("bye")


def first_morning(programme_path: Path, tz_name: str = "Europe/Paris") -> datetime:
    """Give 08:30 on the first day of the sample programme."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    programme = read_programme(programme_path.read_bytes(), programme_path.name, tz)
    first = min(w.start for w in programme.workshops).astimezone(tz)
    return datetime.combine(first.date(), time(8, 30), tzinfo=tz)


def _free_port() -> int:
    """Give a port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def demo_chat(
    clock: RehearsalClock,
    *,
    read: Reader = terminal_line,
    out: TextIO | None = None,
    echo: bool | None = None,
) -> AsyncIterator[TerminalChat]:
    """Start the emulator, the event's group and the bot; give the chat to run."""
    t = Translator.load(DEMO_LANGUAGE)
    emu = BotApiEmulator()
    await emu.start()
    try:
        for identity in (PARTICIPANT, ORGANISER):
            emu.add_user(
                identity.user_id,
                identity.first_name,
                username=identity.username,
                language_code=DEMO_LANGUAGE,
            )
        event_name = "La Bigre Rencontre 2026"
        emu.add_group(GROUP_ID, event_name, members=[PARTICIPANT.user_id, ORGANISER.user_id])
        with tempfile.TemporaryDirectory(prefix="rencontre-demo-") as tmp:
            config = local_config(
                emu,
                Path(tmp) / "demo.sqlite3",
                event={
                    "name": event_name,
                    "organisers": [ORGANISER.user_id],
                    "organisations": ["Oxalis", "Coopaname", "Smart"],
                    "announce_chat_id": GROUP_ID,
                },
                # The web pages too (the hall's screen, the programme, calendar links)
                extra={"web": {"listen": f"127.0.0.1:{_free_port()}"}},
            )
            async with Harness.running(emu, config, clock) as harness:
                yield TerminalChat(harness, clock, t, read=read, out=out, echo=echo)
    finally:
        await emu.stop()


async def _demo(now: datetime | None, speed: float) -> None:
    setup_logging(None, logging.WARNING)
    morning = first_morning(SAMPLE_PROGRAMME)
    start = now or morning
    clock = RehearsalClock(start if start.tzinfo else start.replace(tzinfo=morning.tzinfo), speed)
    async with demo_chat(clock) as chat:
        await chat.run()


def run_demo(now: datetime | None = None, speed: float = 1.0) -> int:
    """Run the demo until Ctrl-D or Ctrl-C."""
    try:
        asyncio.run(_demo(now, speed))
    except KeyboardInterrupt:
        print()
    return 0
