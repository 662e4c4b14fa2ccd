"""Issue 13, part 6: a re-plan of everyone goes a few people at a time (to bound its memory);
what it queues is what one plan of everyone at once gives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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


async def test_a_replan_reads_and_plans_before_its_writing_turn_and_replans_go_one_at_a_time(
    week: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writing connection is held for the writes only; two re-plans never overlap, so the
    later reads what the earlier wrote."""
    bot = week
    await registered(bot, ALICE, BOB)
    await sign_up(bot, ALICE, "a")
    await bot.services.bookings.drain()  # the sign-up's own re-plan is over: not recorded
    service = bot.services.announcements
    read, plan = service._people_read, service._people_steps
    events: list[str] = []
    planned_while_held = asyncio.Event()

    async def reading(*args: Any) -> announcements_module.PeopleRead:
        events.append(f"read {sorted(args[2])}")
        return await read(*args)

    def planning_(*args: Any) -> announcements_module.Steps:
        steps = plan(*args)
        if bot.db._lock.locked():
            planned_while_held.set()
        events.append(f"planned {sorted(p.user_id for p in args[2].people)}")
        return steps

    monkeypatch.setattr(service, "_people_read", reading)
    monkeypatch.setattr(service, "_people_steps", planning_)
    async with bot.db.transaction():  # someone holds the writing turn meanwhile
        first = asyncio.create_task(service.replan({ALICE}))
        second = asyncio.create_task(service.replan({BOB}))
        async with asyncio.timeout(10):  # bounds a hang, times nothing
            await planned_while_held.wait()
        assert events == [f"read {[ALICE]}", f"planned {[ALICE]}"]  # Bob's waits its turn
    await asyncio.gather(first, second)
    assert events[2:] == [f"read {[BOB]}", f"planned {[BOB]}"]
    pending = await outbox_keys(bot, "pending")
    assert any(key.startswith(f"{planning.REMINDER}:{ALICE}:") for key in pending)


async def test_a_newcomers_start_is_answered_while_a_replan_of_everyone_is_under_way(
    week: Harness,
) -> None:
    bot = week
    service = bot.services.announcements
    async with service._replanning:  # a re-plan of everyone, say, after a change
        (welcome,) = await bot.say(ALICE, "/start", timeout=5)
        assert welcome.plain_text
        assert not any(key.startswith(f"{planning.DIGEST}:{ALICE}:") for key in await pending(bot))
    await bot.services.bookings.drain()  # her own re-plan came next
    assert any(key.startswith(f"{planning.DIGEST}:{ALICE}:") for key in await pending(bot))


async def pending(bot: Harness) -> set[str]:
    return await outbox_keys(bot, "pending")
