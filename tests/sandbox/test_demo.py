"""The terminal demo, driven through its own loop with scripted lines (the real bot, emulated)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.i18n import Translator
from bot.sandbox.demo import FACILITATOR_ID, GROUP_ID, PARTICIPANT, TerminalChat, demo_chat
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import SAMPLE_PROGRAMME
from bot.services.programme import read_programme

PARIS = ZoneInfo("Europe/Paris")
FIRST_MORNING = datetime(2026, 8, 24, 8, 30, tzinfo=PARIS)
ALICE = PARTICIPANT.user_id
t = Translator.load("fr")

Line = str | Callable[[TerminalChat], str]
"""A line to type, or one chosen when it is typed, from what the demo shows then."""


def demo(key: str, **params: object) -> str:
    return t.plain("fr", f"demo.{key}", **params)  # the terminal shows text, not HTML


@dataclass
class Played:
    """A demo session played to its end: what it printed, and when."""

    emu: BotApiEmulator
    chat: TerminalChat
    output: str = ""
    typed: list[str] = field(default_factory=list)
    printed_by: list[int] = field(default_factory=list)
    """How much had been printed when each line was asked for (and once more at the end)."""

    def after(self, i: int) -> str:
        """Give what was printed from the moment line i was typed to the next prompt's end."""
        return self.output[self.printed_by[i] : self.printed_by[i + 1]]


async def play(*lines: Line) -> Played:
    """Run the demo on the sample week's first morning with these lines as input."""
    out = io.StringIO()
    queue = list(lines)
    played: Played | None = None
    marks: list[int] = []
    typed: list[str] = []

    async def read() -> str:
        marks.append(len(out.getvalue()))
        if not queue:
            return ""
        line = queue.pop(0)
        assert played is not None
        text = line if isinstance(line, str) else line(played.chat)
        typed.append(text)
        return text + "\n"

    async with demo_chat(FrozenClock(FIRST_MORNING), read=read, out=out, echo=True) as chat:
        played = Played(chat.harness.emu, chat)
        await chat.run()
    played.output, played.typed, played.printed_by = out.getvalue(), typed, marks
    assert "Traceback" not in played.output
    assert demo("failed", error="").split("(")[0] not in played.output
    return played


def button(fragment: str) -> Callable[[TerminalChat], str]:
    """Type the number of the first button of the last message whose label has `fragment`."""

    def number(chat: TerminalChat) -> str:
        message = chat.last_with_buttons
        assert message is not None, "no message with buttons shown"
        labels = [label for label, _ in message.buttons]
        found = [n for n, label in enumerate(labels, start=1) if fragment in label]
        assert found, f"no button with {fragment!r} in {labels}"
        return str(found[0])

    return number


def texts_from(emu: BotApiEmulator, user_id: int) -> list[str]:
    """List the texts a person sent, in order."""
    return [
        m["text"]
        for (chat, _), m in sorted(emu.world.incoming.items())
        if chat == user_id and "text" in m
    ]


async def test_a_rota_slot_shows_its_toast_and_its_reminder_as_soon_as_the_clock_moves() -> None:
    before_time: list[int] = []

    def move_clock(chat: TerminalChat) -> str:
        before_time.append(chat.harness.emu.observer.mark(ALICE))
        return ":time 2026-08-24 13:52"  # the 14:00 slot's reminder is due at 13:50

    played = await play("/start", button("Passer"), "/rota", button("Vaisselle"), move_clock)
    emu = played.emu

    # The press answered with a toast, printed as such, and the move was not "silent"
    [answer] = [a for a in emu.callback_answers.values() if a["text"] and "✅" in a["text"]]
    took = played.after(3)
    assert demo("toast", text=answer["text"]) in took
    assert demo("silence") not in took

    # The reminder went out when the clock moved and was printed before the next prompt
    [reminder] = [
        m for m in emu.observer.messages(ALICE)[before_time[0] :] if "Vaisselle" in m.plain_text
    ]
    assert reminder.plain_text.startswith("🧹")
    assert f"🤖 {reminder.plain_text}" in played.after(4)
    assert played.output.count(reminder.plain_text) == 1


async def test_the_groups_announcements_are_printed_marked_as_the_groups() -> None:
    played = await play(":time 2026-08-24 09:50", "c'est quoi la suite ?")
    said = played.emu.observer.messages(GROUP_ID)
    [announcement] = [m for m in said if m.plain_text.startswith("⏰")]  # the 10:00 slot
    first_line = announcement.plain_text.splitlines()[0]
    assert f"🤖 {demo('group')} {first_line}" in played.after(0)
    for message in said:  # every group message once, and never as if sent to Alice
        assert played.output.count(message.plain_text) == 1
        assert f"🤖 {message.plain_text}" not in played.output
    assert played.emu.observer.messages(ALICE), "the question got no answer"


async def test_an_edit_of_a_message_shown_is_printed_as_an_edit() -> None:
    played = await play("/start", button("Passer"))
    [question] = [m for m in played.emu.observer.messages(ALICE) if m.edits]
    assert f"🤖 ✎ {question.plain_text}" in played.after(1)
    assert played.output.count(question.edits[0].plain_text) == 1


