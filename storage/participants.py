"""Participants: the people who sent /start."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.models import Participant
from storage.timefmt import to_db

_COLUMNS = "user_id, first_name, last_name, username, language, organisation"


def _from_row(row: aiosqlite.Row) -> Participant:
    return Participant(
        user_id=row["user_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language=row["language"],
        organisation=row["organisation"],
    )


async def get(conn: aiosqlite.Connection, user_id: int) -> Participant | None:
    """Find one participant."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM participant WHERE user_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return _from_row(row) if row else None


async def upsert(
    conn: aiosqlite.Connection,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language: str,
    now: datetime,
) -> tuple[Participant, bool]:
    """Register a person or refresh their name; keep a language they chose. Tell if new."""
    existing = await get(conn, user_id)
    await conn.execute(
        """
        INSERT INTO participant (user_id, first_name, last_name, username, language, registered_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            first_name = excluded.first_name,
            last_name = excluded.last_name,
            username = excluded.username,
            unreachable = 0,
            language = CASE WHEN participant.language_chosen
                            THEN participant.language ELSE excluded.language END
        """,
        (user_id, first_name, last_name, username, language, to_db(now)),
    )
    participant = await get(conn, user_id)
    assert participant is not None
    return participant, existing is None


async def set_language(conn: aiosqlite.Connection, user_id: int, language: str) -> None:
    """Record the language a person chose."""
    await conn.execute(
        "UPDATE participant SET language = ?, language_chosen = 1 WHERE user_id = ?",
        (language, user_id),
    )


async def set_organisation(
    conn: aiosqlite.Connection, user_id: int, organisation: str | None
) -> None:
    """Record a person's organisation (None: they skipped)."""
    await conn.execute(
        "UPDATE participant SET organisation = ? WHERE user_id = ?", (organisation, user_id)
    )


async def count(conn: aiosqlite.Connection) -> int:
    """Count registered people."""
    async with conn.execute("SELECT count(*) FROM participant") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def set_unreachable(conn: aiosqlite.Connection, user_id: int, value: bool = True) -> None:
    """Mark a person the bot cannot write to (blocked, or never started it)."""
    await conn.execute(
        "UPDATE participant SET unreachable = ? WHERE user_id = ?", (int(value), user_id)
    )


async def with_usernames(conn: aiosqlite.Connection) -> list[tuple[int, str]]:
    """List the registered people who have a Telegram username."""
    async with conn.execute(
        "SELECT user_id, username FROM participant WHERE username IS NOT NULL ORDER BY user_id"
    ) as cursor:
        return [(row["user_id"], row["username"]) async for row in cursor]
