"""The programme as stored: workshops, rooms, rota slots."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.domain.models import (
    Cancelled,
    Facilitator,
    Kind,
    Programme,
    Room,
    RotaSlot,
    Workshop,
)
from storage.timefmt import from_db, to_db

_WORKSHOP_COLUMNS = (
    "id, title, description, kind, starts_at, ends_at, room, capacity, language, tags, "
    "facilitators, min_age, max_age"
)
_WORKSHOP_MARKS = ", ".join("?" * (_WORKSHOP_COLUMNS.count(",") + 1))
"""One placeholder per column of `workshop`."""


def _workshop_from_row(row: aiosqlite.Row) -> Workshop:
    return Workshop(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        kind=Kind(row["kind"]),
        start=from_db(row["starts_at"]),
        end=from_db(row["ends_at"]),
        room=row["room"],
        capacity=row["capacity"],
        language=row["language"],
        tags=tuple(json.loads(row["tags"])),
        facilitators=tuple(Facilitator(name, tg) for name, tg in json.loads(row["facilitators"])),
        min_age=row["min_age"],
        max_age=row["max_age"],
    )


def _workshop_values(w: Workshop) -> tuple[object, ...]:
    return (
        w.id,
        w.title,
        w.description,
        w.kind.value,
        to_db(w.start),
        to_db(w.end),
        w.room,
        w.capacity,
        w.language,
        json.dumps(list(w.tags), ensure_ascii=False),
        json.dumps([[f.name, f.telegram] for f in w.facilitators], ensure_ascii=False),
        w.min_age,
        w.max_age,
    )


def _rota_from_row(row: aiosqlite.Row) -> RotaSlot:
    return RotaSlot(
        id=row["id"],
        area=row["area"],
        start=from_db(row["starts_at"]),
        end=from_db(row["ends_at"]),
        places=row["places"],
        description=row["description"],
    )


async def load(conn: aiosqlite.Connection) -> Programme:
    """Read the whole programme, items in time order."""
    async with conn.execute(
        f"SELECT {_WORKSHOP_COLUMNS} FROM workshop ORDER BY starts_at, ends_at, title, id"
    ) as cursor:
        workshops = tuple(_workshop_from_row(row) for row in await cursor.fetchall())
    async with conn.execute("SELECT name, description FROM room ORDER BY name") as cursor:
        rooms = tuple(Room(row["name"], row["description"]) for row in await cursor.fetchall())
    async with conn.execute(
        "SELECT id, area, starts_at, ends_at, places, description FROM rota_slot "
        "ORDER BY starts_at, area, id"
    ) as cursor:
        rota = tuple(_rota_from_row(row) for row in await cursor.fetchall())
    async with conn.execute("SELECT value FROM programme_meta WHERE key = 'name'") as cursor:
        row = await cursor.fetchone()
    return Programme(workshops, rooms, rota, name=row["value"] if row else None)


async def is_empty(conn: aiosqlite.Connection) -> bool:
    """Tell whether no programme was ever imported."""
    async with conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM workshop) AND NOT EXISTS (SELECT 1 FROM rota_slot)"
    ) as cursor:
        row = await cursor.fetchone()
    return bool(row[0]) if row else True


async def _delete_missing(
    conn: aiosqlite.Connection, table: str, keep: Iterable[str], column: str = "id"
) -> None:
    keep = list(keep)
    await conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep_ids (id TEXT PRIMARY KEY)")
    await conn.execute("DELETE FROM keep_ids")
    await conn.executemany("INSERT OR IGNORE INTO keep_ids (id) VALUES (?)", [(k,) for k in keep])
    await conn.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT id FROM keep_ids)")
    await conn.execute("DELETE FROM keep_ids")


async def replace(conn: aiosqlite.Connection, programme: Programme) -> None:
    """Make the stored programme equal to `programme`, keeping rows whose id stays."""
    await conn.executemany(
        f"""
        INSERT INTO workshop ({_WORKSHOP_COLUMNS}) VALUES ({_WORKSHOP_MARKS})
        ON CONFLICT (id) DO UPDATE SET
            title = excluded.title, description = excluded.description, kind = excluded.kind,
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, room = excluded.room,
            capacity = excluded.capacity, language = excluded.language, tags = excluded.tags,
            facilitators = excluded.facilitators, min_age = excluded.min_age,
            max_age = excluded.max_age
        """,
        [_workshop_values(w) for w in programme.workshops],
    )
    await _delete_missing(conn, "workshop", (w.id for w in programme.workshops))
    await conn.executemany(
        """
        INSERT INTO rota_slot (id, area, starts_at, ends_at, places, description)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            area = excluded.area, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
            places = excluded.places, description = excluded.description
        """,
        [
            (r.id, r.area, to_db(r.start), to_db(r.end), r.places, r.description)
            for r in programme.rota
        ],
    )
    await _delete_missing(conn, "rota_slot", (r.id for r in programme.rota))
    await conn.executemany(
        """
        INSERT INTO room (name, description) VALUES (?, ?)
        ON CONFLICT (name) DO UPDATE SET description = excluded.description
        """,
        [(r.name, r.description) for r in programme.rooms],
    )
    await _delete_missing(conn, "room", (r.name for r in programme.rooms), column="name")
    if programme.name:
        await conn.execute(
            "INSERT INTO programme_meta (key, value) VALUES ('name', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (programme.name,),
        )


async def update_workshop(conn: aiosqlite.Connection, item: Workshop) -> None:
    """Store a changed item (same id)."""
    await conn.execute(
        f"UPDATE workshop SET ({_WORKSHOP_COLUMNS}) = ({_WORKSHOP_MARKS}) WHERE id = ?",
        (*_workshop_values(item), item.id),
    )


async def delete_workshop(conn: aiosqlite.Connection, item_id: str) -> None:
    """Take an item out of the programme."""
    await conn.execute("DELETE FROM workshop WHERE id = ?", (item_id,))


async def keep_cancelled(
    conn: aiosqlite.Connection, item: Workshop, people: Iterable[int], at: datetime
) -> None:
    """Keep a cancelled item, and who was signed up or waiting, to show it as cancelled."""
    await conn.execute(
        f"INSERT OR REPLACE INTO cancelled_workshop ({_WORKSHOP_COLUMNS}, people, cancelled_at) "
        f"VALUES ({_WORKSHOP_MARKS}, ?, ?)",
        (*_workshop_values(item), json.dumps(sorted(set(people))), to_db(at)),
    )


async def cancelled(conn: aiosqlite.Connection) -> tuple[Cancelled, ...]:
    """Read the cancelled items (those a re-import brought back included), in time order."""
    async with conn.execute(
        f"SELECT {_WORKSHOP_COLUMNS}, people FROM cancelled_workshop "
        "ORDER BY starts_at, ends_at, title, id"
    ) as cursor:
        return tuple(
            Cancelled(_workshop_from_row(row), frozenset(json.loads(row["people"])))
            for row in await cursor.fetchall()
        )


async def add_room(conn: aiosqlite.Connection, name: str) -> None:
    """Declare a room if it is new."""
    await conn.execute("INSERT OR IGNORE INTO room (name) VALUES (?)", (name,))


async def add_workshop(conn: aiosqlite.Connection, item: Workshop) -> None:
    """Put a new item in the programme (a proposed session, approved)."""
    await conn.execute(
        f"INSERT INTO workshop ({_WORKSHOP_COLUMNS}) VALUES ({_WORKSHOP_MARKS})",
        _workshop_values(item),
    )
