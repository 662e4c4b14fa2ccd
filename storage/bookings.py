"""Bookings (sign-ups, waiting lists, rota slots) and rota offers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.domain.booking import Booking, Offer, Standing, Status, Target, TargetKind
from storage.timefmt import from_db, to_db

HOLDER = "coalesce(-child_id, user_id)"
"""Whom a booking row counts for: an adult's user id, or a child's (negative) id, as in
bot/domain/children.py."""


async def standing(conn: aiosqlite.Connection, target: Target) -> Standing:
    """Read who is in and who waits (in arrival order) for one target."""
    async with conn.execute(
        f"SELECT {HOLDER} AS holder, status FROM booking WHERE kind = ? AND target_id = ? "
        "ORDER BY seq",
        (target.kind.value, target.id),
    ) as cursor:
        rows = await cursor.fetchall()
    ins = tuple(row["holder"] for row in rows if row["status"] == Status.IN)
    waiting = tuple(row["holder"] for row in rows if row["status"] == Status.WAITING)
    return Standing(target, ins, waiting)


CHUNK = 500
"""Targets read by one statement, at most (SQLite's limit on a statement's parameters is far)."""


def one_statement(targets: Sequence[Target]) -> bool:
    """Say whether `standings` and `standings_and_starred` read these targets in one statement."""
    return len({t.id for t in targets}) <= CHUNK and all(
        t.kind is TargetKind.WORKSHOP for t in targets
    )


async def standings(
    conn: aiosqlite.Connection, targets: Sequence[Target]
) -> dict[tuple[TargetKind, str], Standing]:
    """Read the standing of several targets at once (only their rows are read)."""
    found: dict[tuple[TargetKind, str], tuple[list[int], list[int]]] = {
        (t.kind, t.id): ([], []) for t in targets
    }
    for kind in {t.kind for t in targets}:
        ids = sorted({t.id for t in targets if t.kind is kind})
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            # All rows in one trip to the database's thread (iterating a cursor takes one
            # trip per 64 rows, and one more to close it)
            for row in await conn.execute_fetchall(
                f"SELECT target_id, {HOLDER} AS holder, status FROM booking "
                f"WHERE kind = ? AND target_id IN ({marks}) ORDER BY seq",
                (kind.value, *chunk),
            ):
                pair = found[(kind, row["target_id"])]
                pair[0 if row["status"] == Status.IN else 1].append(row["holder"])
    return {
        key: Standing(t, tuple(found[key][0]), tuple(found[key][1]))
        for t in targets
        for key in [(t.kind, t.id)]
    }


async def standings_and_starred(
    conn: aiosqlite.Connection, targets: Sequence[Target], user_id: int
) -> tuple[dict[tuple[TargetKind, str], Standing], set[str]]:
    """Read the standing of a list's targets and the items a person starred, at once.

    One statement, so one trip to the database's thread (a list is read for every question
    about the programme); more than CHUNK targets, or others than workshops, are read as
    `standings` reads them, with one statement more.
    """
    if not one_statement(targets):
        starred = await conn.execute_fetchall(
            "SELECT item_id FROM favourite WHERE user_id = ?", (user_id,)
        )
        return await standings(conn, targets), {row[0] for row in starred}
    ids = sorted({t.id for t in targets})
    rows = await conn.execute_fetchall(
        f"SELECT 0 AS part, seq, target_id, {HOLDER} AS holder, status FROM booking "
        f"WHERE kind = ? AND target_id IN ({','.join('?' * len(ids))}) "
        "UNION ALL SELECT 1, 0, item_id, NULL, NULL FROM favourite WHERE user_id = ? "
        "ORDER BY part, seq",
        [TargetKind.WORKSHOP.value, *ids, user_id],
    )
    found: dict[str, tuple[list[int], list[int]]] = {t.id: ([], []) for t in targets}
    starred_ids: set[str] = set()
    for row in rows:
        if row["part"]:
            starred_ids.add(row["target_id"])
        else:
            found[row["target_id"]][0 if row["status"] == Status.IN else 1].append(row["holder"])
    return {
        (t.kind, t.id): Standing(t, tuple(found[t.id][0]), tuple(found[t.id][1])) for t in targets
    }, starred_ids


async def counts_in(conn: aiosqlite.Connection, kind: TargetKind) -> dict[str, int]:
    """Count the people in, per target of one kind."""
    async with conn.execute(
        "SELECT target_id, count(*) AS n FROM booking WHERE kind = ? AND status = 'in' "
        "GROUP BY target_id",
        (kind.value,),
    ) as cursor:
        return {row["target_id"]: row["n"] async for row in cursor}


async def add(
    conn: aiosqlite.Connection, target: Target, user_id: int, status: Status, now: datetime
) -> None:
    """Record a place or a place in the queue (the queue order is the insertion order)."""
    await conn.execute(
        "INSERT INTO booking (kind, target_id, user_id, status, created_at) VALUES (?, ?, ?, ?, ?)",
        (target.kind.value, target.id, user_id, status.value, to_db(now)),
    )


async def remove(
    conn: aiosqlite.Connection, kind: TargetKind, target_id: str, user_id: int
) -> None:
    """Forget a person's (or, given a child's negative id, a child's) booking for one target."""
    await conn.execute(
        f"DELETE FROM booking WHERE kind = ? AND target_id = ? AND {HOLDER} = ?",
        (kind.value, target_id, user_id),
    )


