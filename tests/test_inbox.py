"""An update is marked handled once its handler returned; the mark rides the next transaction."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Update

from bot.clock import FrozenClock
from bot.polling import Inbox
from storage import inbox as inbox_repo
from storage.db import Database

NOW = datetime(2026, 8, 24, 8, 0, tzinfo=UTC)


def update(update_id: int) -> Update:
    return Update.de_json({"update_id": update_id}, None)


async def pending(db: Database) -> list[int]:
    async with db.read() as conn:
        return [update_id for update_id, _ in await inbox_repo.pending(conn)]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "r.sqlite3")
    yield database
    await database.close()


async def answers() -> None:
    await asyncio.sleep(0)


async def test_a_handler_cut_short_runs_again_one_that_returned_does_not(db: Database) -> None:
    inbox = Inbox(db, FrozenClock(NOW))
    await inbox.store([update(1), update(2)])

    async def dies() -> None:
        raise asyncio.CancelledError  # the task killed mid-way

    with pytest.raises(asyncio.CancelledError):
        await inbox.handle(1, dies())
    await inbox.handle(2, answers())
    assert await pending(db) == [1]


async def test_a_done_mark_goes_in_with_the_next_transaction_not_after_a_queue(
    db: Database,
) -> None:
    inbox = Inbox(db, FrozenClock(NOW))
    await inbox.store([update(1)])
    async with db.transaction() as conn:  # a sign-up, say, holds the database
        handled = asyncio.create_task(inbox.handle(1, answers()))
        for _ in range(5):
            await asyncio.sleep(0)  # update 1 is handled, its own transaction waits
        assert not handled.done()
        await conn.execute("CREATE TABLE effect (n INTEGER)")
    # the sign-up's transaction carried the mark: read at once, before update 1's own turn
    with sqlite3.connect(db.path) as raw:
        (done_at,) = raw.execute("SELECT done_at FROM inbox WHERE update_id = 1").fetchone()
    assert done_at is not None and not handled.done()
    await handled
    assert await pending(db) == []


async def test_a_done_mark_alone_waits_behind_a_persons_write_which_carries_it(
    db: Database,
) -> None:
    inbox = Inbox(db, FrozenClock(NOW))
    await inbox.store([update(1)])
    at_its_start: list[object] = []

    async def a_persons_write() -> None:
        async with db.transaction() as conn:
            async with conn.execute("SELECT done_at FROM inbox WHERE update_id = 1") as cursor:
                row = await cursor.fetchone()
            at_its_start.append(row[0] if row else "no row")

    async with db.alone():  # the database is busy while both arrive (carrying no mark)
        handled = asyncio.create_task(inbox.handle(1, answers()))
        for _ in range(5):
            await asyncio.sleep(0)  # update 1 is handled: its mark waits for a turn alone
        person = asyncio.create_task(a_persons_write())  # arrives after the mark
        await asyncio.sleep(0)
    await asyncio.gather(handled, person)
    # The person's write went first, the mark still unwritten then, and it carried the mark
    assert at_its_start == [None]
    assert await pending(db) == []


@pytest.mark.parametrize("path", ["file", ":memory:"])
async def test_a_batch_is_stored_once_on_the_loop_or_through_the_thread(
    tmp_path: Path, path: str
) -> None:
    """A file: the batch goes in on the event loop (alone_now); in memory, through the thread."""
    database = await Database.open(tmp_path / "r.sqlite3" if path == "file" else path)
    try:
        assert database.writes_now is (path == "file")
        inbox = Inbox(database, FrozenClock(NOW))
        stored = await inbox.store([update(1), update(1), update(2)])
        assert [u.update_id for u in stored] == [1, 2]  # the same update twice: once
        assert [u.update_id for u in await inbox.store([update(2), update(3)])] == [3]
        assert await pending(database) == [1, 2, 3]
        async with database.read() as conn:
            bodies = [body for _, body in await inbox_repo.pending(conn)]
        assert Update.de_json(json.loads(bodies[0]), None) == update(1)
    finally:
        await database.close()
