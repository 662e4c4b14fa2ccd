"""Issue 14, part 3: feedback for facilitators. One question after the items a person came to
(several ending close together: one message; none in the quiet hours; one a half day at
most; /settings turns it off), anonymous answers once each, the facilitators' summary and
the organisers' overview (/feedback). The frozen clock makes the items end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from storage import feedback as feedback_repo
from storage import outbox as outbox_repo
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
id = "plen"
title = "Plénière d'ouverture"
kind = "plenary"
start = 2026-08-24T10:00:00
end = 2026-08-24T11:00:00
room = "Chapiteau"

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
id = "d"
title = "Atelier D"
start = 2026-08-24T16:00:00
end = 2026-08-24T17:00:00
room = "Plage"
capacity = 5

[[workshop]]
id = "concert"
title = "Concert du soir"
kind = "evening"
start = 2026-08-24T21:00:00
end = 2026-08-24T23:00:00
room = "Chapiteau"
"""
START = datetime(2026, 8, 24, 7, 40, tzinfo=PARIS)  # before the 08:00 digests
ASK_ONE = "💬 Comment c'était, "
ASK_ONE_EN = "💬 How was "


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
async def week(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"digest_window_minutes": 0}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        for user in (ALICE, BOB, MATHILDE, ORGANISER):
            await bot.say(user, "/start")
        await move_to(bot, at(8))  # the digests are behind us: the tests follow the rest
        yield bot


async def move_to(bot: Harness, when: datetime) -> None:
    # The re-plans of the sign-ups just made first: the outbox, woken by the jump, would
    # otherwise send what they are about to cancel (seen on a loaded machine)
    await bot.services.bookings.drain()
    bot.clock.jump_to(when)  # type: ignore[attr-defined]
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()


def said(bot: Harness, chat: int, since: int) -> list[SentMessage]:
    return bot.emu.observer.messages(chat)[since:]


def questions(bot: Harness, chat: int, since: int = 0) -> list[SentMessage]:
    return [m for m in said(bot, chat, since) if m.plain_text.startswith("💬 ")]


async def press(bot: Harness, user: int, item: str, data: str) -> None:
    (details,) = await bot.say(user, f"/workshop {item}")
    answer = await bot.press(user, details, data)
    assert not answer.get("show_alert"), answer


async def sign_up(bot: Harness, user: int, item: str) -> None:
    await press(bot, user, item, f"b:ws:{ref(item)}")


async def star(bot: Harness, user: int, item: str) -> None:
    await press(bot, user, item, f"fav:+:{ref(item)}")


async def snapshot(bot: Harness) -> list[tuple[object, ...]]:
    async with bot.db.read() as conn:
        cursor = await conn.execute("SELECT * FROM feedback ORDER BY user_id, item_id")
        return [tuple(row) for row in await cursor.fetchall()]


async def test_items_ending_close_together_give_one_question(week: Harness) -> None:
    bot = week
    await sign_up(bot, ALICE, "a")  # ends 12:00
    await star(bot, ALICE, "plen")  # ends 11:00: the same morning
    await sign_up(bot, BOB, "a")
    mark = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB)}
    await move_to(bot, at(11, 15))
    assert questions(bot, ALICE, mark[ALICE]) == []  # the morning is not over for her
    await move_to(bot, at(12, 10))
    (alice,) = questions(bot, ALICE, mark[ALICE])
    assert alice.plain_text.startswith(
        "💬 Comment c'était\u202f?\n1. Atelier A\n2. Plénière d'ouverture\n"
    )
    assert [data for _, data in alice.buttons] == [
        f"fb:{ref(item)}:{score}" for item in ("a", "plen") for score in (1, 2, 3)
    ]
    (bob,) = questions(bot, BOB, mark[BOB])
    assert bob.plain_text.startswith(ASK_ONE_EN + "Atelier A?")
    assert [label for label, _ in bob.buttons] == ["😊", "😐", "🙁"]
    # Nothing twice: a re-plan (a restart does one) finds the question sent
    await bot.services.announcements.replan()
    await move_to(bot, at(12, 30))
    assert len(questions(bot, ALICE, mark[ALICE])) == 1


