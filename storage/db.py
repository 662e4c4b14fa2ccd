"""The SQLite connections: pragmas, one transaction at a time, numbered migrations.

Writes go through one connection, one transaction at a time. People's reads of a database
file go through two others (PEOPLE_READERS; WAL lets them run while a transaction is under
way), so that a person's question never queues behind the outbox marking its sends or a
re-planning (issue 13), nor behind one other person's read, and bulk work reads through one
more, so that it never queues behind the outbox composing its messages either. Each read
block is one read transaction: what it reads is one state of the file.

The small reads and writes on the way to an answer (a list's places, a person's own list, a
sign-up, a draft) are made on the event loop itself (`read_now`, `write_now`), through two
more connections whose statements run at once, with no trip to a thread (LoopConnection):
each trip waits for the loop to be free, and on a busy loop a few of them held the database
for tens of milliseconds.

Work done in bulk (the outbox sending, the re-planning after a sign-up) runs with BULK_WORK
set: it reads through its own connection, and waiting for the writing one, it lets the work of
the people being answered go first.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import logging
import pkgutil
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import aiosqlite

from storage import migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_WAIT = 3.0  # seconds a close waits for its turn and the checkpoint, at most
CHECKPOINT_BUSY_MS = 1000
NOW_BUSY_MS = 20
"""The longest a statement on the event loop (read_now, write_now) waits for a lock: it holds
everything up meanwhile, so no longer than the stall the loop may have (issue 13)."""
LOOP_CHECKPOINT_EVERY = 500
"""Commits on the event loop (write_now) between two checkpoints of the log, made in a thread:
the loop's writing connection makes none itself, and most writes go through it."""
WAL_KEPT_BYTES = 16 * 2**20
"""The write-ahead log left on disk when it starts over (journal_size_limit). A log is folded
into the database every few hundred commits, but it starts over only once no read is under way
in it, and its file kept its largest size: in bench.memory's week (2,400 times faster than
real time, reads nearly always under way) it grew to 1.5 GB for a 37 MB database, and went back
to 16 MB when it started over (issue 13, eleventh session). A log that never starts over still
grows: this bounds what is left after, not the growth."""
PEOPLE_READERS = 2
"""Reading connections for people's work: SQLite lets go of the GIL while it reads, so two
reads run at once on two cores (bench.soak --stages: handlers waited behind each other's reads,
0.63 s over the week, with one)."""


BULK_WORK: contextvars.ContextVar[bool] = contextvars.ContextVar("rencontre_bulk", default=False)
"""True in the tasks doing bulk work: they take their turn on a connection after the others."""


class Turns:
    """A lock that serves the waiting people's work first, then bulk work (BULK_WORK).

    The task holding it may take it again (a read inside its own read or transaction, such
    as the programme read on a cold cache during a re-planning): it would otherwise wait for
    itself, and every caller after it, forever.
    """

    def __init__(self) -> None:
        self._held = False
        self._owner: asyncio.Task[object] | None = None
        self._depth = 0
        self._lanes: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())
        """Who waits: people's work, bulk work."""

    def locked(self) -> bool:
        """Say whether someone holds it."""
        return self._held

    def waiting(self) -> int:
        """Say how many wait for it."""
        return sum(len(lane) for lane in self._lanes)

    def owned(self) -> bool:
        """Say whether the current task holds it."""
        return self._held and self._owner is not None and self._owner is asyncio.current_task()

    async def acquire(self, *, bulk: bool | None = None) -> None:
        """Wait for the turn: people's work first, bulk work after, each in order of arrival.

        `bulk` says which lane, when it is not the task's (BULK_WORK).
        """
        if self.owned():
            self._depth += 1
            return
        if not self._held and not any(self._lanes):
            self._held = True
            self._owner = asyncio.current_task()
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if bulk is None:
            bulk = BULK_WORK.get()
        lane = self._lanes[1 if bulk else 0]
        lane.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._hand_over()  # handed over just as it was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    lane.remove(turn)
            raise
        self._owner = asyncio.current_task()

    def release(self) -> None:
        """Hand the lock to the next in line (it stays held), or free it."""
        if self._depth:
            self._depth -= 1
            return
        self._hand_over()

    def _hand_over(self) -> None:
        self._owner = None
        for lane in self._lanes:
            while lane:
                turn = lane.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._held = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *_: object) -> None:
        self.release()


