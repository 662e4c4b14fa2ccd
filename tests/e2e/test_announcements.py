"""Issue 5: the bot's own messages, with the clock moved to chosen moments (no real waiting)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from storage import outbox as outbox_repo
from storage.outbox import Entry
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, PARIS

PROGRAMME = """
[[workshop]]
id = "a"
title = "Atelier A"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Salle des Pins"
capacity = 10

[[workshop]]
id = "b"
title = "Atelier B & co"
start = 2026-08-24T10:00:00
end = 2026-08-24T11:00:00
room = "Chapiteau"

[[workshop]]
id = "lunch"
title = "Déjeuner"
kind = "meal"
start = 2026-08-24T12:30:00
end = 2026-08-24T13:30:00
room = "Restaurant"

[[workshop]]
id = "c"
title = "Atelier C"
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00
room = "Plage"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]
capacity = 5

[[workshop]]
id = "early"
title = "Yoga très matinal"
start = 2026-08-25T06:30:00
end = 2026-08-25T07:00:00
room = "Plage"
capacity = 20

[[workshop]]
id = "dawn"
title = "Méditation"
start = 2026-08-25T07:35:00
end = 2026-08-25T08:15:00
room = "Plage"
capacity = 20

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-24T14:00:00
end = 2026-08-24T14:30:00
places = 2
"""
START = datetime(2026, 8, 24, 7, 45, tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=PARIS)


def week_config(emu: BotApiEmulator, tmp_path: Path, programme: Path) -> Config:
    return local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        # Digests at 08:00 sharp: these tests follow who gets what (the spread: below)
        extra={"announcements": {"digest_window_minutes": 0}},
    )


@pytest.fixture
def programme_file(tmp_path: Path) -> Path:
    path = tmp_path / "semaine.toml"
    path.write_text(PROGRAMME, encoding="utf-8")
    return path


@pytest.fixture
async def week(emu: BotApiEmulator, tmp_path: Path, programme_file: Path) -> AsyncIterator[Harness]:
    clock = FrozenClock(START)
    async with Harness.running(emu, week_config(emu, tmp_path, programme_file), clock) as bot:
        yield bot


async def move_to(bot: Harness, when: datetime) -> None:
    """Move the clock and let the bot send what is due (the JobQueue would wake it)."""
    bot.clock.jump_to(when)  # type: ignore[attr-defined]
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()


async def sign_up(bot: Harness, user: int, item: str) -> None:
    (details,) = await bot.say(user, f"/workshop {item}")
    answer = await bot.press(user, details, f"b:ws:{ref(item)}")
    assert answer["text"].startswith(("✅", "It", "Done")), answer


async def registered(bot: Harness, *users: int) -> None:
    for user in users:
        await bot.say(user, "/start")
    await bot.services.bookings.drain()


def texts(bot: Harness, chat: int, since: int = 0) -> list[str]:
    return [m.plain_text for m in bot.emu.observer.messages(chat)[since:]]


async def test_one_group_message_per_slot_with_its_buttons(week: Harness) -> None:
    bot = week
    await move_to(bot, at(24, 9, 44))
    assert texts(bot, GROUP) == []
    await move_to(bot, at(24, 9, 45))
    (message,) = bot.emu.observer.messages(GROUP)
    assert message.plain_text == (
        "⏰ À 10:00, ça commence\u202f:\n"
        "• Atelier B & co · 📍 Chapiteau\n"
        "• Atelier A · 📍 Salle des Pins · 10 places sur 10"
    )
    assert "Atelier B &amp; co" in message.text
    assert message.buttons == [
        ("✍️ S'inscrire · Atelier A", f"b:ws:{ref('a')}"),
        ("⭐", f"fav:+:{ref('a')}"),  # remind me (issue 14)
    ]
    # a group member signs up from the announcement
    answer = await bot.press(BOB, message, f"b:ws:{ref('a')}")
    assert answer["text"].startswith("✅ Done")
    # the meal is not announced; Atelier C is, at 14:15
    await move_to(bot, at(24, 14, 15))
    announced = [t for t in texts(bot, GROUP) if t.startswith("⏰")]
    assert announced[1:] == [
        "⏰ À 14:30, ça commence\u202f:\n• Atelier C · 📍 Plage · 5 places sur 5"
    ]


async def test_the_board_is_one_pinned_message_edited_as_the_day_goes(week: Harness) -> None:
    bot = week
    await move_to(bot, at(24, 10))
    board = [m for m in bot.emu.observer.messages(GROUP) if m.plain_text.startswith("📌")]
    assert len(board) == 1
    assert bot.emu.observer.pinned(GROUP) == [board[0].message_id]
    assert "• Atelier A · 📍 Salle des Pins (jusqu'à 12:00)" in board[0].plain_text
    await move_to(bot, at(24, 11))
    await move_to(bot, at(24, 12, 30))
    board = [m for m in bot.emu.observer.messages(GROUP) if m.plain_text.startswith("📌")]
    assert len(board) == 1, "edited, not posted again"
    assert len(board[0].edits) == 2
    assert "Déjeuner" in board[0].plain_text.split("⏭")[0]
    # a board due again with nothing new to say is not edited (Telegram would refuse it)
    calls = len(bot.emu.observer.calls_to("editMessageText"))
    await bot.services.outbox.add([Entry("board:again", "board", GROUP, bot.clock.now(), {})])
    await bot.services.outbox.flush()
    assert len(bot.emu.observer.calls_to("editMessageText")) == calls
    async with bot.db.read() as conn:
        sent = await outbox_repo.rows(conn, kinds=["board"], statuses=["sent"])
    assert "board:again" in [row.key for row in sent]


async def test_reminders_go_only_to_the_right_people(week: Harness) -> None:
    bot = week
    await registered(bot, ALICE, BOB, MATHILDE)
    await sign_up(bot, ALICE, "a")
    (rota,) = await bot.say(BOB, "/rota")
    await bot.press(BOB, rota, f"b:rs:{ref('r1')}")
    await move_to(bot, at(24, 8))  # the morning digests
    marks = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB, MATHILDE)}
    await move_to(bot, at(24, 9, 50))
    assert texts(bot, ALICE, marks[ALICE]) == [
        "⏰ Dans 10 min\u202f: Atelier A (10:00–12:00, 📍 Salle des Pins)."
    ]
    assert texts(bot, BOB, marks[BOB]) == []
    await move_to(bot, at(24, 13, 50))
    assert texts(bot, BOB, marks[BOB]) == [
        "🧹 In 10 min: your tidy-up slot Vaisselle (14:00–14:30). Thank you!"
    ]
    await move_to(bot, at(24, 14, 20))
    assert texts(bot, MATHILDE, marks[MATHILDE]) == [
        "⏰ Dans 10 min\u202f: Atelier C (14:30–16:00, 📍 Plage)."
    ]
    reminders = [t for t in texts(bot, ALICE, marks[ALICE]) if t.startswith("⏰")]
    assert len(reminders) == 1, "nothing twice"  # (and, since 12:10, the question after A)


async def test_the_morning_digest_and_the_settings_that_turn_it_off(week: Harness) -> None:
    bot = week
    await registered(bot, ALICE, BOB, MATHILDE)
    await sign_up(bot, ALICE, "a")
    (settings,) = await bot.say(BOB, "/settings")
    assert settings.plain_text.startswith("⚙️ Your settings\n☀️ Morning digest: on")
    answer = await bot.press(BOB, settings, "set:digest:0")
    assert answer["text"] == "Morning digest off."
    assert "Morning digest: off" in bot.emu.observer.message(BOB, settings.message_id).plain_text
    marks = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB, MATHILDE)}
    await move_to(bot, at(24, 8))
    (alice,) = texts(bot, ALICE, marks[ALICE])
    assert alice == (
        "☀️ Bonjour Alice\u202f! Votre lundi 24 août\u202f:\n• "
        "10:00–12:00 Atelier A · 📍 Salle des Pins"
    )
    (mathilde,) = texts(bot, MATHILDE, marks[MATHILDE])
    assert "🎤 vous animez Atelier C · 📍 Plage" in mathilde
    assert texts(bot, BOB, marks[BOB]) == []


async def test_quiet_hours_hold_back_or_drop_private_messages(week: Harness) -> None:
    bot = week
    await registered(bot, ALICE)
    await sign_up(bot, ALICE, "early")  # 06:30: its reminder (06:20) falls in the quiet hours
    await sign_up(bot, ALICE, "dawn")  # 07:35: its reminder (07:25) waits until 07:30
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(24, 23))
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(25, 6, 20))
    await move_to(bot, at(25, 7, 25))
    assert texts(bot, ALICE, mark) == []
    await move_to(bot, at(25, 7, 30))
    assert texts(bot, ALICE, mark) == ["⏰ Dans 5 min\u202f: Méditation (07:35–08:15, 📍 Plage)."]
    async with bot.db.read() as conn:
        keys = {r.key for r in await outbox_repo.rows(conn, kinds=["reminder"])}
    assert not any(":early:" in k for k in keys), "a reminder that would come too late is dropped"


async def test_a_moved_item_replans_and_sends_one_correction(
    week: Harness, programme_file: Path
) -> None:
    bot = week
    await registered(bot, ALICE, BOB)
    await sign_up(bot, ALICE, "a")
    await sign_up(bot, BOB, "a")
    await move_to(bot, at(24, 9, 50))  # the digests, then the reminders of 10:00
    mark = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB)}
    moved = PROGRAMME.replace(
        'start = 2026-08-24T10:00:00\nend = 2026-08-24T12:00:00\nroom = "Salle des Pins"',
        'start = 2026-08-24T11:00:00\nend = 2026-08-24T13:00:00\nroom = "Chapiteau"',
    )
    await bot.services.programme.import_bytes(moved.encode(), "semaine.toml")
    await move_to(bot, at(24, 9, 55))
    assert texts(bot, ALICE, mark[ALICE]) == [
        "✏️ Changement\u202f: Atelier A a lieu lundi 24 août, 11:00–13:00, 📍 Chapiteau "
        "(au lieu de 10:00, Salle des Pins)."
    ]
    # one correction, not a repeat of the reminder at 10:50; nothing more at all
    await move_to(bot, at(24, 10, 50))
    await bot.services.programme.import_bytes(moved.encode(), "semaine.toml")
    await move_to(bot, at(24, 11, 5))
    assert len(texts(bot, ALICE, mark[ALICE])) == 1
    assert len(texts(bot, BOB, mark[BOB])) == 1  # Bob was reminded at 09:50 too
    # the group's 10:00 announcement was re-planned for 11:00
    group = [t for t in texts(bot, GROUP) if t.startswith("⏰ À 11:00")]
    assert group == ["⏰ À 11:00, ça commence\u202f:\n• Atelier A · 📍 Chapiteau · 8 places sur 10"]


async def test_a_restart_mid_week_neither_repeats_nor_loses(
    emu: BotApiEmulator, tmp_path: Path, programme_file: Path
) -> None:
    config = week_config(emu, tmp_path, programme_file)
    clock = FrozenClock(START)
    async with Harness.running(emu, config, clock) as bot:
        await registered(bot, ALICE, BOB)
        await sign_up(bot, ALICE, "a")
        (rota,) = await bot.say(BOB, "/rota")
        await bot.press(BOB, rota, f"b:rs:{ref('r1')}")
        await move_to(bot, at(24, 9, 50))
        sent_before = {u: texts(bot, u) for u in (ALICE, BOB, GROUP)}
        assert any(t.startswith("⏰ Dans 10 min\u202f: Atelier A") for t in sent_before[ALICE])
    # down from 09:50 to 13:55: the 10:00 board, the 14:00 announcement... and Bob's 13:50
    # rota reminder was due while the bot was down; the slot has not started: it still goes
    clock.jump_to(at(24, 13, 55))
    async with Harness.running(emu, config, clock) as bot:
        await bot.services.outbox.flush()
        after = {u: texts(bot, u) for u in (ALICE, BOB, GROUP)}
        assert after[ALICE][: len(sent_before[ALICE])] == sent_before[ALICE], "no repeat"
        # what was due while down and is still useful goes: the question after A (12:10)
        (question,) = after[ALICE][len(sent_before[ALICE]) :]
        assert question.startswith("💬 Comment c'était, Atelier A")
        assert after[BOB][len(sent_before[BOB]) :] == [
            "🧹 In 5 min: your tidy-up slot Vaisselle (14:00–14:30). Thank you!"
        ]
        async with bot.db.read() as conn:
            dropped = await outbox_repo.rows(conn, statuses=["dropped"])
        # what became stale while down was dropped and logged, not sent late
        assert {r.kind for r in dropped} >= {"board"}
        group_new = after[GROUP][len(sent_before[GROUP]) :]
        assert not any(t.startswith("⏰ À 10:00") for t in group_new)


async def test_plan_matches_what_the_live_bot_sends(
    emu: BotApiEmulator, tmp_path: Path, programme_file: Path
) -> None:
    config = week_config(emu, tmp_path, programme_file)
    clock = FrozenClock(START)
    async with Harness.running(emu, config, clock) as bot:
        await registered(bot, ALICE, BOB, MATHILDE)
        await sign_up(bot, ALICE, "a")
        marks = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB, MATHILDE, GROUP)}
        window = (at(24, 7, 50), at(24, 16, 30))
        preview_clock = FrozenClock(window[0])
        from bot.app import build_services

        planner = build_services(config, preview_clock, bot.db)
        preview = await planner.announcements.preview(*window, preview_clock.jump_to)
        planned = sorted((p.chat_id, d.reply.text) for p, d in preview if d is not None)
        for moment in sorted({p.due for p, _ in preview}):
            await move_to(bot, moment)
        live = []
        for chat, mark in marks.items():
            for m in bot.emu.observer.messages(chat)[mark:]:
                versions = [v.text for v in m.edits] + [m.text]
                live += [(chat, v) for v in versions]
        assert sorted(live) == planned
        assert len(planned) >= 10
