"""What /status counts: the programme, the people, the outbox's backlog."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.timefmt import to_db


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    async with conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def items(conn: aiosqlite.Connection) -> int:
    """Count the programme's items."""
    return await _one(conn, "SELECT count(*) FROM workshop")


async def people(conn: aiosqlite.Connection) -> tuple[int, int]:
    """Count the registered people, and those the bot cannot write to."""
    return (
        await _one(conn, "SELECT count(*) FROM participant"),
        await _one(conn, "SELECT count(*) FROM participant WHERE unreachable"),
    )


async def backlog(conn: aiosqlite.Connection, now: datetime) -> dict[str, int]:
    """Count the outbox messages due and not sent yet (or on their way), by kind."""
    async with conn.execute(
        """
        SELECT kind, count(*) FROM outbox
        WHERE status = 'sending' OR (status = 'pending' AND due_at <= ?)
        GROUP BY kind ORDER BY kind
        """,
        (to_db(now),),
    ) as cursor:
        return {row[0]: int(row[1]) async for row in cursor}


async def planned(conn: aiosqlite.Connection, now: datetime) -> int:
    """Count the outbox messages planned for later."""
    return await _one(
        conn, "SELECT count(*) FROM outbox WHERE status = 'pending' AND due_at > ?", (to_db(now),)
    )