async def promote(conn: aiosqlite.Connection, target: Target, user_ids: Iterable[int]) -> None:
    """Move people (or children, by their negative ids) from the waiting list into places."""
    await conn.executemany(
        f"UPDATE booking SET status = 'in' WHERE kind = ? AND target_id = ? AND {HOLDER} = ?",
        [(target.kind.value, target.id, user_id) for user_id in user_ids],
    )


async def demote(conn: aiosqlite.Connection, target: Target, user_ids: Sequence[int]) -> None:
    """Move people from their places to the head of the waiting list, keeping their order."""
    if not user_ids:
        return
    async with conn.execute(
        f"SELECT {HOLDER} AS holder, user_id, child_id, created_at FROM booking "
        "WHERE kind = ? AND target_id = ? AND status = 'waiting' ORDER BY seq",
        (target.kind.value, target.id),
    ) as cursor:
        queued = [
            (row["holder"], row["user_id"], row["child_id"], row["created_at"])
            async for row in cursor
        ]
    await conn.executemany(
        f"UPDATE booking SET status = 'waiting' WHERE kind = ? AND target_id = ? AND {HOLDER} = ?",
        [(target.kind.value, target.id, user_id) for user_id in user_ids],
    )
    # The queue is the order of `seq`: those already waiting join again behind the demoted
    await remove_many(conn, target, [holder for holder, _, _, _ in queued])
    await conn.executemany(
        "INSERT INTO booking (kind, target_id, user_id, child_id, status, created_at) "
        "VALUES (?, ?, ?, ?, 'waiting', ?)",
        [
            (target.kind.value, target.id, user_id, child_id, created)
            for _, user_id, child_id, created in queued
        ],
    )


async def remove_many(conn: aiosqlite.Connection, target: Target, user_ids: Sequence[int]) -> None:
    """Forget several people's (or children's, by their negative ids) bookings for one target."""
    await conn.executemany(
        f"DELETE FROM booking WHERE kind = ? AND target_id = ? AND {HOLDER} = ?",
        [(target.kind.value, target.id, user_id) for user_id in user_ids],
    )


async def transfer(
    conn: aiosqlite.Connection, kind: TargetKind, target_id: str, from_user: int, to_user: int
) -> None:
    """Give one person's place to another, keeping its place in the order."""
    await conn.execute(
        "UPDATE booking SET user_id = ? "
        "WHERE kind = ? AND target_id = ? AND user_id = ? AND child_id IS NULL",
        (to_user, kind.value, target_id, from_user),
    )


def _booking(row: aiosqlite.Row) -> Booking:
    return Booking(
        TargetKind(row["kind"]),
        row["target_id"],
        row["user_id"],
        Status(row["status"]),
        row["seq"],
        row["child_id"],
        row["child"],
    )


_BOOKING_COLUMNS = (
    "b.kind, b.target_id, b.user_id, b.status, b.seq, b.child_id, c.first_name AS child "
    "FROM booking AS b LEFT JOIN child AS c ON c.id = b.child_id"
)


async def of_user(
    conn: aiosqlite.Connection, user_id: int, *, children: bool = False
) -> list[Booking]:
    """List a person's own bookings (with `children`, their children's too), oldest first."""
    only_own = "" if children else " AND b.child_id IS NULL"
    async with conn.execute(
        f"SELECT {_BOOKING_COLUMNS} WHERE b.user_id = ?{only_own} ORDER BY b.seq",
        (user_id,),
    ) as cursor:
        return [_booking(row) async for row in cursor]


