"""Inbox storage that a mutant showed no other test pinned down (QUALITY.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import inbox as repo
from storage.db import Database

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)


async def test_the_inbox_gives_its_newest_id_and_its_unhandled_updates_in_order(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            assert await repo.last_id(conn) is None
            assert await repo.store(conn, [(7, "seven"), (3, "three"), (5, "five")], NOW) == [
                7,
                3,
                5,
            ]
            assert await repo.store(conn, [(5, "again"), (9, "nine")], NOW) == [9]
            await repo.done(conn, 7, NOW)
            assert await repo.last_id(conn) == 9
            assert await repo.pending(conn) == [(3, "three"), (5, "five"), (9, "nine")]
            await repo.mark_done(conn, {9, 3}, NOW)
            assert await repo.pending(conn) == [(5, "five")]
    finally:
        await db.close()


async def test_pruning_forgets_old_handled_updates_but_keeps_the_newest(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    day = timedelta(days=1)
    try:
        async with db.transaction() as conn:
            await repo.store(conn, [(1, "old done"), (2, "old undone")], NOW - 3 * day)
            await repo.store(conn, [(3, "recent done")], NOW - day / 2)
            await repo.store(conn, [(4, "newest, old, done")], NOW - 3 * day)
            for update_id in (1, 3, 4):
                await repo.done(conn, update_id, NOW)
            await repo.prune(conn, NOW, keep=day)
            async with conn.execute("SELECT update_id FROM inbox ORDER BY update_id") as cursor:
                kept = [row["update_id"] async for row in cursor]
            assert await repo.last_id(conn) == 4
    finally:
        await db.close()
    assert kept == [2, 3, 4]
