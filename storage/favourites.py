"""Favourites: the items each person asked to be reminded of (no place taken, no clash)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.timefmt import to_db


async def add(conn: aiosqlite.Connection, user_id: int, item_id: str, now: datetime) -> bool:
    """Star an item for a person; tell whether it was not starred before."""
    cursor = await conn.execute(
        "INSERT INTO favourite (user_id, item_id, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, item_id) DO NOTHING",
        (user_id, item_id, to_db(now)),
    )
    return cursor.rowcount > 0


async def remove(conn: aiosqlite.Connection, user_id: int, item_id: str) -> bool:
    """Unstar an item for a person; tell whether it was starred."""
    cursor = await conn.execute(
        "DELETE FROM favourite WHERE user_id = ? AND item_id = ?", (user_id, item_id)
    )
    return cursor.rowcount > 0


async def of_user(conn: aiosqlite.Connection, user_id: int) -> set[str]:
    """Give the ids of the items a person starred."""
    rows = await conn.execute_fetchall(
        "SELECT item_id FROM favourite WHERE user_id = ?", (user_id,)
    )  # one trip to the database's thread (a cursor takes three): read on every list shown
    return {row["item_id"] for row in rows}


async def of_item(conn: aiosqlite.Connection, item_id: str) -> list[int]:
    """Give the people who starred an item, first starred first."""
    async with conn.execute(
        "SELECT user_id FROM favourite WHERE item_id = ? ORDER BY created_at, user_id", (item_id,)
    ) as cursor:
        return [row["user_id"] async for row in cursor]


async def everything(
    conn: aiosqlite.Connection, user_ids: Sequence[int] | None = None
) -> dict[int, list[str]]:
    """Give every person's starred item ids (or only those of `user_ids`)."""
    out: dict[int, list[str]] = {}
    among = f"WHERE user_id IN ({','.join('?' * len(user_ids))})" if user_ids is not None else ""
    async with conn.execute(
        f"SELECT user_id, item_id FROM favourite {among} ORDER BY user_id, item_id",
        tuple(user_ids or ()),
    ) as cursor:
        async for row in cursor:
            out.setdefault(row["user_id"], []).append(row["item_id"])
    return out


async def counts(conn: aiosqlite.Connection, item_ids: Sequence[str]) -> dict[str, int]:
    """Count the people interested in each item."""
    marks = ",".join("?" * len(item_ids))
    async with conn.execute(
        f"SELECT item_id, count(*) AS n FROM favourite WHERE item_id IN ({marks}) GROUP BY item_id",
        tuple(item_ids),
    ) as cursor:
        return {row["item_id"]: row["n"] async for row in cursor}
