"""The write-ahead logs go back to WAL_KEPT_BYTES on disk when they start over."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import db as db_module
from storage import inbox as inbox_repo
from storage.db import Database, checkpoint

KEPT = 64 * 1024
ROW = "x" * 3000


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "WAL_KEPT_BYTES", KEPT)
    monkeypatch.setattr(inbox_repo, "WAL_KEPT_BYTES", KEPT)


class Reader:
    """A read under way elsewhere, which keeps the log from starting over."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

    def done(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


def log_size(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


@pytest.mark.parametrize("writer", ["transaction", "write_now"])
async def test_the_databases_log_goes_back_to_its_size_once_it_starts_over(
    tmp_path: Path, writer: str
) -> None:
    path = tmp_path / "r.sqlite3"
    db = await Database.open(path)
    try:
        write = db.transaction if writer == "transaction" else db.write_now
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (x TEXT)")
        reader = Reader(path)
        for _ in range(100):
            async with write() as conn:
                await conn.execute("INSERT INTO t VALUES (?)", (ROW,))
        grown = log_size(path)
        reader.done()
        checkpoint(str(path))  # every page folded in: the next write starts the log over
        async with write() as conn:
            await conn.execute("INSERT INTO t VALUES (?)", (ROW,))

        assert grown > 4 * KEPT
        assert log_size(path) <= KEPT
    finally:
        await db.close()


def test_the_inboxs_log_goes_back_to_its_size_once_it_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3-inbox"
    conn = inbox_repo.connect(str(path))
    now = datetime(2026, 8, 24, 9, 0, tzinfo=UTC)
    try:
        reader = Reader(path)
        for update_id in range(100):
            inbox_repo.store(conn, [(update_id, ROW)], now)
        grown = log_size(path)
        reader.done()
        checkpoint(str(path))
        inbox_repo.store(conn, [(1000, ROW)], now)

        assert grown > 4 * KEPT
        assert log_size(path) <= KEPT
    finally:
        inbox_repo.close(conn)