async def test_an_answer_then_a_comment_and_never_twice(week: Harness) -> None:
    bot = week
    await sign_up(bot, ALICE, "a")
    await move_to(bot, at(12, 10))
    (question,) = questions(bot, ALICE)
    mark = bot.emu.observer.mark(ALICE)
    answer = await bot.press(ALICE, question, f"fb:{ref('a')}:1")
    assert answer["text"] == "Merci pour «\u202fAtelier A\u202f»\u202f!"
    assert (
        bot.emu.observer.message(ALICE, question.message_id).buttons == []
    )  # the row answered goes
    (offer,) = said(bot, ALICE, mark)
    assert offer.plain_text.startswith(
        "🙏 Merci\u202f! Un mot pour l'animation de «\u202fAtelier A"
    )
    (thanks,) = await bot.say(ALICE, "Très clair, merci <b>Mathilde</b> & co")
    assert thanks.plain_text.startswith("💬 Merci, c'est transmis sans votre nom")
    async with bot.db.read() as conn:
        (kept,) = await feedback_repo.of_item(conn, "a")
    assert (kept.score, kept.comment) == (1, "Très clair, merci <b>Mathilde</b> & co")
    # The same button again (forged: the row is gone): refused, nothing changed
    before = await snapshot(bot)
    again = await forge_press(bot.emu, ALICE, question, f"fb:{ref('a')}:3")
    assert "déjà répondu" in str(again["text"])
    assert await snapshot(bot) == before
    # The next text is a question again, not a second comment
    (reply,) = await bot.say(ALICE, "/next")
    assert "Merci, c'est transmis" not in reply.plain_text


async def test_a_command_ends_the_wait_for_a_comment(week: Harness) -> None:
    bot = week
    await sign_up(bot, BOB, "a")
    await move_to(bot, at(12, 10))
    (question,) = questions(bot, BOB)
    await bot.press(BOB, question, f"fb:{ref('a')}:2")
    left, today = await bot.say(BOB, "/today", count=2)
    assert left.plain_text == "All right, no comment: your answer is kept."
    assert "Atelier" in today.plain_text
    async with bot.db.read() as conn:
        (kept,) = await feedback_repo.of_item(conn, "a")
    assert (kept.score, kept.comment) == (2, None)


async def test_a_comment_too_long_is_refused_and_can_be_written_again(week: Harness) -> None:
    bot = week
    await sign_up(bot, ALICE, "a")
    await move_to(bot, at(12, 10))
    (question,) = questions(bot, ALICE)
    await bot.press(ALICE, question, f"fb:{ref('a')}:3")
    (refusal,) = await bot.say(ALICE, "x" * 5000)
    assert refusal.plain_text.startswith("Un peu long\u202f: 500 caractères au plus")
    (done,) = await bot.say(ALICE, "Trop de bruit")
    assert done.plain_text.startswith("💬 Merci")
    async with bot.db.read() as conn:
        (kept,) = await feedback_repo.of_item(conn, "a")
    assert (kept.score, kept.comment) == (3, "Trop de bruit")


async def test_no_answer_for_an_item_not_attended_or_not_over(week: Harness) -> None:
    bot = week
    await sign_up(bot, ALICE, "a")
    await sign_up(bot, BOB, "c")
    await move_to(bot, at(12, 10))
    for user, data in (
        (BOB, f"fb:{ref('a')}:1"),  # Bob was not at A
        (ALICE, f"fb:{ref('plen')}:1"),  # nor Alice at the plenary
        (BOB, f"fb:{ref('c')}:1"),  # C has not happened yet
        (ALICE, "fb:" + "Z" * 11 + ":1"),  # no such item
    ):
        (mine,) = await bot.say(user, "/workshop a")
        answer = await forge_press(bot.emu, user, mine, data)
        assert answer["text"], answer
        assert "Merci" not in str(answer["text"]) and "Thank" not in str(answer["text"])
    assert await snapshot(bot) == []
    (mine,) = await bot.say(BOB, "/workshop a")
    stale = await forge_press(bot.emu, BOB, mine, f"fb:{ref('a')}:1")
    assert "no longer valid" in str(stale["text"])


async def test_settings_turn_the_question_off(week: Harness) -> None:
    bot = week
    await sign_up(bot, BOB, "a")
    (settings,) = await bot.say(BOB, "/settings")
    assert "💬 Question after your workshops (for the facilitators): on" in settings.plain_text
    answer = await bot.press(BOB, settings, "set:feedback:0")
    assert answer["text"] == "Question after workshops off."
    mark = bot.emu.observer.mark(BOB)
    await move_to(bot, at(12, 10))
    assert questions(bot, BOB, mark) == []


async def test_quiet_hours_and_one_question_a_half_day(week: Harness) -> None:
    bot = week
    await star(bot, ALICE, "concert")  # ends 23:00: in the quiet hours (22:00–07:30)
    await sign_up(bot, ALICE, "c")  # ends 16:00
    await sign_up(bot, ALICE, "d")  # ends 17:00: the same afternoon
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(16, 15))
    assert questions(bot, ALICE, mark) == []
    await move_to(bot, at(17, 10))
    (afternoon,) = questions(bot, ALICE, mark)
    assert "Atelier C" in afternoon.plain_text and "Atelier D" in afternoon.plain_text
    await move_to(bot, at(23, 10))
    await move_to(bot, at(7, 29, day=25))
    assert len(questions(bot, ALICE, mark)) == 1  # nothing in the night
    await move_to(bot, at(7, 30, day=25))
    night = questions(bot, ALICE, mark)[1:]
    assert [m.plain_text.split("\n")[0] for m in night] == [
        "💬 Comment c'était, Concert du soir\u202f? Un bouton suffit\u202f: c'est facultatif "
        "et anonyme. (/settings pour ne plus recevoir cette question)"
    ]


