"""Each person's choices: the morning digest, reminders and the feedback question on or off."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.domain.planning import PersonSettings


async def get(conn: aiosqlite.Connection, user_id: int) -> PersonSettings:
    """Give a person's settings (both on unless they turned them off)."""
    async with conn.execute(
        "SELECT digest, reminders, feedback FROM person_settings WHERE user_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return PersonSettings(user_id)
    return PersonSettings(
        user_id, bool(row["digest"]), bool(row["reminders"]), bool(row["feedback"])
    )


async def put(conn: aiosqlite.Connection, settings: PersonSettings) -> None:
    """Store a person's settings."""
    await conn.execute(
        "INSERT INTO person_settings (user_id, digest, reminders, feedback) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, "
        "reminders = excluded.reminders, feedback = excluded.feedback",
        (
            settings.user_id,
            int(settings.digest),
            int(settings.reminders),
            int(settings.feedback),
        ),
    )


async def everyone(
    conn: aiosqlite.Connection, user_ids: Sequence[int] | None = None
) -> list[PersonSettings]:
    """Give the settings of every registered person who can be reached (or of `user_ids`)."""
    among = f"AND p.user_id IN ({','.join('?' * len(user_ids))})" if user_ids is not None else ""
    async with conn.execute(
        f"""
        SELECT p.user_id, coalesce(s.digest, 1) AS digest, coalesce(s.reminders, 1) AS reminders,
               coalesce(s.feedback, 1) AS feedback
        FROM participant AS p LEFT JOIN person_settings AS s ON s.user_id = p.user_id
        WHERE p.unreachable = 0 {among} ORDER BY p.user_id
        """,
        tuple(user_ids or ()),
    ) as cursor:
        return [
            PersonSettings(
                row["user_id"], bool(row["digest"]), bool(row["reminders"]), bool(row["feedback"])
            )
            async for row in cursor
        ]
