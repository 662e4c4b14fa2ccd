"""Issue 14, part 5: migration 16 rebuilds `booking` for children; what was booked stays."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import pytest

from storage import bookings as bookings_repo
from storage import migrations
from storage.db import Database

BEFORE = 11
"""The schema version of a database written before the kids' club (and its placeholders)."""


def at_version(path: Path, version: int) -> None:
    """Write a database as the code of that schema version left it."""
    with sqlite3.connect(path) as raw:
        for number in range(1, version + 1):
            folder = Path(migrations.__path__[0])
            name = next(p.stem for p in folder.glob(f"v{number:03d}_*.py"))
            for statement in importlib.import_module(f"storage.migrations.{name}").STATEMENTS:
                raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {version}")


async def test_bookings_made_before_keep_their_order_and_the_queue_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.sqlite3"
    at_version(path, BEFORE)
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO participant (user_id, first_name, language, registered_at) "
            "VALUES (1, 'Ana', 'fr', '2026-08-24T08:00:00+00:00'), "
            "(2, 'Bo', 'fr', '2026-08-24T08:00:00+00:00')"
        )
        raw.execute(
            "INSERT INTO booking (seq, kind, target_id, user_id, status, created_at) VALUES "
            "(7, 'workshop', 'a', 2, 'in', '2026-08-24T08:01:00+00:00'), "
            "(9, 'workshop', 'a', 1, 'waiting', '2026-08-24T08:02:00+00:00')"
        )
    db = await Database.open(path)
    try:
        async with db.read() as conn:
            rows = await bookings_repo.everything(conn)
        assert [(b.seq, b.user_id, b.status.value, b.child_id) for b in rows] == [
            (7, 2, "in", None),
            (9, 1, "waiting", None),
        ]
        async with db.transaction() as conn:
            # a new booking comes after the old ones (AUTOINCREMENT carried over)
            await conn.execute(
                "INSERT INTO booking (kind, target_id, user_id, status, created_at) "
                "VALUES ('workshop', 'b', 1, 'in', '2026-08-24T08:03:00+00:00')"
            )
        async with db.read() as conn:
            assert max(b.seq for b in await bookings_repo.everything(conn)) == 10
        # an adult still books a target once
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO booking (kind, target_id, user_id, status, created_at) "
                    "VALUES ('workshop', 'a', 2, 'in', '2026-08-24T08:04:00+00:00')"
                )
    finally:
        await db.close()
