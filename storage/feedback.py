"""Feedback for facilitators: one answer (and an optional comment) per person and item."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.feedback import Answer
from storage.timefmt import to_db


async def add(
    conn: aiosqlite.Connection, user_id: int, item_id: str, score: int, now: datetime
) -> bool:
    """Keep a person's answer; tell whether it is their first for this item."""
    cursor = await conn.execute(
        "INSERT INTO feedback (user_id, item_id, score, answered_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id, item_id) DO NOTHING",
        (user_id, item_id, score, to_db(now)),
    )
    return cursor.rowcount > 0


async def comment(conn: aiosqlite.Connection, user_id: int, item_id: str, text: str) -> bool:
    """Add a comment to a person's answer that has none yet; tell whether it was added."""
    cursor = await conn.execute(
        "UPDATE feedback SET comment = ? WHERE user_id = ? AND item_id = ? AND comment IS NULL",
        (text, user_id, item_id),
    )
    return cursor.rowcount > 0


async def answered(conn: aiosqlite.Connection, user_id: int) -> set[str]:
    """Give the items a person has answered about."""
    async with conn.execute("SELECT item_id FROM feedback WHERE user_id = ?", (user_id,)) as cur:
        return {row["item_id"] async for row in cur}


async def of_item(conn: aiosqlite.Connection, item_id: str) -> list[Answer]:
    """Give the answers about an item, in the order they came."""
    async with conn.execute(
        "SELECT item_id, score, comment FROM feedback WHERE item_id = ? ORDER BY answered_at",
        (item_id,),
    ) as cursor:
        return [Answer(r["item_id"], r["score"], r["comment"]) async for r in cursor]


async def everything(conn: aiosqlite.Connection) -> list[Answer]:
    """Give every answer, item by item."""
    async with conn.execute(
        "SELECT item_id, score, comment FROM feedback ORDER BY item_id, answered_at"
    ) as cursor:
        return [Answer(r["item_id"], r["score"], r["comment"]) async for r in cursor]


async def counts(conn: aiosqlite.Connection) -> dict[str, int]:
    """Count the answers about each item."""
    async with conn.execute(
        "SELECT item_id, count(*) AS n FROM feedback GROUP BY item_id"
    ) as cursor:
        return {row["item_id"]: row["n"] async for row in cursor}
