"""Issue 13, part 6: a re-plan of everyone goes a few people at a time (to bound its memory);
what it queues is what one plan of everyone at once gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot.services.announcements as announcements_module
from bot.clock import FrozenClock
from bot.domain import feedback_planning, planning
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness
from storage import outbox as outbox_repo
from storage.outbox import Entry
from tests.conftest import ALICE, BOB, MATHILDE
from tests.e2e.test_announcements import PROGRAMME, START, at, registered, sign_up, week_config

GONE = 4242
"""Someone who is not registered (any more): their pending digest must not stay."""


@pytest.fixture
async def week(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = week_config(emu, tmp_path, programme)
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        yield bot


async def outbox_keys(bot: Harness, status: str) -> set[str]:
    async with bot.db.read() as conn:
        return {r.key for r in await outbox_repo.rows(conn, statuses=[status])}


@pytest.mark.parametrize("chunk", [1, 2, 500])
async def test_a_replan_by_chunks_queues_what_one_plan_of_everyone_gives(
    week: Harness, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    bot = week
    await registered(bot, ALICE, BOB, MATHILDE)
    await sign_up(bot, ALICE, "a")
    await sign_up(bot, BOB, "c")
    stray = f"{planning.DIGEST}:{GONE}:2026-08-25"
    async with bot.db.transaction() as conn:
        digest = Entry(stray, planning.DIGEST, GONE, at(25, 8), {"date": "2026-08-25"})
        await outbox_repo.plan(conn, [digest], bot.clock.now())
    # someone changes their mind: a key queued before is no longer wanted
    await bot.services.announcements.change_settings(BOB, digest=False)
    monkeypatch.setattr(announcements_module, "PLAN_CHUNK", chunk)

    await bot.services.announcements.replan()

    now = bot.clock.now()
    wanted = await bot.services.announcements.plan()
    pending = await outbox_keys(bot, "pending")
    assert pending == {p.key for p in wanted if planning.still_useful(p, now)}
    # every kind and everyone is there: the reminders, digests, questions and summaries
    assert {p.chat_id for p in wanted if p.chat_id > 0} == {ALICE, BOB, MATHILDE}
    assert {p.kind for p in wanted} >= {
        planning.REMINDER,
        planning.DIGEST,
        planning.ANNOUNCE,
        planning.BOARD,
        feedback_planning.FEEDBACK,
        feedback_planning.FEEDBACK_SUMMARY,
    }
    cancelled = await outbox_keys(bot, "cancelled")
    assert stray in cancelled
    assert f"{planning.DIGEST}:{BOB}:2026-08-24" in cancelled
