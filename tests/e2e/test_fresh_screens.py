"""Issue 16, part 7 (the part done): a closed item says sign-ups are closed, next to its places."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, ORGANISER
from tests.e2e.test_wording import bot  # noqa: F401 (the fixture these tests use)


async def test_a_closed_item_says_so_next_to_its_places(bot: Harness) -> None:  # noqa: F811
    (before,) = await bot.say(ALICE, "/workshop Atelier C")
    assert "inscriptions closes" not in before.plain_text
    (details,) = await bot.say(ALICE, "/workshop Atelier couleurs")
    assert "1 place sur 1" in details.plain_text, details.plain_text
    assert "inscriptions closes" not in details.plain_text
    assert any(d == f"b:ws:{ref('a')}" for _, d in details.buttons)
    clock = bot.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(hours=1, minutes=40))  # 10:10, ten minutes after it began
    for user, lang_text in ((BOB, "1 of 1 place left, sign-ups closed"), (ORGANISER, None)):
        (later,) = await bot.say(user, "/workshop Atelier couleurs")
        expected = lang_text or "1 place sur 1, inscriptions closes"
        assert expected in later.plain_text, later.plain_text
        assert not any(d == f"b:ws:{ref('a')}" for _, d in later.buttons)
