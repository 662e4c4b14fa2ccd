"""Who runs what: invitations, facilitator links, organisers' additions, and the audit log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.changes import AuditEntry
from storage.timefmt import from_db, to_db


async def open_invite(conn: aiosqlite.Connection, facilitator: str) -> str | None:
    """Give the unused, unrevoked invitation of a facilitator, if any."""
    async with conn.execute(
        "SELECT token FROM invite WHERE facilitator = ? AND used_by IS NULL AND revoked = 0",
        (facilitator,),
    ) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row else None


async def open_invite_names(conn: aiosqlite.Connection) -> list[str]:
    """List the facilitators who have an unused, unrevoked invitation."""
    async with conn.execute(
        "SELECT DISTINCT facilitator FROM invite WHERE used_by IS NULL AND revoked = 0"
    ) as cursor:
        return [str(row[0]) async for row in cursor]


async def add_invite(
    conn: aiosqlite.Connection, token: str, facilitator: str, by: int, now: datetime
) -> None:
    """Record a new invitation."""
    await conn.execute(
        "INSERT INTO invite (token, facilitator, created_by, created_at) VALUES (?, ?, ?, ?)",
        (token, facilitator, by, to_db(now)),
    )


async def use_invite(
    conn: aiosqlite.Connection, token: str, user_id: int, now: datetime
) -> str | None:
    """Spend an invitation; give the facilitator it names (None: unknown, revoked, or used by
    someone else: the one who used it may use it again, as a replayed /start does)."""
    async with conn.execute(
        "UPDATE invite SET used_by = ?, used_at = coalesce(used_at, ?) "
        "WHERE token = ? AND (used_by IS NULL OR used_by = ?) AND revoked = 0 "
        "RETURNING facilitator",
        (user_id, to_db(now), token, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row else None


async def revoke_invites(conn: aiosqlite.Connection, facilitator: str) -> int:
    """Revoke a facilitator's unused invitations; count them."""
    cursor = await conn.execute(
        "UPDATE invite SET revoked = 1 WHERE facilitator = ? AND used_by IS NULL AND revoked = 0",
        (facilitator,),
    )
    return cursor.rowcount


async def link(conn: aiosqlite.Connection, user_id: int, facilitator: str, now: datetime) -> None:
    """Link a person to a facilitator name of the programme."""
    await conn.execute(
        "INSERT OR IGNORE INTO facilitator_link (user_id, facilitator, linked_at) VALUES (?, ?, ?)",
        (user_id, facilitator, to_db(now)),
    )


async def links(conn: aiosqlite.Connection) -> list[tuple[int, str]]:
    """List every (person, facilitator name) link."""
    async with conn.execute("SELECT user_id, facilitator FROM facilitator_link") as cursor:
        return [(row["user_id"], row["facilitator"]) async for row in cursor]


async def set_item_facilitator(
    conn: aiosqlite.Connection, item_id: str, user_id: int, role: str, by: int, now: datetime
) -> None:
    """Add ('added') or take away ('removed') a person as facilitator of an item."""
    await conn.execute(
        "INSERT INTO item_facilitator (item_id, user_id, role, by_user, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (item_id, user_id) DO UPDATE SET role = excluded.role, "
        "by_user = excluded.by_user, at = excluded.at",
        (item_id, user_id, role, by, to_db(now)),
    )


async def item_facilitators(conn: aiosqlite.Connection) -> list[tuple[str, int, str]]:
    """List the organisers' additions and removals: (item, person, role)."""
    async with conn.execute("SELECT item_id, user_id, role FROM item_facilitator") as cursor:
        return [(row["item_id"], row["user_id"], row["role"]) async for row in cursor]


async def audit(
    conn: aiosqlite.Connection,
    *,
    at: datetime,
    user_id: int,
    item_id: str | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    value: str | None = None,
) -> int:
    """Write one change to the audit log; give its number."""
    cursor = await conn.execute(
        "INSERT INTO audit_log (at, user_id, item_id, action, before, after, value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_db(at),
            user_id,
            item_id,
            action,
            json.dumps(before, ensure_ascii=False) if before is not None else None,
            json.dumps(after, ensure_ascii=False) if after is not None else None,
            value,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """A change to an item as the log keeps it (value: None in logs older than version 8)."""

    item_id: str
    action: str
    value: str | None
    before: dict[str, Any]
    after: dict[str, Any]


async def item_changes(conn: aiosqlite.Connection, actions: Sequence[str]) -> list[LoggedChange]:
    """List the logged changes of some kinds to items, oldest first."""
    marks = ",".join("?" * len(actions))
    async with conn.execute(
        "SELECT item_id, action, value, before, after FROM audit_log "
        f"WHERE item_id IS NOT NULL AND action IN ({marks}) ORDER BY id",
        tuple(actions),
    ) as cursor:
        return [
            LoggedChange(
                row["item_id"],
                row["action"],
                row["value"],
                json.loads(row["before"]) if row["before"] else {},
                json.loads(row["after"]) if row["after"] else {},
            )
            async for row in cursor
        ]


async def audit_log(conn: aiosqlite.Connection, limit: int) -> list[AuditEntry]:
    """Give the newest changes first."""
    async with conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)) as cursor:
        return [
            AuditEntry(
                row["id"],
                from_db(row["at"]),
                row["user_id"],
                row["item_id"],
                row["action"],
                json.loads(row["before"]) if row["before"] else None,
                json.loads(row["after"]) if row["after"] else None,
            )
            async for row in cursor
        ]
