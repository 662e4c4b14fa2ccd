"""The database at a clean stop: a transaction cut short is closed, the log folded in at close."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db import Database


async def test_a_transaction_cancelled_while_it_begins_leaves_none_open(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:

        async def write() -> None:
            async with db.transaction() as conn:
                await conn.execute("PRAGMA user_version")

        task = asyncio.create_task(write())
        await asyncio.sleep(0)  # the task now waits on its BEGIN, queued to the database
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The next transaction begins (not "cannot start a transaction within a transaction")
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE later (x INTEGER)")
        assert not db.conn.in_transaction
    finally:
        await db.close()


async def test_close_folds_the_write_ahead_log_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    db = await Database.open(path)
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x TEXT)")
        await conn.executemany("INSERT INTO t VALUES (?)", [("x" * 200,)] * 500)
    wal = tmp_path / "r.sqlite3-wal"
    assert wal.stat().st_size > 0
    # A second connection (a reader elsewhere) keeps SQLite from deleting the log at close:
    # what is left of it is the checkpoint's doing
    other = await Database.open(path, migrate=False)
    try:
        await db.close()
        assert wal.stat().st_size == 0
    finally:
        await other.close()
