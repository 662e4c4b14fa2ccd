"""Unconfirmed drafts of the multi-step flows (/change, /broadcast), one per person and flow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.timefmt import from_db, to_db


@dataclass(frozen=True, slots=True)
class Draft:
    """A person's draft in one flow: the tag its buttons carry, its content, what it waits for."""

    user_id: int
    flow: str
    tag: str
    body: dict[str, Any]
    awaiting: str | None
    updated_at: datetime


def _draft(row: aiosqlite.Row) -> Draft:
    return Draft(
        user_id=row["user_id"],
        flow=row["flow"],
        tag=row["tag"],
        body=json.loads(row["body"]),
        awaiting=row["awaiting"],
        updated_at=from_db(row["updated_at"]),
    )


_COLUMNS = "user_id, flow, tag, body, awaiting, updated_at"


async def put(conn: aiosqlite.Connection, draft: Draft) -> None:
    """Write a person's draft in a flow, replacing the one before."""
    await conn.execute(
        f"INSERT OR REPLACE INTO draft ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (
            draft.user_id,
            draft.flow,
            draft.tag,
            json.dumps(draft.body, ensure_ascii=False, sort_keys=True),
            draft.awaiting,
            to_db(draft.updated_at),
        ),
    )
    if draft.awaiting is not None:
        # One flow at a time waits for a person's text
        await conn.execute(
            "UPDATE draft SET awaiting = NULL WHERE user_id = ? AND flow <> ?",
            (draft.user_id, draft.flow),
        )


async def get(conn: aiosqlite.Connection, user_id: int, flow: str) -> Draft | None:
    """Give a person's draft in a flow, if there is one."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM draft WHERE user_id = ? AND flow = ?", (user_id, flow)
    ) as cursor:
        row = await cursor.fetchone()
    return _draft(row) if row else None


async def take(conn: aiosqlite.Connection, user_id: int, flow: str) -> Draft | None:
    """Remove a person's draft in a flow and give it (None: there was none, or it is taken)."""
    async with conn.execute(
        f"DELETE FROM draft WHERE user_id = ? AND flow = ? RETURNING {_COLUMNS}",
        (user_id, flow),
    ) as cursor:
        row = await cursor.fetchone()
    return _draft(row) if row else None


async def waiting(conn: aiosqlite.Connection, user_id: int) -> Draft | None:
    """Give the person's draft that waits for their text, if one does."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM draft WHERE user_id = ? AND awaiting IS NOT NULL "
        "ORDER BY updated_at DESC LIMIT 1",
        (user_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return _draft(row) if row else None


async def stop_waiting(conn: aiosqlite.Connection, user_id: int) -> None:
    """Wait for no more text from this person."""
    await conn.execute("UPDATE draft SET awaiting = NULL WHERE user_id = ?", (user_id,))


async def waiting_users(conn: aiosqlite.Connection) -> set[int]:
    """Give the people some flow waits for text from."""
    async with conn.execute("SELECT user_id FROM draft WHERE awaiting IS NOT NULL") as cursor:
        return {row[0] async for row in cursor}


async def purge(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete the drafts last touched before `before`; give how many."""
    async with conn.execute("DELETE FROM draft WHERE updated_at < ?", (to_db(before),)) as cursor:
        return cursor.rowcount