async def test_what_came_for_a_person_while_another_was_played_shows_once_on_return() -> None:
    played = await play(
        "/start",
        ":as organiser",
        "/broadcast Le bus part à 18h",
        button("👥"),  # everyone
        button("✅"),  # send
        button("✅"),  # yes, to everyone
        ":as participant",
        "/help",
    )
    [notice] = [
        m for m in played.emu.observer.messages(ALICE) if "Le bus part à 18h" in m.plain_text
    ]
    assert played.after(6).count(f"🤖 {notice.plain_text}") == 1
    assert "Le bus part à 18h" not in played.after(7)


async def test_a_number_can_be_sent_as_text() -> None:
    played = await play("/start", "12", ":say 12", ":say")
    # A bare number presses a button: message "/start" has no 12th one, and nothing is sent
    assert demo("no_button", number="12") in played.after(1)
    # ":say 12" sends the text, and the bot's answer is printed
    assert texts_from(played.emu, ALICE) == ["/start", "12"]
    answer = played.emu.observer.messages(ALICE)[-1]
    assert f"🤖 {answer.plain_text}" in played.after(2)
    assert demo("say_what") in played.after(3)


async def test_the_facilitator_played_is_one_the_programme_names_and_may_change_their_items() -> (
    None
):
    played = await play(":as facilitator", "/change")
    emu, facilitator = played.emu, played.chat.identities["facilitator"]

    # A person the sample programme names, with the username the bot links them by
    programme = read_programme(SAMPLE_PROGRAMME.read_bytes(), SAMPLE_PROGRAMME.name, PARIS)
    theirs = [
        w
        for w in programme.workshops
        if any(
            (f.telegram or "").lstrip("@") == facilitator.username
            and f.name.startswith(facilitator.first_name)
            for f in w.facilitators
        )
    ]
    assert theirs
    assert emu.world.users[FACILITATOR_ID].user["username"] == facilitator.username

    # The demo said /start for them before calling them a facilitator
    assert texts_from(emu, FACILITATOR_ID) == ["/start", "/change"]
    switched = played.after(0)
    assert switched.index(demo("starting", name=facilitator.first_name)) < switched.index(
        demo("now_as", who=f"{facilitator.first_name}, qui anime").removesuffix(".")
    )

    # /change offers their items at once
    offer = emu.observer.messages(FACILITATOR_ID)[-1]
    assert t("fr", "change.not_yours") not in played.output
    labels = " ".join(label for label, _ in offer.buttons)
    assert any(w.title[:20] in labels for w in theirs), labels
    assert f"🤖 {offer.plain_text}" in played.after(1)


async def test_an_unknown_command_gets_a_one_line_hint() -> None:
    played = await play(":frobnicate now", ":help")
    prompt = t("fr", "demo.prompt", who="Alice")
    hint = demo("unknown_command", command=":frobnicate")
    assert played.after(0) == f":frobnicate now\n{hint}\n{prompt}"
    assert demo("help") in played.after(1)


async def test_odd_lines_get_an_answer_and_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    long_line = "é" * 9000
    played = await play(
        "", "   ", "0", "99999999999999999999", "²", ":", ":as", ":time 2026-13-45 25:00", long_line
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for i, number in ((2, "0"), (3, "99999999999999999999")):
        assert demo("no_button", number=number) in played.after(i)
    assert demo("unknown_command", command=":") in played.after(5)
    assert demo("unknown_identity") in played.after(6)
    assert demo("bad_time", text="2026-13-45 25:00") in played.after(7)
    # A line longer than Telegram allows goes as several messages, as Telegram clients send it
    assert texts_from(played.emu, ALICE) == ["²", "é" * 4096, "é" * 4096, "é" * 808]
    assert played.output.rstrip().endswith(demo("bye"))


async def test_the_demo_turns_the_web_pages_on_and_says_where() -> None:
    played = await play(":help")
    site = played.chat.harness.services.config.web.base_url
    assert site is not None and site.startswith("http://127.0.0.1:")
    assert demo("web", url=site) in played.output


# Issue 14, part 1: the sample week's proposed sessions
async def test_the_demo_shows_proposed_sessions_and_their_cards() -> None:
    played = await play("/workshop cerfs-volants", ":as organiser")
    emu = played.emu
    (details,) = [
        m for m in emu.observer.messages(ALICE) if "Cerfs-volants sur la plage" in m.plain_text
    ]
    assert "Plage" in details.plain_text
    shown = [m for m in emu.observer.messages(9001) if "Proposition d'atelier" in m.plain_text]
    # the approved one's card says so (written when sent), the two others wait with buttons
    decided = [m for m in shown if not m.buttons]
    assert len(decided) == 1 and "✅ Acceptée" in decided[0].plain_text
    cards = [m.plain_text for m in shown if m.buttons]
    assert len(cards) == 2
    assert any("Chorale improvisée" in c for c in cards)
    assert any("Réparer son vélo" in c and "l'équipe d'organisation choisira" in c for c in cards)
    assert "Chorale improvisée" in played.output