class DatabaseError(Exception):
    """The database cannot be used (for example, it is newer than this code)."""


def _migration_modules() -> list[tuple[int, ModuleType]]:
    found = []
    for info in pkgutil.iter_modules(migrations.__path__):
        if info.name.startswith("v") and info.name[1:4].isdigit():
            module = importlib.import_module(f"{migrations.__name__}.{info.name}")
            found.append((int(info.name[1:4]), module))
    found.sort()
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise DatabaseError(f"migrations are not numbered 1..N without gaps: {numbers}")
    return found


def latest_version() -> int:
    """Give the schema version this code writes."""
    return len(_migration_modules())


def checkpoint(path: str) -> None:
    """Fold a database's write-ahead log into its file, through a connection of its own (run
    in a thread: PASSIVE waits for no one, the writers go on meanwhile)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


class LogFolding:
    """Fold a SQLite file's write-ahead log into it in a thread, every `every` commits of a
    connection that makes no checkpoint itself (the event loop's: the inbox's, write_now's)."""

    def __init__(self, path: str, every: int, name: str) -> None:
        self.path = path
        self.every = every
        self.name = name
        self._commits = 0
        """Commits since the last checkpoint."""
        self.task: asyncio.Task[None] | None = None
        """The checkpoint under way, if any."""

    def committed(self) -> None:
        """Count a commit; start a checkpoint in a thread every `every` of them."""
        self._commits += 1
        if self._commits < self.every or in_memory(self.path):
            return
        if self.task is None or self.task.done():
            self._commits = 0
            self.task = asyncio.create_task(
                asyncio.to_thread(checkpoint, self.path), name=self.name
            )
            self.task.add_done_callback(self._folded)

    async def settle(self) -> None:
        """Wait for the checkpoint under way, if any (before closing)."""
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)

    def _folded(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s: the log was not folded in: %s", self.path, task.exception())


def in_memory(path: str) -> bool:
    """Tell whether a database lives in memory (one connection; nothing to back up)."""
    return path == ":memory:" or path.startswith("file::memory:") or "mode=memory" in path


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run at once on the event loop, no thread.

    aiosqlite sends every call (a statement, a fetch) through `Connection._execute` to the
    connection's thread, and each trip back waits for the event loop to be free: on a busy
    loop a read of three statements held its connection 26 ms at p99 (bench.soak --stages,
    issue 13, seventh session), a sign-up's transaction 48 ms. Here `_execute` makes the call
    where it is, so a small read or write is done in one go, and the repositories serve
    both kinds of connection unchanged. This leans on aiosqlite's `_execute` (0.22, pinned
    in pyproject.toml); tests/storage/test_db_turns.py checks that no statement leaves the
    loop's thread.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(lambda: conn, iter_chunk_size=64)
        self._connection = conn  # no thread to connect through, none started

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection (there is no thread to stop)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _connect_now(path: str, *, writer: bool = False) -> LoopConnection:
    """Open a connection of the event loop's own (Database.read_now, Database.write_now)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        conn.execute(f"PRAGMA busy_timeout={NOW_BUSY_MS}")
        if writer:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")  # as the writing connection: no fsync
            # Checkpoints stay the writing connection's, in its thread: not on the loop
            conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
        else:
            conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    return LoopConnection(conn)


async def _connect(path: str, *, reader: bool = False) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        if not reader:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if reader:
            await conn.execute("PRAGMA query_only=ON")  # a write by mistake fails loudly
    except BaseException:
        await conn.close()
        raise
    return conn


class Database:
    """A writing aiosqlite connection and reading ones (people's work, bulk work); callers take
    turns on each through `transaction()` and `read()` (one connection for all when the
    database is in memory)."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._lock = Turns()
        self._readers: list[aiosqlite.Connection] = []
        """People's reads go through them (a database file; none in memory)."""
        self._read_locks: list[Turns] = []
        """One per reading connection."""
        self._bulk_reader: aiosqlite.Connection | None = None
        """Reads in BULK_WORK go through it when there is one (a database file)."""
        self._bulk_read_lock = Turns()
        self._now: LoopConnection | None = None
        """Reads on the event loop go through it (`read_now`; a database file, not in memory)."""
        self._now_held = False
        """Set while a read on the loop is under way (another one goes through a thread)."""
        self._now_writer: LoopConnection | None = None
        """Writes on the event loop go through it (`write_now`; a database file)."""
        self.log_folding = LogFolding(path, LOOP_CHECKPOINT_EVERY, "rencontre-db-log")
        """Checkpoints of what it commits, in a thread (LOOP_CHECKPOINT_EVERY)."""

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        """Open (and create or upgrade) the database at `path`."""
        conn = await _connect(str(path))
        try:
            db = cls(conn, str(path))
            if migrate:
                await db.migrate()
            else:
                await db.check_version()
            if not in_memory(str(path)):
                for _ in range(PEOPLE_READERS):
                    db._readers.append(await _connect(str(path), reader=True))
                    db._read_locks.append(Turns())
                db._now = _connect_now(str(path))
                db._now_writer = _connect_now(str(path), writer=True)
                db._bulk_reader = await _connect(str(path), reader=True)
        except BaseException:
            await db._close_reader()
            await db._close_now_writer()
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Fold the write-ahead log into the database file, then close the connection.

        The checkpoint leaves a database that is one file at rest (a copy or a backup of it
        alone is whole); a checkpoint that cannot be made (a reader elsewhere, a transaction
        still open) only costs the next start a replay of the log.
        """
        await self.log_folding.settle()
        await self._close_reader()  # its snapshot would hold the checkpoint back
        try:
            async with asyncio.timeout(CHECKPOINT_WAIT), self._lock:
                await self._close_now_writer()  # in its turn: not in a write under way
                # A reader elsewhere makes the checkpoint wait: not longer than this at close
                await self.conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
                async with self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            if row is not None and row[0]:
                log.info("%s: the write-ahead log could not be folded in (busy)", self.path)
        except (TimeoutError, sqlite3.Error, ValueError) as exc:
            log.warning("%s: no checkpoint at close: %s", self.path, exc)
        await self._close_now_writer()
        await self.conn.close()

    async def _close_now_writer(self) -> None:
        if self._now_writer is not None:
            await self._now_writer.close()
        self._now_writer = None

    async def _close_reader(self) -> None:
        if self._now is not None:
            await self._now.close()
        self._now = None
        readers = [*zip(self._readers, self._read_locks, strict=True)]
        if self._bulk_reader is not None:
            readers.append((self._bulk_reader, self._bulk_read_lock))
        self._readers, self._read_locks, self._bulk_reader = [], [], None
        for reader, lock in readers:
            try:
                async with asyncio.timeout(CHECKPOINT_WAIT), lock:
                    pass  # let a read under way finish
            except TimeoutError:
                log.warning("%s: closing a reading connection during a read", self.path)
            await reader.close()

    async def version(self) -> int:
        """Give the schema version stored in the file."""
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def check_version(self) -> int:
        """Refuse a database written by newer code."""
        current, latest = await self.version(), latest_version()
        if current > latest:
            raise DatabaseError(
                f"{self.path}: the database is at schema version {current}, newer than this "
                f"code knows ({latest}); upgrade Rencontre before using it"
            )
        return current

    async def migrate(self) -> int:
        """Apply the migrations the file lacks, each in its own transaction."""
        current = await self.check_version()
        for number, module in _migration_modules():
            if number <= current:
                continue
            statements: Sequence[str] = module.STATEMENTS
            async with self.transaction() as conn:
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
            log.info("database %s upgraded to version %d", self.path, number)
            current = number
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block in one BEGIN IMMEDIATE transaction: all of it is kept, or none."""
        if self._lock.owned():
            raise RuntimeError("a transaction inside a transaction (or a read) of the same task")
        async with self._lock:
            try:
                # A task cancelled while BEGIN is on its way still has it run (aiosqlite runs
                # what it queued): the ROLLBACK below, queued after it, closes the transaction
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):  # BEGIN itself failed
                    await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Read what the last transaction committed, in one read transaction.

        Bulk work (BULK_WORK) reads through a connection of its own, when there is one.
        """
        if not self._readers:
            async with self._lock:
                yield self.conn
            return
        if BULK_WORK.get() and self._bulk_reader is not None:
            reader, lock = self._bulk_reader, self._bulk_read_lock
        else:
            reader, lock = self._people_reader()
        if lock.owned():  # a read inside this task's own read: the same one
            yield reader
            return
        async with lock:
            try:
                await reader.execute("BEGIN")
                yield reader
            finally:
                # BEGIN cancelled on its way still runs: this closes it (or finds nothing open)
                with contextlib.suppress(sqlite3.OperationalError):
                    await reader.execute("COMMIT")

    @asynccontextmanager
    async def read_now(self) -> AsyncIterator[aiosqlite.Connection]:
        """`read()` on the event loop: each statement done at once, no trip to a thread.

        For the small reads on the way to an answer (a person's bookings, a list's places: a
        millisecond or less): the loop runs nothing else meanwhile, so the block awaits only
        statements. Through a thread, each statement's trip waits for the loop to be free
        (bench/README.md, issue 13, sixth and seventh sessions). The connection waits
        NOW_BUSY_MS at most for a lock (WAL lets it read while a transaction is under way).
        In memory (one connection), or while another read on the loop is under way, it is
        `read()`.
        """
        if self._now is None or self._now_held:
            async with self.read() as conn:
                yield conn
            return
        self._now_held = True
        try:
            await self._now.execute("BEGIN")
            try:
                yield self._now
            finally:
                await self._now.execute("COMMIT")
        finally:
            self._now_held = False

    @asynccontextmanager
    async def write_now(self) -> AsyncIterator[aiosqlite.Connection]:
        """`transaction()` on the event loop, once it is its turn: no trip to a thread.

        For the small writes on the way to an answer (a sign-up, a list's screen kept): the
        writing connection's turn is held from BEGIN to COMMIT, and each trip of a statement
        to the thread waited for the loop (a sign-up held it 4.3 ms at p50, 48 ms at p99 in
        bench.soak --stages, issue 13, seventh session). The turn keeps the writing
        connection out of a transaction meanwhile; a lock held elsewhere (another process)
        makes it fail after NOW_BUSY_MS, not wait. Its connection makes no checkpoint on the
        loop: every LOOP_CHECKPOINT_EVERY commits, one runs in a thread. In memory (one
        connection), `transaction()`.
        """
        if self._now_writer is None:
            async with self.transaction() as conn:
                yield conn
            return
        if self._lock.owned():
            raise RuntimeError("a transaction inside a transaction (or a read) of the same task")
        writer = self._now_writer
        async with self._lock:
            await writer.execute("BEGIN IMMEDIATE")
            try:
                yield writer
                await writer.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):  # nothing left to undo
                    await writer.execute("ROLLBACK")
                raise
        self.log_folding.committed()

    def _people_reader(self) -> tuple[aiosqlite.Connection, Turns]:
        """Give the task's own reading connection if it holds one, else a free one, else the
        one with the fewest waiting."""
        pairs = list(zip(self._readers, self._read_locks, strict=True))
        for reader, lock in pairs:
            if lock.owned():
                return reader, lock
        return min(pairs, key=lambda pair: (pair[1].locked(), pair[1].waiting()))