async def test_the_facilitator_gets_an_anonymous_summary_after_three_answers(
    week: Harness,
) -> None:
    bot = week
    mark = bot.emu.observer.mark(MATHILDE)
    for user in (ALICE, BOB, ORGANISER):
        await sign_up(bot, user, "c")
    await move_to(bot, at(16, 10))
    for user, score in ((ALICE, 1), (BOB, 3)):
        (question,) = questions(bot, user)
        await bot.press(user, question, f"fb:{ref('c')}:{score}")
    await bot.say(ALICE, "Génial, la plage !")
    await move_to(bot, at(16, 20))
    assert not [m for m in said(bot, MATHILDE, mark) if "📊" in m.plain_text], "two: not yet"
    await move_to(bot, at(16, 30))
    (question,) = questions(bot, ORGANISER)
    await bot.press(ORGANISER, question, f"fb:{ref('c')}:1")
    await move_to(bot, at(16, 30))
    (summary,) = [m for m in said(bot, MATHILDE, mark) if "📊" in m.plain_text]
    text = summary.plain_text
    assert text.startswith("📊 Retours sur Atelier C (lundi 24 août, 14:30–16:00), anonymes.")
    assert "Réponses\u202f: 3" in text and "😊 2 · 😐 0 · 🙁 1" in text
    assert text.endswith("\n💬 «\u202fGénial, la plage !\u202f»")
    assert "Alice" not in text and "Bob" not in text
    await move_to(bot, at(21, 30))
    assert len([m for m in said(bot, MATHILDE, mark) if "📊" in m.plain_text]) == 1


async def test_fewer_answers_are_summed_up_in_the_evening(week: Harness) -> None:
    bot = week
    mark = bot.emu.observer.mark(MATHILDE)
    await sign_up(bot, ALICE, "c")
    await move_to(bot, at(16, 10))
    (question,) = questions(bot, ALICE)
    await bot.press(ALICE, question, f"fb:{ref('c')}:2")
    await move_to(bot, at(20, 59))
    assert not [m for m in said(bot, MATHILDE, mark) if "📊" in m.plain_text]
    await move_to(bot, at(21))
    (summary,) = [m for m in said(bot, MATHILDE, mark) if "📊" in m.plain_text]
    assert "Réponses\u202f: 1" in summary.plain_text
    async with bot.db.read() as conn:
        rows = await outbox_repo.rows(conn, kinds=["feedback_summary"], statuses=["sent"])
    assert [r.chat_id for r in rows] == [MATHILDE]


async def test_organisers_see_the_overview_and_nobody_else(week: Harness) -> None:
    bot = week
    (empty,) = await bot.say(ORGANISER, "/feedback")
    assert empty.plain_text == "📊 Aucun retour pour l'instant."
    await sign_up(bot, ALICE, "a")
    await move_to(bot, at(12, 10))
    (question,) = questions(bot, ALICE)
    await bot.press(ALICE, question, f"fb:{ref('a')}:1")
    (overview,) = await bot.say(ORGANISER, "/avis")
    assert overview.plain_text == (
        "📊 Retours des participant·es\n• Atelier A (lundi 24 août, 10:00–12:00) · "
        "réponses\u202f: 1 · 😊 1 · 😐 0 · 🙁 0 · commentaires\u202f: 0"
    )
    (refused,) = await bot.say(MATHILDE, "/feedback")
    assert "Atelier A" not in refused.plain_text
    assert refused.plain_text == "Cette action est réservée à l'équipe d'organisation."


async def test_a_restart_neither_repeats_the_question_nor_loses_it(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
    )
    clock = FrozenClock(START)
    async with Harness.running(emu, config, clock) as bot:
        await bot.say(ALICE, "/start")
        await bot.say(BOB, "/start")
        await sign_up(bot, ALICE, "a")
        await sign_up(bot, BOB, "c")
        await move_to(bot, at(12, 10))
        assert len(questions(bot, ALICE)) == 1
    # down from 12:10 to 16:30: Bob's question (due 16:10) was due while the bot was down
    clock.jump_to(at(16, 30))
    async with Harness.running(emu, config, clock) as bot:
        await bot.services.outbox.flush()
        assert len(questions(bot, ALICE)) == 1, "not twice"
        (bob,) = questions(bot, BOB)
        assert bob.plain_text.startswith(ASK_ONE_EN + "Atelier C?")
