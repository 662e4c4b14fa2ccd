"""Incoming updates, kept until handled: nothing lost to a crash, nothing handled twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

import aiosqlite

from storage.timefmt import to_db


async def store(
    conn: aiosqlite.Connection, updates: Sequence[tuple[int, str]], now: datetime
) -> list[int]:
    """Write down updates not seen before; give the ids that are new.

    One statement (a transaction by itself when made outside one): one trip to the database.
    """
    if not updates:
        return []
    return _new(updates, await conn.execute_fetchall(*_store(updates, now)))


def store_now(
    conn: sqlite3.Connection, updates: Sequence[tuple[int, str]], now: datetime
) -> list[int]:
    """Write down updates not seen before, on the event loop (Database.alone_now)."""
    if not updates:
        return []
    return _new(updates, conn.execute(*_store(updates, now)).fetchall())


def _store(updates: Sequence[tuple[int, str]], now: datetime) -> tuple[str, list[object]]:
    return (
        "INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES "
        + ", ".join(["(?, ?, ?)"] * len(updates))
        + " RETURNING update_id",  # the rows inserted, not those ignored
        [value for update_id, body in updates for value in (update_id, body, to_db(now))],
    )


def _new(updates: Sequence[tuple[int, str]], rows: Iterable[sqlite3.Row]) -> list[int]:
    new = {row[0] for row in rows}
    return [update_id for update_id, _ in updates if update_id in new]


async def done(conn: aiosqlite.Connection, update_id: int, now: datetime) -> None:
    """Mark an update handled."""
    await mark_done(conn, (update_id,), now)


async def mark_done(conn: aiosqlite.Connection, update_ids: Collection[int], now: datetime) -> None:
    """Mark updates handled, in one statement."""
    ids = sorted(update_ids)
    await conn.execute(
        f"UPDATE inbox SET done_at = ? WHERE update_id IN ({', '.join('?' * len(ids))}) "
        "AND done_at IS NULL",
        (to_db(now), *ids),
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
