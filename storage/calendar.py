"""Calendars: personal tokens, each item's last state and SEQUENCE, what a person was shown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.domain.calendar import ItemState
from storage.timefmt import to_db


async def token_of(conn: aiosqlite.Connection, user_id: int) -> str | None:
    """Give a person's calendar token, if they have one."""
    async with conn.execute(
        "SELECT token FROM calendar_token WHERE user_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row else None


async def put_token(conn: aiosqlite.Connection, user_id: int, token: str, now: datetime) -> None:
    """Give a person a new token; the one they had stops working."""
    await conn.execute(
        "INSERT INTO calendar_token (user_id, token, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, "
        "created_at = excluded.created_at",
        (user_id, token, to_db(now)),
    )


async def owner(conn: aiosqlite.Connection, token: str) -> int | None:
    """Give whose token this is, if anyone's."""
    async with conn.execute(
        "SELECT user_id FROM calendar_token WHERE token = ?", (token,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None


def _state(row: aiosqlite.Row) -> ItemState:
    return ItemState(
        row["uid"],
        row["fingerprint"],
        json.loads(row["snapshot"]),
        int(row["sequence"]),
        bool(row["cancelled"]),
    )


async def states(conn: aiosqlite.Connection) -> dict[str, ItemState]:
    """Give every item's last state, by uid."""
    async with conn.execute(
        "SELECT uid, fingerprint, snapshot, sequence, cancelled FROM calendar_item"
    ) as cursor:
        return {row["uid"]: _state(row) async for row in cursor}


async def put_states(conn: aiosqlite.Connection, changed: Sequence[ItemState]) -> None:
    """Store new or changed item states."""
    await conn.executemany(
        "INSERT INTO calendar_item (uid, fingerprint, snapshot, sequence, cancelled) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
        "fingerprint = excluded.fingerprint, snapshot = excluded.snapshot, "
        "sequence = excluded.sequence, cancelled = excluded.cancelled",
        [
            (s.uid, s.fingerprint, json.dumps(s.snapshot), s.sequence, int(s.cancelled))
            for s in changed
        ],
    )


async def served(conn: aiosqlite.Connection, user_id: int) -> set[str]:
    """Give the uids a person's calendar has shown."""
    async with conn.execute(
        "SELECT uid FROM calendar_served WHERE user_id = ?", (user_id,)
    ) as cursor:
        return {str(row[0]) async for row in cursor}


async def add_served(conn: aiosqlite.Connection, user_id: int, uids: Iterable[str]) -> None:
    """Remember that a person's calendar has shown these items."""
    await conn.executemany(
        "INSERT OR IGNORE INTO calendar_served (user_id, uid) VALUES (?, ?)",
        [(user_id, uid) for uid in uids],
    )
