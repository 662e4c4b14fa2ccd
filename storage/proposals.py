"""Proposed sessions as stored: one row a proposal, its slot, its fate."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.proposals import Proposal, Status
from storage.timefmt import from_db, to_db

_COLUMNS = (
    "id, user_id, title, description, minutes, starts_at, room, capacity, language, "
    "proposer_name, proposer_username, status, reason, item_id, decided_by, created_at"
)


def _proposal(row: aiosqlite.Row) -> Proposal:
    return Proposal(
        id=row["id"],
        user_id=row["user_id"],
        title=row["title"],
        description=row["description"],
        minutes=row["minutes"],
        start=from_db(row["starts_at"]) if row["starts_at"] else None,
        room=row["room"],
        capacity=row["capacity"],
        language=row["language"],
        proposer_name=row["proposer_name"],
        proposer_username=row["proposer_username"],
        status=Status(row["status"]),
        reason=row["reason"],
        item_id=row["item_id"],
        decided_by=row["decided_by"],
        created_at=from_db(row["created_at"]),
    )


async def add(conn: aiosqlite.Connection, p: Proposal) -> int:
    """Store a new proposal; give its number."""
    cursor = await conn.execute(
        "INSERT INTO proposal (user_id, title, description, minutes, starts_at, room, capacity, "
        "language, proposer_name, proposer_username, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p.user_id,
            p.title,
            p.description,
            p.minutes,
            to_db(p.start) if p.start else None,
            p.room,
            p.capacity,
            p.language,
            p.proposer_name,
            p.proposer_username,
            p.status.value,
            to_db(p.created_at),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get(conn: aiosqlite.Connection, proposal_id: int) -> Proposal | None:
    """Give one proposal, if it exists."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM proposal WHERE id = ?", (proposal_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return _proposal(row) if row else None


async def pending_count(conn: aiosqlite.Connection, user_id: int) -> int:
    """Count a person's proposals waiting for a decision."""
    async with conn.execute(
        "SELECT count(*) FROM proposal WHERE user_id = ? AND status = 'pending'", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def approved(conn: aiosqlite.Connection) -> list[Proposal]:
    """List the proposals that became programme items."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM proposal WHERE status = 'approved' ORDER BY id"
    ) as cursor:
        return [_proposal(row) for row in await cursor.fetchall()]


async def approve(
    conn: aiosqlite.Connection,
    proposal_id: int,
    start: datetime,
    room: str,
    item_id: str,
    by: int,
    now: datetime,
) -> bool:
    """Mark a pending proposal approved in a slot; False if it was no longer pending."""
    cursor = await conn.execute(
        "UPDATE proposal SET status = 'approved', starts_at = ?, room = ?, item_id = ?, "
        "decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
        (to_db(start), room, item_id, by, to_db(now), proposal_id),
    )
    return cursor.rowcount == 1


async def decline(
    conn: aiosqlite.Connection, proposal_id: int, reason: str, by: int, now: datetime
) -> bool:
    """Mark a pending proposal declined with a reason; False if it was no longer pending."""
    cursor = await conn.execute(
        "UPDATE proposal SET status = 'declined', reason = ?, decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'",
        (reason, by, to_db(now), proposal_id),
    )
    return cursor.rowcount == 1
