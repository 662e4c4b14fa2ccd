"""Issue 16, part 10: names instead of ids, and a broadcast to the group reported as one."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_services
from bot.clock import FrozenClock
from bot.config import load_config
from bot.domain.booking import TargetKind, ref
from bot.i18n import Count
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import ROOT, Harness, local_config
from storage.db import Database
from tests.conftest import ALICE, GROUP, ORGANISER
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
    found = [
        m.plain_text for m in bot.emu.observer.messages(ORGANISER) if m.plain_text[:1] in "📬⚠"
    ]
    assert found, [m.plain_text for m in bot.emu.observer.messages(ORGANISER)]
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
    bot.emu.cast.remove_bot(GROUP, by=ORGANISER)
    await bot.settle()
    await _to_group(bot, "Personne ne le lira")
    assert received(bot, GROUP, "Personne ne le lira") == 0
    report = last_report(bot)
    assert report.startswith("⚠️ Le message n'a pas pu être posté dans le groupe"), report
    assert "injoignable" not in report


async def test_plan_without_a_group_lists_the_private_messages_and_says_so(tmp_path: Path) -> None:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[event]\ntimezone = "Europe/Paris"\nprogramme = "{programme}"\n'
        f'[storage]\ndatabase = "{tmp_path / "r.sqlite3"}"\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    db = await Database.open(config.storage.database)
    try:
        services = build_services(config, FrozenClock(START), db)
        await services.programme.import_path(programme)
        await services.people.register(ALICE, "Alice", "Martin", None, "fr")
        await services.bookings.sign_up(ALICE, TargetKind.WORKSHOP, ref("a"))
    finally:
        await db.close()
    args = ["plan", "--config", str(path), "--from", START.strftime("%Y-%m-%dT%H:%M")]
    result = await asyncio.to_thread(  # run.py as an operator runs it, in its own process
        subprocess.run,
        [sys.executable, str(ROOT / "run.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "No group is configured (event.announce_chat_id): private messages only."
    private = [line for line in lines if line.endswith("→ Alice Martin")]
    assert private, result.stdout
    assert "Atelier couleurs" in result.stdout
    assert "group" not in result.stdout.replace(lines[0], "")


async def test_counts_have_thousands_separators_in_each_language(bot: Harness) -> None:
    (ask,) = await bot.say(ORGANISER, "/broadcast")
    assert "(3\u202f500 caractères au plus)" in ask.plain_text, ask.plain_text
    (refused,) = await bot.say(ORGANISER, "x" * 3501)
    assert "fait 3\u202f501 caractères\u202f; la limite est de 3\u202f500." in refused.plain_text
    t = bot.services.t
    assert t("en", "broadcast.ask_text", limit=Count(3500)).count("3,500") == 1
    assert "10\u202f000" in t("fr", "broadcast.ask_text", limit=Count(10_000))
    assert "2026" in t("fr", "broadcast.ask_text", limit=2026)  # not a count: digits kept
