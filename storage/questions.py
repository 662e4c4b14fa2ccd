"""Questions to the organisers and the copies relayed to them (SQL for /ask lives here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.timefmt import from_db, to_db


@dataclass(frozen=True, slots=True)
class Question:
    """A person's question, who asked it, and its answer once an organiser gave one."""

    id: int
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    text: str
    asked_at: datetime
    answer: str | None = None
    answered_by: int | None = None
    answered_by_name: str | None = None
    answered_at: datetime | None = None

    @property
    def answered(self) -> bool:
        """Tell whether an organiser answered it."""
        return self.answered_by is not None


@dataclass(frozen=True, slots=True)
class Relay:
    """A copy of a question sent to an organiser (or their chat); its message once sent."""

    question_id: int
    chat_id: int
    message_id: int | None


def _question(row: aiosqlite.Row) -> Question:
    return Question(
        id=row["id"],
        user_id=row["user_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        text=row["text"],
        asked_at=from_db(row["asked_at"]),
        answer=row["answer"],
        answered_by=row["answered_by"],
        answered_by_name=row["answered_by_name"],
        answered_at=from_db(row["answered_at"]) if row["answered_at"] else None,
    )


async def add(
    conn: aiosqlite.Connection,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    text: str,
    request: str,
    now: datetime,
) -> int | None:
    """Store a question; give its id, or None if this request was stored already."""
    async with conn.execute(
        "INSERT OR IGNORE INTO question "
        "(user_id, first_name, last_name, username, text, request, asked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (user_id, first_name, last_name, username, text, request, to_db(now)),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None


async def by_request(conn: aiosqlite.Connection, request: str) -> Question | None:
    """Find the question a request stored."""
    async with conn.execute("SELECT * FROM question WHERE request = ?", (request,)) as cursor:
        row = await cursor.fetchone()
    return _question(row) if row else None


async def get(conn: aiosqlite.Connection, question_id: int) -> Question | None:
    """Find one question."""
    async with conn.execute("SELECT * FROM question WHERE id = ?", (question_id,)) as cursor:
        row = await cursor.fetchone()
    return _question(row) if row else None


async def asked_since(conn: aiosqlite.Connection, user_id: int, since: datetime) -> list[datetime]:
    """List when a person asked their questions since an instant, oldest first."""
    async with conn.execute(
        "SELECT asked_at FROM question WHERE user_id = ? AND asked_at > ? ORDER BY asked_at",
        (user_id, to_db(since)),
    ) as cursor:
        return [from_db(row[0]) async for row in cursor]


async def add_relays(
    conn: aiosqlite.Connection, question_id: int, keys: Iterable[tuple[int, str]]
) -> None:
    """Record the copies of a question queued for these chats (chat, outbox key)."""
    await conn.executemany(
        "INSERT OR IGNORE INTO question_relay (question_id, chat_id, outbox_key) VALUES (?, ?, ?)",
        [(question_id, chat, key) for chat, key in keys],
    )


async def answer(
    conn: aiosqlite.Connection,
    question_id: int,
    *,
    by_user: int,
    by_name: str,
    text: str,
    now: datetime,
) -> bool:
    """Record the answer; false if the question was answered already (or does not exist)."""
    cursor = await conn.execute(
        "UPDATE question SET answer = ?, answered_by = ?, answered_by_name = ?, answered_at = ? "
        "WHERE id = ? AND answered_by IS NULL",
        (text, by_user, by_name, to_db(now), question_id),
    )
    return cursor.rowcount == 1


async def relays(conn: aiosqlite.Connection, question_id: int) -> list[Relay]:
    """List a question's copies, with their message once the outbox sent them."""
    async with conn.execute(
        "SELECT r.question_id, r.chat_id, o.message_id FROM question_relay r "
        "LEFT JOIN outbox o ON o.key = r.outbox_key AND o.status = 'sent' "
        "WHERE r.question_id = ? ORDER BY r.chat_id",
        (question_id,),
    ) as cursor:
        return [Relay(row[0], row[1], row[2]) async for row in cursor]


async def relayed_as(conn: aiosqlite.Connection, chat_id: int, message_id: int) -> int | None:
    """Give the question a message of the bot's relays, if it is one."""
    async with conn.execute(
        "SELECT r.question_id FROM question_relay r JOIN outbox o ON o.key = r.outbox_key "
        "WHERE r.chat_id = ? AND o.chat_id = ? AND o.message_id = ?",
        (chat_id, chat_id, message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None
