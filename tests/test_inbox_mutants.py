"""Inbox storage that a mutant showed no other test pinned down (QUALITY.md)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import inbox as repo

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    opened = repo.connect(str(tmp_path / "r.sqlite3-inbox"))
    yield opened
    repo.close(opened)


def test_the_inbox_gives_its_newest_id_and_its_unhandled_updates_in_order(
    conn: sqlite3.Connection,
) -> None:
    assert repo.last_id(conn) is None
    assert repo.store(conn, [(7, "seven"), (3, "three"), (5, "five")], NOW) == [7, 3, 5]
    assert repo.store(conn, [(5, "again"), (9, "nine")], NOW) == [9]
    repo.mark_done(conn, {7}, NOW)
    assert repo.last_id(conn) == 9
    assert repo.pending(conn) == [(3, "three"), (5, "five"), (9, "nine")]
    repo.mark_done(conn, {9, 3}, NOW)
    assert repo.pending(conn) == [(5, "five")]


def test_pruning_forgets_old_handled_updates_but_keeps_the_newest(
    conn: sqlite3.Connection,
) -> None:
    day = timedelta(days=1)
    repo.store(conn, [(1, "old done"), (2, "old undone")], NOW - 3 * day)
    repo.store(conn, [(3, "recent done")], NOW - day / 2)
    repo.store(conn, [(4, "newest, old, done")], NOW - 3 * day)
    repo.mark_done(conn, {1, 3, 4}, NOW)
    repo.prune(conn, NOW, keep=day)
    kept = [row[0] for row in conn.execute("SELECT update_id FROM inbox ORDER BY update_id")]
    assert repo.last_id(conn) == 4
    assert kept == [2, 3, 4]


def test_the_inbox_sits_beside_its_database_or_in_memory_with_it() -> None:
    assert repo.beside("/data/rencontre.sqlite3") == "/data/rencontre.sqlite3-inbox"
    assert repo.beside(":memory:") == ":memory:"
    assert repo.beside("file::memory:?cache=shared") == ":memory:"
