"""The people a flow waits for text from, read once: a flow that begins meanwhile is not lost.

The drafts service keeps in memory who some flow waits for (so that a question in plain words
does not read the database first), read at the first text after a start. A person whose flow
began while that read was under way was missing from it, and their next text was read as a
question instead of as the flow's value.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import aiosqlite
import pytest

from bot.clock import FrozenClock
from bot.services.drafts import DraftService
from storage import drafts as drafts_repo
from storage.db import Database
from tests.conftest import PARIS

NOW = datetime(2026, 8, 24, 11, 0, tzinfo=PARIS)
ANA, BOB = 1, 2


@pytest.fixture
def drafts(db: Database) -> DraftService:
    return DraftService(db, FrozenClock(NOW), timedelta(hours=1))


async def test_a_flow_begun_while_the_waiting_are_read_still_gets_the_text(
    drafts: DraftService, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = drafts_repo.waiting_users
    began, gate = asyncio.Event(), asyncio.Event()

    async def read_then_wait(conn: aiosqlite.Connection) -> set[int]:
        read = await real(conn)
        began.set()
        await gate.wait()  # read, not yet kept: Bob's flow begins now
        return read

    monkeypatch.setattr(drafts_repo, "waiting_users", read_then_wait)  # the service reads here
    ana_types = asyncio.create_task(drafts.take_awaiting(ANA))
    await began.wait()
    await drafts.put(BOB, "change", "", {"item": "w1"}, awaiting="change")
    gate.set()
    assert await ana_types is None  # nothing waits for Ana's text
    assert await drafts.take_awaiting(BOB) == "change"
    assert await drafts.take_awaiting(BOB) is None  # given once


async def test_the_waiting_are_read_from_the_database_after_a_start(
    drafts: DraftService, db: Database
) -> None:
    await drafts.put(ANA, "broadcast", "t1", {"text": "Bonjour"}, awaiting="broadcast")
    again = DraftService(db, FrozenClock(NOW), timedelta(hours=1))  # a restart
    assert await again.take_awaiting(BOB) is None
    assert await again.take_awaiting(ANA) == "broadcast"
    assert await again.take_awaiting(ANA) is None
