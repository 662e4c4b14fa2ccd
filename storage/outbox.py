"""The outbox: messages to send, each once, with their fate."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.messages import kind_of, parse
from storage.timefmt import from_db, to_db

UNCERTAIN_AT_STOP = "the bot stopped while it was being sent"


@dataclass(frozen=True, slots=True)
class Row:
    """One outbox message."""

    id: int
    key: str
    kind: str
    chat_id: int
    params: dict[str, Any]
    due_at: datetime
    expires_at: datetime | None
    urgent: bool
    batch: str | None
    status: str
    attempts: int
    message_id: int | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A message to put in the outbox."""

    key: str
    kind: str
    chat_id: int
    due_at: datetime
    params: dict[str, Any]
    expires_at: datetime | None = None
    urgent: bool = False
    batch: str | None = None


def _row(row: aiosqlite.Row) -> Row:
    return Row(
        id=row["id"],
        key=row["key"],
        kind=row["kind"],
        chat_id=row["chat_id"],
        params=json.loads(row["params"]),
        due_at=from_db(row["due_at"]),
        expires_at=from_db(row["expires_at"]) if row["expires_at"] else None,
        urgent=bool(row["urgent"]),
        batch=row["batch"],
        status=row["status"],
        attempts=row["attempts"],
        message_id=row["message_id"],
        sent_at=from_db(row["sent_at"]) if row["sent_at"] else None,
    )


def _values(e: Entry, now: datetime) -> tuple[object, ...]:
    # A kind the bot does not know, or parameters that do not fit its kind's model, are refused
    # here, never queued: every queuing path (add, plan) goes through this.
    parse(e.kind, e.params)
    return (
        e.key,
        kind_of(e.kind).value,
        e.chat_id,
        json.dumps(e.params, ensure_ascii=False, sort_keys=True),
        to_db(e.due_at),
        to_db(e.expires_at) if e.expires_at else None,
        int(e.urgent),
        e.batch,
        to_db(now),
    )


