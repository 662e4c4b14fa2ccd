"""`make demo`: the real bot on the emulator, and a terminal chat to talk to it.

The chat (here) reads lines and plays them; `demo_screen.py` prints, `demo_people.py` knows
whom the demo user may be.

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
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import schedule_backup
from bot.clock import RehearsalClock
from bot.i18n import Translator
from bot.logs import setup_logging
from bot.sandbox import sample
from bot.sandbox.demo_people import (
    FACILITATOR_ID,
    IDENTITY_KEYS,
    ORGANISER,
    PARTICIPANT,
    Identities,
)
from bot.sandbox.demo_screen import DEMO_LANGUAGE, Screen
from bot.sandbox.emulator import BotApiEmulator, EmulatorTimeout
from bot.sandbox.feed import Feed
from bot.sandbox.harness import SAMPLE_PROGRAMME, Harness, local_config
from bot.sandbox.records import SentMessage
from bot.sandbox.sample_families import sample_families
from bot.sandbox.sample_proposals import load_sample_proposals
from bot.services.programme import read_programme
from bot.views.common import Renderer

__all__ = [
    "FACILITATOR_ID",
    "GROUP_ID",
    "PARTICIPANT",
    "TerminalChat",
    "demo_chat",
    "first_morning",
    "run_demo",
]

REPLY_WAIT = 10.0
"""Seconds a move waits for the bot to finish handling it before the next prompt."""
FLUSH_WAIT = 30.0
"""Seconds `:time` waits for what became due to go out (the rest prints as it goes)."""
MAX_TEXT = 4096
"""Telegram's longest message: a longer line goes as several, as Telegram clients do."""

