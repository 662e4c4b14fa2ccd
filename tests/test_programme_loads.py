"""The programme kept in memory is read once after a change, however many answers ask for it.

After a facilitator's change (forget()), every answer under way used to read the whole
programme through a thread, each its own copy (bench.soak --stages: 3-4 ms at p50, 12-22 ms at
p99). Now one read is under way at a time and the others take what it read; a read begun
before a change is not kept.
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
id = "w1"
title = "Poterie"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Atelier"

[[workshop]]
id = "w2"
title = "Chant"
start = 2026-08-24T14:00:00
end = 2026-08-24T15:00:00
room = "Chapiteau"
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
    assert [w.title for w in read[0].workshops] == ["Poterie", "Chant"]
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
        await conn.execute("UPDATE workshop SET title = 'Poterie raku' WHERE id = 'w1'")
    programme.forget()
    gate.set()
    assert [w.title for w in (await reading).workshops] == ["Poterie raku", "Chant"]
    assert [w.title for w in (await programme.current()).workshops] == ["Poterie raku", "Chant"]
