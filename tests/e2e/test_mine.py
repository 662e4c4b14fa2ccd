"""/mine is the whole week: what comes, today first, then the days after; what is past, counted."""

from __future__ import annotations

from datetime import datetime

from bot.domain.booking import ref
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, PARIS


async def sign_up(bot: Harness, user: int, item: str) -> None:
    (details,) = await bot.say(user, f"/workshop {item}")
    answer = await bot.press(user, details, f"b:ws:{ref(item)}")
    assert answer["text"].startswith(("✅", "Done", "You")), answer


async def test_a_friday_sign_up_made_on_monday_is_in_mine(bot: Harness) -> None:
    await bot.say(ALICE, "/start", count=2)
    await sign_up(bot, ALICE, "ven-10-photo-telephone")
    await sign_up(bot, ALICE, "lun-1430-atelier-velo")
    await sign_up(bot, ALICE, "mer-17-joute")
    (mine,) = await bot.say(ALICE, "/mine")
    text = mine.plain_text
    assert "Atelier vélo : réparer une crevaison" in text
    assert "Initiation à la joute nautique sétoise" in text
    assert "Photo au téléphone : raconter la semaine" in text
    # Today first, then the days to come, in order
    assert text.index("lundi 24 août") < text.index("mercredi 26 août") < text.index("vendredi")
    assert "derrière vous" not in text
    assert len(mine.buttons) == 3  # one "cancel" button for each sign-up to come


async def test_what_is_past_is_counted_not_listed(bot: Harness) -> None:
    await bot.say(BOB, "/start", count=2)
    await sign_up(bot, BOB, "lun-1430-atelier-velo")
    await sign_up(bot, BOB, "mar-10-atelier-couleurs")
    bot.clock.jump_to(datetime(2026, 8, 24, 17, 0, tzinfo=PARIS))  # type: ignore[attr-defined]
    (mine,) = await bot.say(BOB, "/mine")
    assert "Atelier couleurs" in mine.plain_text
    assert "crevaison" not in mine.plain_text
    assert mine.plain_text.endswith("✔️ Already behind you: 1 this week.")
    bot.clock.jump_to(datetime(2026, 8, 25, 13, 0, tzinfo=PARIS))  # type: ignore[attr-defined]
    (mine,) = await bot.say(BOB, "/mine")
    assert mine.plain_text == (
        "Nothing planned for you this week. Have a look at /today or /rota!\n"
        "✔️ Already behind you: 2 this week."
    )
