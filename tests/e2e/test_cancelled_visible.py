"""Issue 16, part 5: a cancelled item stays visible as cancelled, and is never swapped for another.

Cancelled items live beside the programme (storage `cancelled_workshop`): a day, an item's
details, a search and /mine show them as "❌ annulé" with no sign-up button; what plans,
announces and books keeps ignoring them; a re-import of the same file leaves them cancelled.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press
from tests.conftest import ALICE, BOB, MATHILDE, ORGANISER
from tests.e2e.test_announcements import sign_up
from tests.e2e.test_changes import confirm_change, running_week
from tests.e2e.test_programme_files import upload

WEEK = """
[[workshop]]
id = "a"
title = "Atelier couleurs"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Salle des Pins"
capacity = 1

[[workshop]]
id = "compta"
title = "Comptabilité pour les nuls : le bilan sans douleur"
start = 2026-08-25T10:00:00
end = 2026-08-25T11:00:00
room = "Chapiteau"
capacity = 10

[[workshop]]
id = "c"
title = "Atelier C"
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00
room = "Plage"
capacity = 5
"""
SIGN_UP_A = f"b:ws:{ref('a')}"


def line_of(text: str, title: str) -> str:
    """Give the line of a message that names `title` (the test fails if none does)."""
    found = [line for line in text.splitlines() if title in line]
    assert found, text
    return found[0]


async def cancelled_week(bot: Harness) -> None:
    """Alice in, Bob on the waiting list of Atelier couleurs; then the organiser cancels it."""
    await sign_up(bot, ALICE, "a")
    (details,) = await bot.say(BOB, "/workshop a")
    await bot.press(BOB, details, SIGN_UP_A)
    (before,) = await bot.say(MATHILDE, "/workshop couleurs")
    assert "Atelier couleurs" in before.plain_text and "annulé" not in before.plain_text
    await confirm_change(bot, ORGANISER, "a", "cancel", None)


async def test_a_cancelled_item_says_so_where_it_was(emu: BotApiEmulator, tmp_path: Path) -> None:
    async with running_week(emu, tmp_path, WEEK) as bot:
        await bot.say(MATHILDE, "/start")
        (today_before,) = await bot.say(MATHILDE, "/today")
        assert "annulé" not in today_before.plain_text
        assert SIGN_UP_A in [d for _, d in today_before.buttons]
        await cancelled_week(bot)

        (today,) = await bot.say(MATHILDE, "/today")
        assert line_of(today.plain_text, "Atelier couleurs").endswith("❌ annulé"), today.plain_text
        assert "1 place" not in line_of(today.plain_text, "Atelier couleurs")
        assert SIGN_UP_A not in [d for _, d in today.buttons]
        assert f"b:ws:{ref('c')}" in [d for _, d in today.buttons]  # the others keep theirs
        (day,) = await bot.say(BOB, "/day lundi")
        assert line_of(day.plain_text, "Atelier couleurs").endswith("❌ cancelled")

        # /workshop couleurs answers about the cancelled item, not about "sans douleur"
        (details,) = await bot.say(MATHILDE, "/workshop couleurs")
        assert details.plain_text.startswith("Atelier couleurs\n❌ Annulé\u202f: "), (
            details.plain_text
        )
        assert "Comptabilité" not in details.plain_text
        assert "place" not in details.plain_text
        assert not details.buttons
        (found,) = await bot.say(MATHILDE, "/search couleurs")
        assert "Comptabilité" not in found.plain_text
        assert line_of(found.plain_text, "lundi 24 août").endswith("❌ annulé"), found.plain_text
        (where,) = await bot.say(MATHILDE, "où est l'atelier couleurs ?")
        assert where.plain_text.startswith("❌ Atelier couleurs (lundi 24 août, 10:00)")
        assert "Comptabilité" not in where.plain_text

        # Those who were in or waiting see it in /mine; the others do not
        for user, word in ((ALICE, "annulé"), (BOB, "cancelled")):
            (mine,) = await bot.say(user, "/mine")
            line = line_of(mine.plain_text, "Atelier couleurs")
            assert line.endswith(f"❌ {word}"), mine.plain_text
            assert not [d for _, d in mine.buttons if d and d.endswith(ref("a"))]
        (other,) = await bot.say(ORGANISER, "/mine")
        assert "Atelier couleurs" not in other.plain_text

        # What plans and books ignores it: /next skips it, an old sign-up button is stale
        (nxt,) = await bot.say(MATHILDE, "/next")
        assert "Atelier couleurs" not in nxt.plain_text and "Atelier C" in nxt.plain_text
        answer = await forge_press(bot.emu, MATHILDE, today_before, SIGN_UP_A)
        assert "✅" not in answer["text"], answer
        assert not (await bot.services.bookings.agenda(MATHILDE))


async def test_a_cancelled_item_stays_cancelled_after_a_reimport(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, WEEK) as bot:
        await cancelled_week(bot)
        await upload(bot, ORGANISER, "semaine.toml", WEEK.encode())
        ids = {w.id for w in (await bot.services.programme.current()).workshops}
        assert "a" not in ids and "c" in ids
        (today,) = await bot.say(ALICE, "/today")
        assert line_of(today.plain_text, "Atelier couleurs").endswith("❌ annulé")
        (mine,) = await bot.say(ALICE, "/mine")
        assert line_of(mine.plain_text, "Atelier couleurs").endswith("❌ annulé")

        # A file that moves the item is newer than the chat: it is back, and not cancelled
        moved = WEEK.replace("2026-08-24T10:00:00", "2026-08-24T10:30:00", 1)
        await bot.services.programme.import_bytes(moved.encode(), "semaine.toml")
        (back,) = await bot.say(ALICE, "/today")
        line = line_of(back.plain_text, "Atelier couleurs")
        assert "annulé" not in line and "1 place" in line, back.plain_text
        assert SIGN_UP_A in [d for _, d in back.buttons]
