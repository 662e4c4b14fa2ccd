"""After a kill: what had left for Telegram is not sent again; what had not, goes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from storage import outbox as repo
from storage.db import Database, _migration_modules
from storage.outbox import Entry
from storage.wire import WireLog

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)

# Parameters that fit each kind used here (the outbox refuses a row whose parameters do not)
PARAMS: dict[str, dict[str, Any]] = {
    "digest": {"date": "2026-08-24"},
    "broadcast": {"html": "Bonjour"},
    "change": {"kind": "room", "value": "Plage", "before": {"room": "Pins"}, "after": {}},
    "announce": {"start": "2026-08-24T07:00:00+00:00"},
}


def entry(key: str, kind: str, chat: int, due: datetime = NOW, **kw: Any) -> Entry:
    """A message of a kind, with parameters that fit it."""
    return Entry(key, kind, chat, due, PARAMS[kind], **kw)


def test_the_wire_log_reads_back_what_it_wrote_and_skips_garbage(tmp_path: Path) -> None:
    log = WireLog.beside(str(tmp_path / "r.sqlite3"))
    assert log.path == tmp_path / "r.sqlite3-wire"
    assert log.read() == set()
    log.record(7, 1)
    log.record(9, 2)
    log.close()
    with (tmp_path / "r.sqlite3-wire").open("a", encoding="ascii") as f:
        f.write("12 x\n13\n")  # not whole: skipped, so message 12 and 13 go again
    log.record(7, 3)  # opens the file again, appends
    assert log.read() == {(7, 1), (9, 2), (7, 3)}
    log.clear()
    assert log.read() == set()
    assert not (tmp_path / "r.sqlite3-wire").exists()


def test_an_in_memory_database_keeps_its_wire_log_in_memory() -> None:
    log = WireLog.beside(":memory:")
    log.record(1, 1)
    assert log.path is None and log.read() == {(1, 1)}
    log.clear()
    assert log.read() == set()


async def test_recovery_settles_what_was_being_sent(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            await repo.add(conn, [entry(f"m{n}", "digest", 100 + n) for n in range(4)], NOW)
            ids = {row.key: row.id for row in await repo.rows(conn)}
            for key in ("m0", "m1", "m2"):
                assert await repo.claim(conn, ids[key])
        # m0 had left (attempt 1); m1 was taken but waiting its turn; m2 had left on an earlier
        # attempt only (a 429 sent it back, it was taken again); m3 was never taken
        left = {(ids["m0"], 1), (ids["m2"], 0)}
        async with db.transaction() as conn:
            again, unsure = await repo.recover_in_flight(conn, left)
            status = {row.key: row.status for row in await repo.rows(conn)}
        assert (again, unsure) == (2, ["m0"])
        assert status == {"m0": "uncertain", "m1": "pending", "m2": "pending", "m3": "pending"}
    finally:
        await db.close()


async def test_the_upgrade_to_uncertain_keeps_every_outbox_row(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    with sqlite3.connect(path) as raw:  # a database as version 6 left it, with a message
        for number, module in _migration_modules():
            if number <= 6:
                for statement in module.STATEMENTS:
                    raw.execute(statement)
        raw.execute("PRAGMA user_version = 6")
        raw.execute(
            "INSERT INTO outbox (id, key, kind, chat_id, due_at, status, created_at) "
            "VALUES (41, 'k', 'digest', 5, '2026-08-24T06:00:00+00:00', 'sent', 'x')"
        )
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            (row,) = await repo.rows(conn)
            assert (row.id, row.key, row.status) == (41, "k", "sent")
            await repo.add(conn, [entry("new", "digest", 5)], NOW)
            await conn.execute("UPDATE outbox SET status = 'uncertain' WHERE key = 'new'")
            assert [r.id for r in await repo.rows(conn, statuses=["uncertain"])] == [42]
    finally:
        await db.close()


async def test_the_queue_is_read_in_order_a_few_rows_at_a_time(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        later = NOW + timedelta(hours=1)
        entries = [entry(f"p{n}", "broadcast", 1000 + n) for n in range(500)]
        entries += [
            entry("late-urgent", "change", 7, later, urgent=True),  # not due yet
            entry("urgent", "change", 8, NOW + timedelta(minutes=1), urgent=True),
            entry("group", "announce", -100),
            entry("future", "digest", 9, later),
        ]
        async with db.transaction() as conn:
            await repo.add(conn, entries, NOW)
        now = NOW + timedelta(minutes=5)
        async with db.read() as conn:
            people = await repo.due(conn, now, 3, to_groups=False)
            groups = await repo.due(conn, now, 3, to_groups=True)
            async with conn.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM outbox INDEXED BY outbox_due_people "
                "WHERE status = 'pending' AND chat_id > 0 AND urgent = 0 AND due_at <= ? "
                "ORDER BY due_at, id LIMIT 3",
                ("x",),
            ) as cursor:
                plan = " ".join(str(row[3]) for row in await cursor.fetchall())
        assert [r.key for r in people] == ["urgent", "p0", "p1"]
        assert [r.key for r in groups] == ["group"]
        assert "TEMP B-TREE" not in plan  # read in the index's order, not sorted whole
    finally:
        await db.close()
