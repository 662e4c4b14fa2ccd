"""The programme kept in memory is read once after a change, however many answers ask for it.

After a facilitator's change (forget()), every answer under way used to read the whole
programme through a thread, each its own copy, and a read begun before the change could stay
as the copy in memory until the next change. Now one read is under way at a time, the others
take what it read, and a read begun before a change is not kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import FrozenClock
from bot.domain.models import Programme
from bot.services.programme import ProgrammeService
from storage import programme as programme_repo
from storage.db import Database
from tests.conftest import PARIS

NOW = datetime(2026, 8, 20, 9, 0, tzinfo=PARIS)
PROGRAMME = """
[[workshop]]
id = "k1"
title = "Kayak de mer"
start = 2026-08-25T09:00:00
end = 2026-08-25T11:30:00
room = "Ponton"

[[workshop]]
id = "k2"
title = "Aquarelle en bord de mer"
start = 2026-08-25T16:00:00
end = 2026-08-25T18:00:00
room = "Plage"
"""


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[Database, ProgrammeService]]:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        programme = ProgrammeService(db, PARIS, clock=FrozenClock(NOW))
        await programme.import_bytes(PROGRAMME.encode(), "semaine.toml")
        yield db, programme
    finally:
        await db.close()


async def test_answers_under_way_after_a_change_share_one_read_of_the_programme(
    service: tuple[Database, ProgrammeService],
) -> None:
    _, programme = service
    programme.forget()
    read = await asyncio.gather(*(programme.current() for _ in range(8)))
    assert all(p is read[0] for p in read)  # one copy: each had read its own
    assert [w.title for w in read[0].workshops] == ["Kayak de mer", "Aquarelle en bord de mer"]
    assert await programme.current() is read[0]


async def test_a_read_begun_before_a_change_is_not_kept(
    service: tuple[Database, ProgrammeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, programme = service
    real_load = programme_repo.load
    gate = asyncio.Event()
    began = asyncio.Event()

    async def load_then_wait(conn: aiosqlite.Connection) -> Programme:
        loaded: Programme = await real_load(conn)
        began.set()
        await gate.wait()  # read, not yet handed back: the change comes now
        return loaded

    monkeypatch.setattr(programme_repo, "load", load_then_wait)  # the service reads it here
    programme.forget()
    reading = asyncio.create_task(programme.current())
    await began.wait()
    async with db.transaction() as conn:
        await conn.execute("UPDATE workshop SET title = 'Kayak du matin' WHERE id = 'k1'")
    programme.forget()
    gate.set()
    changed = ["Kayak du matin", "Aquarelle en bord de mer"]
    assert [w.title for w in (await reading).workshops] == changed
    assert [w.title for w in (await programme.current()).workshops] == changed
