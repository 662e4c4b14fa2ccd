"""Issue 16, part 10: names instead of ids, and a broadcast to the group reported as one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from tests.conftest import GROUP, ORGANISER
from tests.e2e.test_broadcast import (
    PROGRAMME,
    START,
    _audience,
    confirm,
    current,
    delivered,
    draft,
    received,
)


@pytest.fixture
async def bot(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as harness:
        harness.services.broadcasts.progress_every = 0.05
        yield harness


def last_report(bot: Harness) -> str:
    """Give the last report the organiser got (a posted or a failed one)."""
    found = [m.plain_text for m in bot.emu.messages(ORGANISER) if m.plain_text[:1] in "📬⚠"]
    assert found, [m.plain_text for m in bot.emu.messages(ORGANISER)]
    return found[-1]


async def _to_group(bot: Harness, text: str) -> None:
    choose = await draft(bot, text)
    await bot.press(ORGANISER, choose, _audience(choose, "group"))
    await confirm(bot, current(bot, choose))
    await delivered(bot)


async def test_a_broadcast_to_the_group_is_not_reported_as_people(bot: Harness) -> None:
    await _to_group(bot, "Au groupe")
    assert received(bot, GROUP, "Au groupe") == 1
    report = last_report(bot)
    assert report == "📬 Message posté dans le groupe.", report
    assert "injoignable" not in report


async def test_a_broadcast_the_group_refuses_says_it_was_not_posted(bot: Harness) -> None:
    bot.emu.remove_bot(GROUP, by=ORGANISER)
    await bot.settle()
    await _to_group(bot, "Personne ne le lira")
    assert received(bot, GROUP, "Personne ne le lira") == 0
    report = last_report(bot)
    assert report.startswith("⚠️ Le message n'a pas pu être posté dans le groupe"), report
    assert "injoignable" not in report