GROUP_ID = -1001000000001
_DELTA = re.compile(r"^\+\s*(\d{1,6})\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

Reader = Callable[[], Awaitable[str]]
"""Give the next line typed (with its newline), or "" at the end of input."""


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
        self.echo = (not sys.stdin.isatty()) if echo is None else echo
        self.who = PARTICIPANT
        self.people = Identities(harness, clock, t)
        self.identities = self.people.known
        group = harness.services.config.event.announce_chat_id
        feed = Feed(harness.emu.world)
        self.screen = Screen(
            t, out if out is not None else sys.stdout, feed, self.who.user_id, group
        )
        self._under_way: set[asyncio.Task[None]] = set()

    @property
    def last_with_buttons(self) -> SentMessage | None:
        """Give the last message shown with buttons (numbers press them)."""
        return self.screen.last_with_buttons

    async def exchange(self, move: Awaitable[object]) -> None:
        """Make one move, wait until the bot has handled it, and print what it showed."""
        before = self.screen.printed
        await move
        with contextlib.suppress(TimeoutError):
            await self.harness.settle(REPLY_WAIT)
        await self.send_due(REPLY_WAIT)
        if self.screen.printed == before:
            self.screen.note("silence")

    async def send_text(self, text: str) -> None:
        """Send a text as the person (a long one in pieces, as Telegram clients do)."""
        for start in range(0, len(text), MAX_TEXT):
            piece = text[start : start + MAX_TEXT]
            await self.exchange(self.harness.emu.people.send_text(self.who.user_id, piece))

    async def press(self, text: str) -> None:
        """Press button number `text` of the last message shown with buttons."""
        number = int(text)
        message = self.screen.last_with_buttons
        if message is None or message.deleted or not 1 <= number <= len(message.buttons):
            self.screen.note("no_button", number=text)
            return
        label, data = message.buttons[number - 1]
        keyboard = message.reply_markup or {}
        if "keyboard" in keyboard:  # a reply keyboard: its button sends its label
            await self.send_text(label)
            return
        button = [b for row in keyboard.get("inline_keyboard", []) for b in row][number - 1]
        if "callback_data" not in button:
            self.screen.note("link_button", label=label, target=data or "")
            return
        emu, who = self.harness.emu, self.who.user_id
        query_id = await emu.people.press_button(who, message.message_id, button["callback_data"])
        self.screen.feed.pressed(query_id, who)

        async def answered() -> None:
            with contextlib.suppress(EmulatorTimeout):  # unanswered: "(pas de réponse)"
                await emu.observer.wait_for_callback_answer(query_id, REPLY_WAIT)

        await self.exchange(answered())

    async def become(self, key: str) -> None:
        """Play another identity; the demo sends /start for someone who never wrote."""
        if key not in IDENTITY_KEYS:
            self.screen.note("unknown_identity")
            return
        identity = await self.people.find(key)
        if identity is None:
            self.screen.note("no_facilitator")
            return
        self.who = identity
        self.screen.user_id = identity.user_id
        self.screen.last_with_buttons = None
        if not self.harness.emu.world.users[identity.user_id].started:
            self.screen.note("starting", name=identity.first_name)
            await self.send_text("/start")
        self.screen.note("now_as", who=await self.people.describe(self.who))
        self.screen.show_news()  # what came for them while someone else was played

    async def move_clock(self, text: str) -> None:
        """Move the clock ('+2h', '+30m', '+1d' or a date and time); send what became due."""
        when = self._parse_time(text)
        if when is None:
            if text:
                self.screen.note("bad_time", text=text)
            else:
                self.screen.note("clock", now=self.now())
            return
        self.clock.jump_to(when)
        self.screen.note("clock", now=self.now())
        await sample.answer_what_is_over(self.harness)  # the sample people's feedback
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
        self.screen.show_news()

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
            self.screen.note("help")
        elif command == ":as":
            await self.become(rest)
        elif command == ":time":
            await self.move_clock(rest)
        elif command == ":say":
            if rest:
                await self.send_text(rest)
            else:
                self.screen.note("say_what")
        else:
            self.screen.note("unknown_command", command=command[:40])

    def intro(self) -> str:
        """Give the demo's opening lines."""
        return self.t.plain(
            DEMO_LANGUAGE, "demo.intro", programme=SAMPLE_PROGRAMME.name, now=self.now()
        )

    async def run(self) -> None:
        """Read and act until end of input."""
        self.screen.write(self.intro() + "\n")
        site = self.harness.services.config.web.base_url
        if site is not None:
            self.screen.note("web", url=site)
        self.screen.note("you_are", who=await self.people.describe(self.who))
        self.screen.note("help")
        watcher = asyncio.create_task(
            self.screen.watch(self.harness.emu.world.changes, lambda: self.who.first_name),
            name="demo-watcher",
        )
        try:
            while True:
                self.screen.show_news()
                self.screen.prompt(self.who.first_name)
                self.screen.at_prompt = True
                try:
                    line = await self.read()
                finally:
                    self.screen.at_prompt = False
                if not line:
                    self.screen.write("\n")
                    break
                if self.echo:
                    self.screen.write(line.rstrip("\n") + "\n")
                try:
                    await self.handle(line)
                except Exception as exc:
                    # The demo goes on whatever a line did; the error is shown, not hidden
                    logging.getLogger(__name__).debug("demo line failed", exc_info=True)
                    self.screen.note("failed", error=f"{type(exc).__name__}: {exc}"[:200])
            if self._under_way:
                await asyncio.wait(self._under_way)
            self.screen.show_news()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        self.screen.note("bye")


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
            emu.cast.add_user(
                identity.user_id,
                identity.first_name,
                username=identity.username,
                language_code=DEMO_LANGUAGE,
            )
        event_name = "La Bigre Rencontre 2026"
        emu.cast.add_group(GROUP_ID, event_name, members=[PARTICIPANT.user_id, ORGANISER.user_id])
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
                # Issue 14, part 1: the sample week's proposed sessions, cards for the organiser
                people = harness.services.people
                o = ORGANISER
                await people.register(o.user_id, o.first_name, None, o.username, DEMO_LANGUAGE)
                emu.world.users[o.user_id].started = True  # as if they had sent /start
                await load_sample_proposals(harness.services, ORGANISER.user_id)
                await sample_families(harness)  # issue 14, part 5: the kids' club
                await sample.seed(harness)  # a few people who starred items (issue 14)
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
