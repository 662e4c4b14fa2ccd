"""`make demo`: the real bot on the emulator, and a terminal chat to talk to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from bot.clock import RehearsalClock
from bot.i18n import Translator
from bot.logs import setup_logging
from bot.render import Renderer
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import SAMPLE_PROGRAMME, Harness, local_config
from bot.sandbox.records import SentMessage
from bot.services.programme import read_programme

DEMO_LANGUAGE = "fr"
REPLY_WAIT = 3.0
_DELTA = re.compile(r"^\+(\d+)\s*([hm])$")


@dataclass(frozen=True)
class Identity:
    """Someone the demo user can be."""

    key: str
    user_id: int
    first_name: str
    username: str | None


IDENTITIES = {
    i.key: i
    for i in (
        Identity("participant", 1001, "Alice", None),
        Identity("facilitator", 1003, "Mathilde", "mathilde_g"),
        Identity("organiser", 9001, "Oriane", "oriane_orga"),
    )
}


class TerminalChat:
    """Read lines from the terminal, send them as a person, print what the bot answers."""

    def __init__(self, harness: Harness, clock: RehearsalClock, t: Translator) -> None:
        self.harness = harness
        self.clock = clock
        self.t = t
        self.who = IDENTITIES["participant"]
        self.last_with_buttons: SentMessage | None = None

    def say(self, key: str, **params: object) -> None:
        """Print a demo message."""
        print(self.t(DEMO_LANGUAGE, f"demo.{key}", **params), flush=True)

    def name(self) -> str:
        """Give the current identity's description."""
        return self.t(DEMO_LANGUAGE, f"demo.{self.who.key}")

    def show(self, message: SentMessage, edited: bool = False) -> None:
        """Print one bot message and its buttons."""
        mark = "✎ " if edited else ""
        print(f"\n🤖 {mark}{message.plain_text}")
        if message.buttons:
            labels = [f"[{n}] {label}" for n, (label, _) in enumerate(message.buttons, start=1)]
            print("   " + "  ".join(labels))
            self.last_with_buttons = message
        print(flush=True)

    async def exchange(self, send: object) -> None:
        """Do one move and print every new or edited bot message in the person's chat."""
        emu = self.harness.emu
        chat = self.who.user_id
        mark = emu.mark(chat)
        edits = {m.message_id: len(m.edits) for m in emu.messages(chat)}
        assert asyncio.iscoroutine(send)
        await send
        with contextlib.suppress(TimeoutError, AssertionError):
            await emu.wait_for_messages(chat, 1, REPLY_WAIT, after=mark)
        with contextlib.suppress(TimeoutError):
            await self.harness.settle(REPLY_WAIT)
        shown = False
        for message in emu.messages(chat)[:mark]:
            if len(message.edits) > edits.get(message.message_id, 0):
                self.show(message, edited=True)
                shown = True
        for message in emu.messages(chat)[mark:]:
            self.show(message)
            shown = True
        if not shown:
            self.say("silence")

    def move_clock(self, text: str) -> None:
        """Move the rehearsal clock: '+2h', '+30m' or a date and time."""
        text = text.strip()
        if match := _DELTA.match(text):
            amount = int(match.group(1))
            unit = timedelta(hours=amount) if match.group(2) == "h" else timedelta(minutes=amount)
            self.clock.advance(unit)
        elif text:
            try:
                when = datetime.fromisoformat(text)
            except ValueError:
                self.say("bad_time", text=text)
                return
            tz = self.harness.services.config.event.tz
            self.clock.jump_to(when if when.tzinfo else when.replace(tzinfo=tz))
        self.say("clock", now=self.now())

    def now(self) -> str:
        """Give the rehearsal clock's time as people read it."""
        config = self.harness.services.config
        r = Renderer(self.t, DEMO_LANGUAGE, config.event.tz)
        now = self.clock.now()
        return f"{r.date(now.astimezone(config.event.tz).date())}, {r.time(now)}"

    async def handle(self, line: str) -> None:
        """Act on one line typed by the demo user."""
        line = line.strip()
        if not line:
            return
        if line in (":help", ":aide"):
            self.say("intro", programme=SAMPLE_PROGRAMME.name, now=self.now(), who=self.name())
        elif line.startswith(":as"):
            key = line.removeprefix(":as").strip()
            if key not in IDENTITIES:
                self.say("unknown_identity")
                return
            self.who = IDENTITIES[key]
            self.last_with_buttons = None
            self.say("now_as", who=self.name())
        elif line.startswith(":time"):
            self.move_clock(line.removeprefix(":time"))
        elif line.isdigit():
            message = self.last_with_buttons
            number = int(line)
            if message is None or not 1 <= number <= len(message.buttons):
                self.say("no_button", number=number)
                return
            data = message.buttons[number - 1][1]
            assert data is not None
            emu = self.harness.emu
            await self.exchange(emu.press_button(self.who.user_id, message.message_id, data))
        else:
            await self.exchange(self.harness.emu.send_text(self.who.user_id, line))

    async def run(self) -> None:
        """Read and act until end of input."""
        self.say("intro", programme=SAMPLE_PROGRAMME.name, now=self.now(), who=self.name())
        while True:
            prompt = self.t(DEMO_LANGUAGE, "demo.prompt", who=self.who.first_name)
            print(prompt, end="", flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                print()
                break
            if not sys.stdin.isatty():
                print(line.rstrip("\n"))
            await self.handle(line)
        self.say("bye")


def first_morning(programme_path: Path, tz_name: str = "Europe/Paris") -> datetime:
    """Give 08:30 on the first day of the sample programme."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    programme = read_programme(programme_path.read_bytes(), programme_path.name, tz)
    first = min(w.start for w in programme.workshops).astimezone(tz)
    return datetime.combine(first.date(), time(8, 30), tzinfo=tz)


async def _demo(now: datetime | None, speed: float) -> None:
    setup_logging(None, logging.WARNING)
    t = Translator.load(DEMO_LANGUAGE)
    morning = first_morning(SAMPLE_PROGRAMME)
    start = now or morning
    clock = RehearsalClock(start if start.tzinfo else start.replace(tzinfo=morning.tzinfo), speed)
    emu = BotApiEmulator()
    await emu.start()
    try:
        for identity in IDENTITIES.values():
            emu.add_user(
                identity.user_id,
                identity.first_name,
                username=identity.username,
                language_code="fr",
            )
        with tempfile.TemporaryDirectory(prefix="rencontre-demo-") as tmp:
            config = local_config(
                emu,
                Path(tmp) / "demo.sqlite3",
                event={
                    "organisers": [IDENTITIES["organiser"].user_id],
                    "organisations": ["Oxalis", "Coopaname", "Smart"],
                },
            )
            async with Harness.running(emu, config, clock) as harness:
                await TerminalChat(harness, clock, t).run()
    finally:
        await emu.stop()


def run_demo(now: datetime | None = None, speed: float = 1.0) -> int:
    """Run the demo until Ctrl-D or Ctrl-C."""
    try:
        asyncio.run(_demo(now, speed))
    except KeyboardInterrupt:
        print()
    return 0
