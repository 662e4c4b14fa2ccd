"""Incoming updates, kept until handled: nothing lost to a crash, nothing handled twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite

from storage.timefmt import to_db


async def store(
    conn: aiosqlite.Connection, updates: Sequence[tuple[int, str]], now: datetime
) -> list[int]:
    """Write down updates not seen before; give the ids that are new."""
    new = []
    for update_id, body in updates:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES (?, ?, ?)",
            (update_id, body, to_db(now)),
        )
        if cursor.rowcount:
            new.append(update_id)
    return new


async def done(conn: aiosqlite.Connection, update_id: int, now: datetime) -> None:
    """Mark an update handled."""
    await conn.execute(
        "UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL",
        (to_db(now), update_id),
    )


async def pending(conn: aiosqlite.Connection) -> list[tuple[int, str]]:
    """List the updates written down but not handled (a crash came between), oldest first."""
    async with conn.execute(
        "SELECT update_id, body FROM inbox WHERE done_at IS NULL ORDER BY update_id"
    ) as cursor:
        return [(row["update_id"], row["body"]) async for row in cursor]


async def last_id(conn: aiosqlite.Connection) -> int | None:
    """Give the newest update id written down."""
    async with conn.execute("SELECT max(update_id) FROM inbox") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


async def prune(conn: aiosqlite.Connection, now: datetime, keep: timedelta) -> None:
    """Forget handled updates older than `keep` (the newest one always stays, for the offset)."""
    await conn.execute(
        "DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ? "
        "AND update_id < (SELECT max(update_id) FROM inbox)",
        (to_db(now - keep),),
    )