async def of_users(conn: aiosqlite.Connection, user_ids: Sequence[int]) -> list[Booking]:
    """List some people's bookings, their children's included, person by person, oldest first."""
    marks = ",".join("?" * len(user_ids))
    async with conn.execute(
        f"SELECT {_BOOKING_COLUMNS} WHERE b.user_id IN ({marks}) ORDER BY b.user_id, b.seq",
        tuple(user_ids),
    ) as cursor:
        return [_booking(row) async for row in cursor]


async def everything(conn: aiosqlite.Connection) -> list[Booking]:
    """List every booking, children's included (for reminders, checks and reports)."""
    async with conn.execute(f"SELECT {_BOOKING_COLUMNS} ORDER BY b.seq") as cursor:
        return [_booking(row) async for row in cursor]


async def rota_slots_per_person(
    conn: aiosqlite.Connection,
) -> list[tuple[int, str | None, int]]:
    """Give, for every registered person, their organisation and how many rota slots they hold."""
    async with conn.execute(
        """
        SELECT p.user_id, p.organisation, count(b.seq) AS n
        FROM participant AS p
        LEFT JOIN booking AS b ON b.user_id = p.user_id AND b.kind = 'rota' AND b.status = 'in'
        GROUP BY p.user_id ORDER BY p.user_id
        """
    ) as cursor:
        return [(row["user_id"], row["organisation"], row["n"]) async for row in cursor]


def _offer(row: aiosqlite.Row) -> Offer:
    return Offer(
        row["id"],
        row["slot_id"],
        row["user_id"],
        row["status"],
        from_db(row["created_at"]),
        row["taken_by"],
        row["chat_id"],
        row["message_id"],
    )


async def open_offer(
    conn: aiosqlite.Connection, slot_id: str, user_id: int, now: datetime
) -> Offer:
    """Record that a person offers their rota slot (or give the offer already open)."""
    async with conn.execute(
        "SELECT * FROM rota_offer WHERE slot_id = ? AND user_id = ? AND status = 'open'",
        (slot_id, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        async with conn.execute(
            "INSERT INTO rota_offer (slot_id, user_id, status, created_at) "
            "VALUES (?, ?, 'open', ?) RETURNING *",
            (slot_id, user_id, to_db(now)),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return _offer(row)


async def offer(conn: aiosqlite.Connection, offer_id: int) -> Offer | None:
    """Find one offer."""
    async with conn.execute("SELECT * FROM rota_offer WHERE id = ?", (offer_id,)) as cursor:
        row = await cursor.fetchone()
    return _offer(row) if row else None


async def set_offer_message(
    conn: aiosqlite.Connection, offer_id: int, chat_id: int, message_id: int
) -> None:
    """Remember where an offer was posted, to mark it taken there."""
    await conn.execute(
        "UPDATE rota_offer SET chat_id = ?, message_id = ? WHERE id = ?",
        (chat_id, message_id, offer_id),
    )


async def close_offer(
    conn: aiosqlite.Connection, offer_id: int, status: str, taken_by: int | None, now: datetime
) -> None:
    """Mark an offer taken or withdrawn."""
    await conn.execute(
        "UPDATE rota_offer SET status = ?, taken_by = ?, taken_at = ? WHERE id = ?",
        (status, taken_by, to_db(now), offer_id),
    )


async def withdraw_offers(
    conn: aiosqlite.Connection, slot_id: str, user_id: int, now: datetime
) -> None:
    """Withdraw a person's open offers for a slot (they cancelled or kept it)."""
    await conn.execute(
        "UPDATE rota_offer SET status = 'withdrawn', taken_at = ? "
        "WHERE slot_id = ? AND user_id = ? AND status = 'open'",
        (to_db(now), slot_id, user_id),
    )


async def open_offers(conn: aiosqlite.Connection) -> list[Offer]:
    """List the offers nobody took yet."""
    async with conn.execute("SELECT * FROM rota_offer WHERE status = 'open' ORDER BY id") as cursor:
        return [_offer(row) async for row in cursor]


async def drop_orphans(conn: aiosqlite.Connection) -> int:
    """Delete bookings of items or rota slots that are gone from the programme; count them."""
    cursor = await conn.execute(
        """
        DELETE FROM booking WHERE
            (kind = 'workshop'
             AND target_id NOT IN (SELECT id FROM workshop WHERE capacity IS NOT NULL))
            OR (kind = 'rota' AND target_id NOT IN (SELECT id FROM rota_slot))
        """
    )
    await conn.execute(
        "UPDATE rota_offer SET status = 'withdrawn' "
        "WHERE status = 'open' AND slot_id NOT IN (SELECT id FROM rota_slot)"
    )
    return cursor.rowcount
