"""Issue 14, part 2: "⭐ remind me" on any item: reminded and told of changes as a sign-up,
listed in /mine, never a place nor a clash; its facilitators see how many are interested."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.domain.changes import Change, ChangeKind
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from storage import favourites as favourites_repo
from storage import outbox as outbox_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, PARIS, STRANGER

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
"""
START = datetime(2026, 8, 24, 7, 40, tzinfo=PARIS)  # before the 08:00 digests


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, 24, hour, minute, tzinfo=PARIS)


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
        for user in (ALICE, BOB, MATHILDE):
            await bot.say(user, "/start")
        await move_to(bot, at(8))  # the digests are behind us: the tests follow the rest
        yield bot


async def move_to(bot: Harness, when: datetime) -> None:
    bot.clock.jump_to(when)  # type: ignore[attr-defined]
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()


def texts(bot: Harness, chat: int, since: int) -> list[str]:
    return [m.plain_text for m in bot.emu.observer.messages(chat)[since:]]


async def star(bot: Harness, user: int, item: str, *, on: bool = True) -> dict[str, object]:
    (details,) = await bot.say(user, f"/workshop {item}")
    return await bot.press(user, details, f"fav:{'+' if on else '-'}:{ref(item)}")


async def test_an_item_without_places_can_be_starred_and_is_reminded(week: Harness) -> None:
    bot = week
    (details,) = await bot.say(ALICE, "/workshop plen")
    assert details.buttons == [("⭐ Me le rappeler", f"fav:+:{ref('plen')}")]
    answer = await bot.press(ALICE, details, f"fav:+:{ref('plen')}")
    assert answer["text"] == (
        "⭐ C'est noté\u202f: je vous rappellerai «\u202fPlénière d'ouverture\u202f» un peu avant."
    )
    # The button says what pressing it again does
    assert bot.emu.observer.message(ALICE, details.message_id).buttons == [
        ("🔕 Ne plus me le rappeler", f"fav:-:{ref('plen')}")
    ]
    (mine,) = await bot.say(ALICE, "/mine")
    assert "⭐ Plénière d'ouverture · 📍 Chapiteau" in mine.plain_text
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(9, 50))
    assert texts(bot, ALICE, mark) == [
        "⏰ Dans 10 min\u202f: Plénière d'ouverture (10:00–11:00, 📍 Chapiteau)."
    ]


async def test_a_meal_has_the_button_too(week: Harness) -> None:
    answer = await star(week, BOB, "lunch")
    assert answer["text"] == '⭐ Noted: I\'ll remind you of "Déjeuner" shortly before.'


async def test_pressing_again_removes_it_and_its_reminder(week: Harness) -> None:
    bot = week
    await star(bot, ALICE, "plen")
    answer = await star(bot, ALICE, "plen", on=False)
    assert answer["text"] == "🔕 Plus de rappel pour «\u202fPlénière d'ouverture\u202f»."
    (mine,) = await bot.say(ALICE, "/mine")
    assert "Plénière" not in mine.plain_text
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(9, 50))
    assert texts(bot, ALICE, mark) == []
    # The same press twice (a double tap) changes nothing more
    (details,) = await bot.say(ALICE, "/workshop plen")
    again = await forge_press(bot.emu, ALICE, details, f"fav:-:{ref('plen')}")
    assert again["text"].startswith("🔕")
    async with bot.db.read() as conn:
        assert await favourites_repo.of_user(conn, ALICE) == set()


async def test_starred_and_signed_up_gives_one_reminder(week: Harness) -> None:
    bot = week
    (details,) = await bot.say(ALICE, "/workshop a")
    await bot.press(ALICE, details, f"b:ws:{ref('a')}")
    await bot.press(ALICE, details, f"fav:+:{ref('a')}")
    (mine,) = await bot.say(ALICE, "/mine")
    assert mine.plain_text.count("Atelier A") == 1  # listed once, as the sign-up
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(9, 50))
    assert texts(bot, ALICE, mark) == [
        "⏰ Dans 10 min\u202f: Atelier A (10:00–12:00, 📍 Salle des Pins)."
    ]


async def test_a_favourite_never_clashes_nor_takes_a_place(week: Harness) -> None:
    bot = week
    await star(bot, ALICE, "plen")  # 10:00–11:00
    (details,) = await bot.say(ALICE, "/workshop a")  # 10:00–12:00: the same time
    answer = await bot.press(ALICE, details, f"b:ws:{ref('a')}")
    assert str(answer["text"]).startswith("✅"), answer
    await star(bot, BOB, "a")
    standing = await bot.services.bookings.seats([await bot.services.agenda.by_id("a")], None)
    assert standing.left(await bot.services.agenda.by_id("a")) == 9  # Alice's place only


async def test_the_facilitator_sees_how_many_are_interested(week: Harness) -> None:
    bot = week
    await star(bot, ALICE, "c")
    await star(bot, BOB, "c")
    (listing,) = await bot.say(MATHILDE, "/participants Atelier C")
    assert "⭐ Intéressé·es (rappel demandé)\u202f: 2" in listing.plain_text


async def test_a_change_reaches_those_who_starred(week: Harness) -> None:
    bot = week
    await star(bot, BOB, "plen")
    mark = bot.emu.observer.mark(BOB)
    change = Change("plen", ChangeKind.ROOM, "Plage")
    await bot.services.changes.apply(ORGANISER, change)
    await bot.services.outbox.flush()
    (notice,) = texts(bot, BOB, mark)
    assert "Plage" in notice and "Plénière" in notice


async def test_a_stranger_or_a_forged_ref_changes_nothing(week: Harness) -> None:
    bot = week
    await bot.emu.people.send_text(STRANGER, "/workshop plen")
    (details,) = await bot.emu.observer.wait_for_messages(STRANGER, 1)
    await bot.settle()
    answer = await bot.press(STRANGER, details, f"fav:+:{ref('plen')}")
    assert "/start" in str(answer["text"])
    (mine,) = await bot.say(ALICE, "/workshop plen")
    forged = await forge_press(bot.emu, ALICE, mine, "fav:+:" + "Z" * 11)
    assert "plus valable" in str(forged["text"])
    async with bot.db.read() as conn:
        assert await favourites_repo.everything(conn) == {}
        assert not [
            r
            for r in await outbox_repo.rows(conn, kinds=["reminder"])
            if r.chat_id in (ALICE, STRANGER)
        ]


async def test_day_lists_have_the_star_beside_the_sign_up_and_it_turns_when_pressed(
    week: Harness,
) -> None:
    bot = week
    (today,) = await bot.say(ALICE, "/today")
    row = [(label, data) for label, data in today.buttons if data and data.endswith(ref("a"))]
    assert row == [("✍️ S'inscrire · Atelier A", f"b:ws:{ref('a')}"), ("⭐", f"fav:+:{ref('a')}")]
    await bot.press(ALICE, today, f"fav:+:{ref('a')}")
    await bot.press(ALICE, today, f"b:ws:{ref('a')}")
    after = bot.emu.observer.message(ALICE, today.message_id).buttons
    row = [(label, data) for label, data in after if data and data.endswith(ref("a"))]
    assert row == [
        ("❌ Me désinscrire · Atelier A", f"b:wc:{ref('a')}"),
        ("🔕", f"fav:-:{ref('a')}"),
    ]
