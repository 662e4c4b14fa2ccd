"""Issue 16, part 10 (the rest): places and people counted with thousands separators."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.emulator import BotApiEmulator
from tests.conftest import ALICE, BOB, ORGANISER
from tests.e2e.test_announcements import sign_up
from tests.e2e.test_changes import running_week

NNBSP = "\u202f"
BIG = """
[[workshop]]
id = "plen"
title = "Grande plénière"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Chapiteau"
capacity = 1000

[[workshop]]
id = "small"
title = "Petit atelier"
start = 2026-08-24T14:00:00
end = 2026-08-24T15:00:00
room = "Plage"
capacity = 999
"""


async def test_places_and_people_are_counted_with_separators(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, BIG) as bot:
        (fr,) = await bot.say(ALICE, "/workshop Grande plénière")
        assert f"1{NNBSP}000 place" in fr.plain_text and f"sur 1{NNBSP}000" in fr.plain_text
        (en,) = await bot.say(BOB, "/workshop Grande plénière")
        assert "1,000 of 1,000 place" in en.plain_text, en.plain_text
        (small,) = await bot.say(ALICE, "/workshop Petit atelier")
        assert "999 place" in small.plain_text and "sur 999" in small.plain_text
        await sign_up(bot, ALICE, "plen")
        (after,) = await bot.say(BOB, "/today")
        assert "999 of 1,000 place" in after.plain_text, after.plain_text
        (who,) = await bot.say(ORGANISER, "/participants plen")
        assert f"sur 1{NNBSP}000" in who.plain_text, who.plain_text
