"""Issue 17, part 2: a send refused in the middle of a handler's work is reported, not swallowed.

The rota swap ("I can't make it", then someone takes the slot) edits the group's offer and
tells the giver; both used to log a refusal and carry on. Now a refusal that is not harmless
reaches the organisers through the error handler's reporter; a blocked person (403) or an
edit that changes nothing stays a log line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import TargetKind, ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.sandbox.records import SentMessage
from handlers.errors import Reporter
from tests.conftest import ALICE, BOB, GROUP, ORGANISER, PARIS

PROGRAMME = """
[[workshop]]
id = "t"
title = "Atelier T"
start = 2026-08-24T16:30:00
end = 2026-08-24T17:30:00
room = "Chapiteau"

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-24T14:00:00
end = 2026-08-24T14:30:00
places = 10
"""
NOON = datetime(2026, 8, 24, 11, 0, tzinfo=PARIS)
REPORT_MARK = "Erreur inattendue dans le bot"


@pytest.fixture
async def rota_bot(
    emu: BotApiEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    monkeypatch.setattr("handlers.errors._reporter", Reporter())  # no report held back
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, FrozenClock(NOON)) as harness:
        s = harness.services
        for user, name in ((ALICE, "Alice"), (BOB, "Bob"), (ORGANISER, "Oriane")):
            await s.people.register(user, name, None, None, "fr")
            emu.world.users[user].started = True
        yield harness


async def _offer_posted(bot: Harness) -> SentMessage:
    """Alice books the slot, then says she can't make it: give the offer posted in the group."""
    s = bot.services
    await s.bookings.sign_up(ALICE, TargetKind.ROTA, ref("r1"), person=await s.people.get(ALICE))
    (mine,) = await bot.say(ALICE, "/mine")
    mark = bot.emu.observer.mark(GROUP)
    await bot.press(ALICE, mine, f"b:ro:{ref('r1')}")
    (post,) = await bot.emu.observer.wait_for_messages(GROUP, 1, after=mark)
    return post


async def _take(bot: Harness, post: SentMessage) -> list[str]:
    """Bob takes the slot from the group's post; give what the organiser was sent meanwhile."""
    take = post.buttons[0][1]
    assert take is not None and take.startswith("b:rt:"), post.buttons
    mark = bot.emu.observer.mark(ORGANISER)
    bot.emu.cast.join_group(GROUP, BOB)
    answer = await bot.press(BOB, post, take)
    assert "Vaisselle" in str(answer), answer  # the taking itself went through
    return [m.plain_text for m in bot.emu.observer.messages(ORGANISER)[mark:]]


async def test_a_refused_notice_to_the_giver_reaches_the_organisers(rota_bot: Harness) -> None:
    post = await _offer_posted(rota_bot)
    rota_bot.emu.faults.fail_next("sendMessage", 400, "Bad Request: can't parse entities")
    told = await _take(rota_bot, post)
    assert any(REPORT_MARK in text and "parse entities" in text for text in told), told


async def test_a_refused_edit_of_the_offer_reaches_the_organisers(rota_bot: Harness) -> None:
    post = await _offer_posted(rota_bot)
    rota_bot.emu.faults.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    told = await _take(rota_bot, post)
    assert any(
        REPORT_MARK in text and "message to edit not found" in text.lower() for text in told
    ), told


@pytest.mark.parametrize(
    ("method", "status", "description"),
    [
        ("sendMessage", 403, "Forbidden: bot was blocked by the user"),
        ("editMessageText", 400, "Bad Request: message is not modified"),
    ],
)
async def test_harmless_refusals_stay_in_the_log(
    rota_bot: Harness, method: str, status: int, description: str
) -> None:
    post = await _offer_posted(rota_bot)
    rota_bot.emu.faults.fail_next(method, status, description)
    told = await _take(rota_bot, post)
    assert not any(REPORT_MARK in text for text in told), told
    # the refusal did happen: the emulator answered it
    assert any(c.method == method and c.status == status for c in rota_bot.emu.calls), method
