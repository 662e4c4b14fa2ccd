"""Incoming updates, kept until handled: nothing lost to a crash, nothing handled twice.

The inbox is a SQLite file of its own beside the database (`beside`), written on the event
loop through one plain sqlite3 connection (`connect`). In the database, its store of each
fetched batch waited for the transaction under way (a re-planning, a facilitator's change:
tens of milliseconds), and the next getUpdates waited for the store: the slowest 5 % of
replies in bench.soak spent 20 ms there and 31 ms reaching the bot (bench/README.md, issue
13, seventh session). Its own file has one writer, the event loop, so a write never waits for
a lock of this process; each is one statement, committed by itself (a fraction of a
millisecond: WAL, synchronous=NORMAL, as the database). Its checkpoints run in a thread
(`storage.db.checkpoint`), never on the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import aiosqlite

from storage.db import CHECKPOINT_BUSY_MS, NOW_BUSY_MS, WAL_KEPT_BYTES, in_memory
from storage.timefmt import to_db

SUFFIX = "-inbox"

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS inbox (
        update_id INTEGER PRIMARY KEY,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        done_at TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (done_at, update_id)",
]


def beside(database: str) -> str:
    """Give the inbox's file for a database (`<database>-inbox`), or an inbox in memory for a
    database in memory. It stays where it is when a backup is restored: it follows Telegram's
    updates, not the database."""
    return ":memory:" if in_memory(database) else database + SUFFIX


def connect(path: str) -> sqlite3.Connection:
    """Open (and create) the inbox at `path`, for the event loop."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={NOW_BUSY_MS}")  # it holds the loop meanwhile
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # a kill -9 loses nothing; no fsync a write
        conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints go to a thread (checkpoint)
        conn.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
        for statement in SCHEMA:
            conn.execute(statement)
    except BaseException:
        conn.close()
        raise
    return conn


def close(conn: sqlite3.Connection) -> None:
    """Fold the write-ahead log in (the file is whole alone at rest) and close."""
    try:
        conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def store(conn: sqlite3.Connection, updates: Sequence[tuple[int, str]], now: datetime) -> list[int]:
    """Write down updates not seen before, in one statement; give the ids that are new."""
    if not updates:
        return []
    rows = conn.execute(
        "INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES "
        + ", ".join(["(?, ?, ?)"] * len(updates))
        + " RETURNING update_id",  # the rows inserted, not those ignored
        [value for update_id, body in updates for value in (update_id, body, to_db(now))],
    ).fetchall()
    new = {row[0] for row in rows}
    return [update_id for update_id, _ in updates if update_id in new]


def mark_done(conn: sqlite3.Connection, update_ids: Collection[int], now: datetime) -> None:
    """Mark updates handled, in one statement."""
    ids = sorted(update_ids)
    conn.execute(
        f"UPDATE inbox SET done_at = ? WHERE update_id IN ({', '.join('?' * len(ids))}) "
        "AND done_at IS NULL",
        (to_db(now), *ids),
    )


def pending(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """List the updates written down but not handled (a crash came between), oldest first."""
    return [
        (int(update_id), str(body))
        for update_id, body in conn.execute(
            "SELECT update_id, body FROM inbox WHERE done_at IS NULL ORDER BY update_id"
        )
    ]


def last_id(conn: sqlite3.Connection) -> int | None:
    """Give the newest update id written down."""
    row = conn.execute("SELECT max(update_id) FROM inbox").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def prune(conn: sqlite3.Connection, now: datetime, keep: timedelta) -> None:
    """Forget handled updates older than `keep` (the newest one always stays, for the offset)."""
    conn.execute(
        "DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ? "
        "AND update_id < (SELECT max(update_id) FROM inbox)",
        (to_db(now - keep),),
    )


async def take_over(database: aiosqlite.Connection, conn: sqlite3.Connection) -> int:
    """Move here, in a transaction of the database's (`database`), the rows that earlier
    versions kept in its `inbox` table; give how many were new here.

    Only updates newer than the newest here count: older ones were seen here already (and
    may have been pruned since), as when an old backup is restored. They are written here
    before they leave the database: a crash between leaves them in both, and the next start
    finds them here already.
    """
    rows = [
        (int(row[0]), str(row[1]), str(row[2]), row[3])
        for row in await database.execute_fetchall(
            "SELECT update_id, body, received_at, done_at FROM inbox ORDER BY update_id"
        )
    ]
    if not rows:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        last = last_id(conn)
        rows = [row for row in rows if last is None or row[0] > last]
        conn.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, body, received_at, done_at) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    await database.execute("DELETE FROM inbox")
    return len(rows)
