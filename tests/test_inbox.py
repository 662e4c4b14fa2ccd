"""An update is marked handled once its handler returned; the inbox, a file of its own, never
waits for the database's transactions."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Update

from bot import polling
from bot.clock import FrozenClock
from bot.polling import Inbox
from storage import inbox as inbox_repo
from storage.db import Database

NOW = datetime(2026, 8, 24, 8, 0, tzinfo=UTC)


def update(update_id: int) -> Update:
    return Update.de_json({"update_id": update_id}, None)


def pending(inbox: Inbox) -> list[int]:
    """Read the inbox's file through a connection of its own, as the next start would."""
    if inbox.path == ":memory:":
        return [update_id for update_id, _ in inbox_repo.pending(inbox.conn)]
    with sqlite3.connect(inbox.path) as raw:
        return [update_id for update_id, _ in inbox_repo.pending(raw)]


def size(path: str) -> int:
    """Give a file's size (0 when there is none)."""
    file = Path(path)
    return file.stat().st_size if file.exists() else 0


@pytest.fixture
async def inbox(db: Database) -> AsyncIterator[Inbox]:
    opened = Inbox(db, FrozenClock(NOW))
    yield opened
    await opened.close(0)


async def answers() -> None:
    await asyncio.sleep(0)


async def test_a_handler_cut_short_runs_again_one_that_returned_does_not(inbox: Inbox) -> None:
    await inbox.store([update(1), update(2)])

    async def dies() -> None:
        raise asyncio.CancelledError  # the task killed mid-way

    with pytest.raises(asyncio.CancelledError):
        await inbox.handle(1, dies())
    await inbox.handle(2, answers())
    assert pending(inbox) == [1]


async def test_the_store_and_the_done_mark_never_wait_for_the_databases_transaction(
    db: Database, inbox: Inbox
) -> None:
    async with db.transaction() as conn:  # a re-planning, say, holds the database
        await conn.execute("CREATE TABLE effect (n INTEGER)")
        stored = await asyncio.wait_for(inbox.store([update(1), update(2)]), 1)
        assert [u.update_id for u in stored] == [1, 2]
        await asyncio.wait_for(inbox.handle(1, answers()), 1)
        # Both are in the inbox's file already, the transaction still under way
        assert pending(inbox) == [2]
    assert size(db.path + "-inbox") > 0


async def test_a_mark_the_file_refused_goes_with_the_next_one(
    inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    await inbox.store([update(1), update(2)])
    with sqlite3.connect(inbox.path, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")  # another process writes the file for a while
        with caplog.at_level(logging.WARNING, logger="bot.polling"):
            await inbox.handle(1, answers())
        other.execute("ROLLBACK")
    assert "could not mark 1 updates done" in caplog.text
    assert pending(inbox) == [1, 2]
    await inbox.handle(2, answers())
    assert pending(inbox) == []


@pytest.mark.parametrize("path", ["file", ":memory:"])
async def test_a_batch_is_stored_once(tmp_path: Path, path: str) -> None:
    database = await Database.open(tmp_path / "r.sqlite3" if path == "file" else path)
    inbox = Inbox(database, FrozenClock(NOW))
    try:
        assert (inbox.path == ":memory:") is (path == ":memory:")
        stored = await inbox.store([update(1), update(1), update(2)])
        assert [u.update_id for u in stored] == [1, 2]  # the same update twice: once
        assert [u.update_id for u in await inbox.store([update(2), update(3)])] == [3]
        assert pending(inbox) == [1, 2, 3]
        assert [Update.de_json(data, None) for data in await inbox.pending()] == [
            update(1),
            update(2),
            update(3),
        ]
        assert await inbox.next_offset() == 4
    finally:
        await inbox.close(0)
        await database.close()


async def test_the_updates_an_earlier_version_kept_in_the_database_move_to_the_inbox(
    db: Database, inbox: Inbox
) -> None:
    await inbox.store([update(5)])
    legacy = [(3, "old, seen here", None), (6, "handled", "2026-08-24T07:00:00Z"), (7, "not", None)]
    async with db.transaction() as conn:
        for update_id, data, done_at in legacy:
            body = json.dumps({"update_id": update_id, "note": data})
            await conn.execute(
                "INSERT INTO inbox (update_id, body, received_at, done_at) VALUES (?, ?, ?, ?)",
                (update_id, body, "2026-08-24T06:00:00Z", done_at),
            )
    assert await inbox.take_over() == 2  # 3 is older than what the inbox has seen
    assert pending(inbox) == [5, 7]
    assert await inbox.next_offset() == 8
    async with db.read() as conn:
        assert await conn.execute_fetchall("SELECT * FROM inbox") == []
    assert await inbox.take_over() == 0


async def test_the_log_is_folded_in_a_thread_and_at_close(
    db: Database, monkeypatch: pytest.MonkeyPatch, checkpoint_threads: list[threading.Thread]
) -> None:
    monkeypatch.setattr(polling, "CHECKPOINT_EVERY", 3)
    threads = checkpoint_threads
    inbox = Inbox(db, FrozenClock(NOW))
    for update_id in range(1, 4):
        await inbox.store([update(update_id)])
    await inbox.handle(1, answers())
    wal = inbox.path + "-wal"
    assert size(wal) > 0
    await inbox.close(0)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert size(wal) == 0  # folded in at close
    with sqlite3.connect(inbox.path) as raw:
        assert [u for u, _ in inbox_repo.pending(raw)] == [2, 3]
