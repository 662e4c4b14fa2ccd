"""Children registered by their parents, and the bookings made for them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.domain.booking import Status, Target, TargetKind
from bot.domain.children import Child, child_id_of, is_child
from storage.timefmt import to_db


def _child(row: aiosqlite.Row) -> Child:
    return Child(row["id"], row["parent_id"], row["first_name"], row["age"])


async def of_parent(conn: aiosqlite.Connection, parent_id: int) -> list[Child]:
    """List a parent's children, in the order they were registered."""
    async with conn.execute(
        "SELECT id, parent_id, first_name, age FROM child WHERE parent_id = ? ORDER BY id",
        (parent_id,),
    ) as cursor:
        return [_child(row) async for row in cursor]


async def get(conn: aiosqlite.Connection, child_id: int) -> Child | None:
    """Find one child."""
    async with conn.execute(
        "SELECT id, parent_id, first_name, age FROM child WHERE id = ?", (child_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return _child(row) if row else None


async def add(
    conn: aiosqlite.Connection, parent_id: int, first_name: str, age: int, now: datetime
) -> Child:
    """Register a child."""
    async with conn.execute(
        "INSERT INTO child (parent_id, first_name, age, created_at) VALUES (?, ?, ?, ?) "
        "RETURNING id, parent_id, first_name, age",
        (parent_id, first_name, age, to_db(now)),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return _child(row)


async def update(conn: aiosqlite.Connection, child: Child) -> None:
    """Store a child's new first name or age."""
    await conn.execute(
        "UPDATE child SET first_name = ?, age = ? WHERE id = ?",
        (child.first_name, child.age, child.id),
    )


async def delete(conn: aiosqlite.Connection, child_id: int) -> None:
    """Forget a child, and what is left of their bookings (of items no longer on)."""
    await conn.execute("DELETE FROM booking WHERE child_id = ?", (child_id,))
    await conn.execute("DELETE FROM child WHERE id = ?", (child_id,))


async def book(
    conn: aiosqlite.Connection, target: Target, child: Child, status: Status, now: datetime
) -> None:
    """Record a child's place, or place in the queue, under their parent."""
    await conn.execute(
        "INSERT INTO booking (kind, target_id, user_id, child_id, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (target.kind.value, target.id, child.parent_id, child.id, status.value, to_db(now)),
    )


async def booked(conn: aiosqlite.Connection, child_id: int) -> list[tuple[TargetKind, str, Status]]:
    """List a child's bookings (kind, target id, status), oldest first."""
    async with conn.execute(
        "SELECT kind, target_id, status FROM booking WHERE child_id = ? ORDER BY seq",
        (child_id,),
    ) as cursor:
        return [
            (TargetKind(row["kind"]), row["target_id"], Status(row["status"]))
            async for row in cursor
        ]


async def behind(conn: aiosqlite.Connection, holders: Iterable[int]) -> dict[int, Child]:
    """Give the child behind each booking-core id that stands for one (by that id)."""
    found: dict[int, Child] = {}
    for h in holders:
        if is_child(h) and h not in found:
            child = await get(conn, child_id_of(h))
            if child is not None:
                found[h] = child
    return found