_INSERT = """
    INSERT INTO outbox (key, kind, chat_id, params, due_at, expires_at, urgent, batch, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


async def add(conn: aiosqlite.Connection, entries: Iterable[Entry], now: datetime) -> int:
    """Queue messages; a key already queued (whatever its fate) is left alone. Count the new."""
    added = 0
    for entry in entries:
        cursor = await conn.execute(
            _INSERT.replace("INSERT", "INSERT OR IGNORE", 1), _values(entry, now)
        )
        added += cursor.rowcount
    return added


async def plan(conn: aiosqlite.Connection, entries: Iterable[Entry], now: datetime) -> None:
    """Queue planned messages, or update those not sent yet (a cancelled one comes back)."""
    await conn.executemany(
        _INSERT
        + """
        ON CONFLICT (key) DO UPDATE SET
            chat_id = excluded.chat_id, params = excluded.params, due_at = excluded.due_at,
            expires_at = excluded.expires_at, urgent = excluded.urgent, status = 'pending'
        WHERE outbox.status IN ('pending', 'cancelled')
        """,
        [_values(e, now) for e in entries],
    )


async def pending_keys(
    conn: aiosqlite.Connection, kinds: Sequence[str], chat_ids: Sequence[int] | None = None
) -> set[str]:
    """List the keys of unsent messages of some kinds (and chats)."""
    marks = ",".join("?" * len(kinds))
    sql = f"SELECT key FROM outbox WHERE status = 'pending' AND kind IN ({marks})"
    if chat_ids is not None:
        sql += f" AND chat_id IN ({','.join('?' * len(chat_ids))})"
    async with conn.execute(sql, (*kinds, *(chat_ids or ()))) as cursor:
        return {row["key"] async for row in cursor}


async def chats(
    conn: aiosqlite.Connection, kinds: Sequence[str], statuses: Sequence[str]
) -> set[int]:
    """List the chats that have messages of some kinds in some statuses."""
    async with conn.execute(
        f"SELECT DISTINCT chat_id FROM outbox WHERE kind IN ({','.join('?' * len(kinds))}) "
        f"AND status IN ({','.join('?' * len(statuses))})",
        (*kinds, *statuses),
    ) as cursor:
        return {row["chat_id"] async for row in cursor}


async def drop_expired(conn: aiosqlite.Connection, now: datetime) -> list[str]:
    """Drop the messages due and no longer useful; give their keys.

    Only those due: the range of the outbox_due index that the outbox reads anyway (a scan of
    every pending message, a week's for thousands of people, took each re-plan ms on end). One
    that expires before it is due is dropped by the outbox when due (Outbox._deliver).
    """
    async with conn.execute(
        "UPDATE outbox SET status = 'dropped', last_error = 'stale' "
        "WHERE status = 'pending' AND due_at <= ? AND expires_at IS NOT NULL "
        "AND expires_at <= ? RETURNING key",
        (to_db(now), to_db(now)),
    ) as cursor:
        return [row["key"] async for row in cursor]


async def cancel(conn: aiosqlite.Connection, keys: Iterable[str]) -> None:
    """Cancel unsent messages."""
    await conn.executemany(
        "UPDATE outbox SET status = 'cancelled' WHERE key = ? AND status = 'pending'",
        [(k,) for k in keys],
    )


async def due(
    conn: aiosqlite.Connection, now: datetime, limit: int, *, to_groups: bool
) -> list[Row]:
    """List messages due now to groups (or to people), urgent first, then oldest.

    Each kind has a partial index in this order (migration 9), and each query is a range of it:
    `limit` rows are read, however long the queue (a broadcast to thousands, a week planned).
    """
    index = "outbox_due_groups" if to_groups else "outbox_due_people"
    chats = "chat_id < 0" if to_groups else "chat_id > 0"
    found: list[Row] = []
    for urgent in (1, 0):
        if len(found) >= limit:
            break
        async with conn.execute(
            f"SELECT * FROM outbox INDEXED BY {index} "
            f"WHERE status = 'pending' AND {chats} AND urgent = ? AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?",
            (urgent, to_db(now), limit - len(found)),
        ) as cursor:
            found += [_row(row) async for row in cursor]
    return found


async def next_due(conn: aiosqlite.Connection) -> datetime | None:
    """Give when the next pending message is due."""
    async with conn.execute("SELECT min(due_at) FROM outbox WHERE status = 'pending'") as cursor:
        row = await cursor.fetchone()
    return from_db(row[0]) if row and row[0] else None


async def set_status(
    conn: aiosqlite.Connection,
    row_id: int,
    status: str,
    *,
    now: datetime,
    error: str | None = None,
    message_id: int | None = None,
    due_at: datetime | None = None,
) -> None:
    """Record what became of a message."""
    await conn.execute(
        """
        UPDATE outbox SET status = ?, last_error = coalesce(?, last_error),
            message_id = coalesce(?, message_id),
            sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
            due_at = coalesce(?, due_at),
            attempts = attempts + CASE WHEN ? = 'sending' THEN 1 ELSE 0 END
        WHERE id = ?
        """,
        (
            status,
            error,
            message_id,
            status,
            to_db(now),
            to_db(due_at) if due_at else None,
            status,
            row_id,
        ),
    )


async def claim(conn: aiosqlite.Connection, row_id: int) -> bool:
    """Take a pending message for sending; false if someone else already took it."""
    cursor = await conn.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1 "
        "WHERE id = ? AND status = 'pending'",
        (row_id,),
    )
    return cursor.rowcount == 1


async def recover_in_flight(
    conn: aiosqlite.Connection, left: Collection[tuple[int, int]]
) -> tuple[int, list[str]]:
    """Settle the messages being sent when the bot stopped.

    left holds the (id, attempt) whose request had been allowed to leave: those become
    `uncertain`; the others go back to `pending`. Give how many went back, and the keys of the
    uncertain.
    """
    async with conn.execute("SELECT id, key, attempts FROM outbox WHERE status = 'sending'") as c:
        rows = [(row["id"], row["key"], row["attempts"]) async for row in c]
    unsure = [(row_id, key) for row_id, key, attempts in rows if (row_id, attempts) in left]
    await conn.executemany(
        "UPDATE outbox SET status = 'uncertain', last_error = ? WHERE id = ?",
        [(UNCERTAIN_AT_STOP, row_id) for row_id, _ in unsure],
    )
    cursor = await conn.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
    return cursor.rowcount, [key for _, key in unsure]


async def rows(
    conn: aiosqlite.Connection,
    *,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    batch: str | None = None,
    chat_ids: Sequence[int] | None = None,
) -> list[Row]:
    """List outbox messages by kind, status, batch or chat, in queue order."""
    clauses: list[str] = []
    args: list[object] = []
    if chat_ids is not None:
        clauses.append(f"chat_id IN ({','.join('?' * len(chat_ids))})")
        args.extend(chat_ids)
    if kinds:
        clauses.append(f"kind IN ({','.join('?' * len(kinds))})")
        args.extend(kinds)
    if statuses:
        clauses.append(f"status IN ({','.join('?' * len(statuses))})")
        args.extend(statuses)
    if batch is not None:
        clauses.append("batch = ?")
        args.append(batch)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    async with conn.execute(f"SELECT * FROM outbox {where} ORDER BY due_at, id", args) as cursor:
        return [_row(row) async for row in cursor]


async def batch_counts(conn: aiosqlite.Connection, batch: str) -> dict[str, int]:
    """Count a batch's messages by status."""
    async with conn.execute(
        "SELECT status, count(*) AS n FROM outbox WHERE batch = ? GROUP BY status", (batch,)
    ) as cursor:
        return {row["status"]: row["n"] async for row in cursor}


async def board_message(conn: aiosqlite.Connection, chat_id: int) -> int | None:
    """Give the live board's message in a group."""
    async with conn.execute("SELECT message_id FROM board WHERE chat_id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None


async def set_board_message(conn: aiosqlite.Connection, chat_id: int, message_id: int) -> None:
    """Remember the live board's message."""
    await conn.execute(
        "INSERT INTO board (chat_id, message_id) VALUES (?, ?) "
        "ON CONFLICT (chat_id) DO UPDATE SET message_id = excluded.message_id",
        (chat_id, message_id),
    )


async def retarget_sent_reminders(
    conn: aiosqlite.Connection, target_id: str, start: str, room: str | None
) -> None:
    """Record that people told of a change know the new time and room (no correction needed)."""
    await _note_on_sent_reminders(conn, target_id, {"start": start, "room": room})


async def cancelled_sent_reminders(conn: aiosqlite.Connection, target_id: str) -> None:
    """Record that people told of a cancellation know it (no correction needed)."""
    await _note_on_sent_reminders(conn, target_id, {"cancelled": True})


async def _note_on_sent_reminders(
    conn: aiosqlite.Connection, target_id: str, note: dict[str, Any]
) -> None:
    # The item's reminders only, picked by SQLite: a week's sent reminders are thousands
    rows = await conn.execute_fetchall(
        "SELECT id, params FROM outbox WHERE kind = 'reminder' AND status = 'sent' "
        "AND json_extract(params, '$.target_kind') = 'workshop' "
        "AND json_extract(params, '$.target_id') = ?",
        (target_id,),
    )
    updates = []
    for row in rows:
        params = json.loads(row["params"])
        params.update(note)
        updates.append((json.dumps(params, ensure_ascii=False, sort_keys=True), row["id"]))
    await conn.executemany("UPDATE outbox SET params = ? WHERE id = ?", updates)


async def settle_at_stop(
    conn: aiosqlite.Connection, held: Collection[int], cut: Collection[int]
) -> None:
    """Settle what a clean stop found being sent.

    held: taken but their request never left: back to `pending`, the attempt not counted. cut:
    their request left and no answer came before the stop: `uncertain`, as after a kill. A
    message whose fate was recorded meanwhile (no longer `sending`) is left alone.
    """
    await conn.executemany(
        "UPDATE outbox SET status = 'pending', attempts = max(attempts - 1, 0) "
        "WHERE id = ? AND status = 'sending'",
        [(row_id,) for row_id in held],
    )
    await conn.executemany(
        "UPDATE outbox SET status = 'uncertain', last_error = ? "
        "WHERE id = ? AND status = 'sending'",
        [(UNCERTAIN_AT_STOP, row_id) for row_id in cut],
    )
