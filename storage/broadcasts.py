"""Organisers' broadcasts and notices, and the audiences they go to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.timefmt import from_db, to_db


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One broadcast: who wrote what, to whom, and where its progress is shown."""

    id: int
    by_user: int
    text: str
    audience: str
    language: str
    recipients: int
    created_at: datetime
    status: str
    progress_chat: int | None
    progress_message: int | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice posted (and pinned) in the group."""

    id: int
    by_user: int
    text: str
    chat_id: int
    created_at: datetime


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        by_user=row["by_user"],
        text=row["text"],
        audience=row["audience"],
        language=row["language"],
        recipients=row["recipients"],
        created_at=from_db(row["created_at"]),
        status=row["status"],
        progress_chat=row["progress_chat"],
        progress_message=row["progress_message"],
        finished_at=from_db(row["finished_at"]) if row["finished_at"] else None,
    )


def _notice(row: aiosqlite.Row) -> Notice:
    return Notice(
        row["id"], row["by_user"], row["text"], row["chat_id"], from_db(row["created_at"])
    )


async def add(
    conn: aiosqlite.Connection,
    *,
    by_user: int,
    text: str,
    audience: str,
    language: str,
    recipients: int,
    now: datetime,
    progress_chat: int | None,
    progress_message: int | None,
) -> int:
    """Record a broadcast being sent; give its id."""
    async with conn.execute(
        "INSERT INTO broadcast (by_user, text, audience, language, recipients, created_at, "
        "progress_chat, progress_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            by_user,
            text,
            audience,
            language,
            recipients,
            to_db(now),
            progress_chat,
            progress_message,
        ),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def get(conn: aiosqlite.Connection, broadcast_id: int) -> Broadcast | None:
    """Find one broadcast."""
    async with conn.execute("SELECT * FROM broadcast WHERE id = ?", (broadcast_id,)) as cursor:
        row = await cursor.fetchone()
    return _broadcast(row) if row else None


async def unfinished(conn: aiosqlite.Connection) -> list[Broadcast]:
    """List the broadcasts still being sent, oldest first."""
    async with conn.execute(
        "SELECT * FROM broadcast WHERE status = 'sending' ORDER BY id"
    ) as cursor:
        return [_broadcast(row) async for row in cursor]


async def finish(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast done; false if it already was."""
    cursor = await conn.execute(
        "UPDATE broadcast SET status = 'done', finished_at = ? WHERE id = ? AND status = 'sending'",
        (to_db(now), broadcast_id),
    )
    return cursor.rowcount == 1


async def registered(conn: aiosqlite.Connection) -> list[int]:
    """List every registered person."""
    async with conn.execute("SELECT user_id FROM participant ORDER BY user_id") as cursor:
        return [row["user_id"] async for row in cursor]


async def of_organisation(conn: aiosqlite.Connection, organisation: str) -> list[int]:
    """List the registered members of one organisation."""
    async with conn.execute(
        "SELECT user_id FROM participant WHERE organisation = ? ORDER BY user_id", (organisation,)
    ) as cursor:
        return [row["user_id"] async for row in cursor]


async def booked(
    conn: aiosqlite.Connection, kind: str, target_ids: Iterable[str], statuses: Sequence[str]
) -> list[int]:
    """List the people holding (in `statuses`) a booking for any of some targets."""
    targets = list(target_ids)
    if not targets or not statuses:
        return []
    marks = ",".join("?" * len(targets))
    states = ",".join("?" * len(statuses))
    async with conn.execute(
        f"SELECT DISTINCT user_id FROM booking WHERE kind = ? AND target_id IN ({marks}) "
        f"AND status IN ({states}) ORDER BY user_id",
        (kind, *targets, *statuses),
    ) as cursor:
        return [row["user_id"] async for row in cursor]


async def count_unreachable(conn: aiosqlite.Connection, user_ids: Iterable[int]) -> int:
    """Count the people among `user_ids` the bot could not write to last time."""
    async with conn.execute("SELECT user_id FROM participant WHERE unreachable = 1") as cursor:
        flagged = {row["user_id"] async for row in cursor}
    return len(flagged.intersection(user_ids))


async def add_notice(
    conn: aiosqlite.Connection, by_user: int, text: str, chat_id: int, now: datetime
) -> int:
    """Record a notice; give its id."""
    async with conn.execute(
        "INSERT INTO notice (by_user, text, chat_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        (by_user, text, chat_id, to_db(now)),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def notices_since(conn: aiosqlite.Connection, since: datetime, limit: int) -> list[Notice]:
    """List the notices posted since an instant, newest first."""
    async with conn.execute(
        "SELECT * FROM notice WHERE created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (to_db(since), limit),
    ) as cursor:
        return [_notice(row) async for row in cursor]
