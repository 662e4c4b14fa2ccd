import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, DatabaseError, latest_version


async def test_a_new_database_gets_every_migration_and_the_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        assert await db.version() == latest_version() >= 1
        async with db.read() as conn:
            async with conn.execute("PRAGMA journal_mode") as cur:
                assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]  # the query gives one row
            async with conn.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1  # type: ignore[index]  # the query gives one row
            async with conn.execute("PRAGMA busy_timeout") as cur:
                assert (await cur.fetchone())[0] > 0  # type: ignore[index]  # the query gives one row
    finally:
        await db.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(DatabaseError, match="newer than this code"):
        await Database.open(path)


async def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO room (name) VALUES ('Chapiteau')")
                raise RuntimeError("boom")
        async with db.read() as conn, conn.execute("SELECT count(*) FROM room") as cur:
            assert (await cur.fetchone())[0] == 0  # type: ignore[index]  # the query gives one row
    finally:
        await db.close()
