"""The database's turns: the people being answered before bulk work (issue 13)."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest

from bot.domain.errors import DomainError
from storage import db as storage_db
from storage.db import BULK_WORK, Database, Turns


async def take(turns: Turns, name: str, order: list[str], bulk: bool = False) -> None:
    if bulk:
        BULK_WORK.set(True)
    async with turns:
        order.append(name)
        await asyncio.sleep(0)


async def write(db: Database, name: str, order: list[str]) -> None:
    async with db.transaction() as conn:
        await conn.execute("SELECT 1")
        order.append(name)


async def test_waiting_people_go_before_bulk_work_each_in_order_of_arrival() -> None:
    turns, order = Turns(), list[str]()
    await turns.acquire()  # someone holds it while the others arrive
    tasks = [
        asyncio.create_task(take(turns, "bulk 1", order, bulk=True)),
        asyncio.create_task(take(turns, "person 1", order)),
        asyncio.create_task(take(turns, "bulk 2", order, bulk=True)),
        asyncio.create_task(take(turns, "person 2", order)),
    ]
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(*tasks)

    assert order == ["person 1", "person 2", "bulk 1", "bulk 2"]
    assert not turns.locked()


async def test_a_waiter_cancelled_leaves_the_line_and_one_handed_the_turn_passes_it_on() -> None:
    turns, order = Turns(), list[str]()
    await turns.acquire()
    gone = asyncio.create_task(take(turns, "gone", order))
    handed = asyncio.create_task(take(turns, "handed", order))
    last = asyncio.create_task(take(turns, "last", order, bulk=True))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    turns.release()  # to "handed"...
    handed.cancel()  # ...cancelled before it could run: the turn goes on to "last"
    await asyncio.gather(gone, handed, last, return_exceptions=True)

    assert order == ["last"]
    assert not turns.locked()


async def test_bulk_work_waits_for_a_person_s_write_on_the_writing_connection(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    order: list[str] = []

    try:
        async with db.transaction():  # held while both arrive
            bulk = contextvars.copy_context()
            bulk.run(BULK_WORK.set, True)
            first = asyncio.create_task(write(db, "bulk", order), context=bulk)
            second = asyncio.create_task(write(db, "person", order))
            await asyncio.sleep(0.01)
        await asyncio.gather(first, second)
    finally:
        await db.close()

    assert order == ["person", "bulk"]


async def test_a_read_inside_the_same_task_s_read_or_transaction_does_not_wait_for_itself(
    tmp_path: Path,
) -> None:
    # The programme read on a cold cache inside a re-planning's transaction hung the whole
    # bot (every caller after it waited on the lock) before the turns let its owner in again
    for path in (tmp_path / "r.sqlite3", ":memory:"):
        db = await Database.open(path)
        try:
            async with asyncio.timeout(5):
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO room (name) VALUES ('Plage')")
                    async with db.read() as inner:
                        await inner.execute("SELECT count(*) FROM room")
                async with (
                    db.read(),
                    db.read() as inner,
                    inner.execute("SELECT count(*) FROM room") as cursor,
                ):
                    row = await cursor.fetchone()
                    assert row is not None and row[0] == 1
                async with db.read():  # and the reads left the connection usable
                    pass
        finally:
            await db.close()


async def test_a_transaction_inside_a_transaction_is_refused_not_left_hanging(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with asyncio.timeout(5), db.transaction():
            with pytest.raises(RuntimeError, match="inside a transaction"):
                async with db.transaction():
                    pass
    finally:
        await db.close()


async def test_peoples_reads_do_not_wait_for_a_read_of_bulk_work(tmp_path: Path) -> None:
    """Bulk work (the outbox composing, a re-planning) reads through a connection of its own."""
    db = await Database.open(tmp_path / "r.sqlite3")
    holding, done = asyncio.Event(), asyncio.Event()

    async def bulk_read() -> int:
        BULK_WORK.set(True)
        async with db.read() as conn:
            holding.set()
            await done.wait()  # a long read of bulk work, under way
            async with conn.execute("SELECT count(*) FROM outbox") as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else -1

    bulk = asyncio.create_task(bulk_read())
    try:
        await holding.wait()
        # The timeout bounds a hang (it waited forever), it times nothing
        async with (
            asyncio.timeout(10),
            db.read() as conn,
            conn.execute("SELECT count(*) FROM participant") as cursor,
        ):
            assert tuple(await cursor.fetchone() or ()) == (0,)
        done.set()
        assert await bulk == 0
    finally:
        done.set()
        await asyncio.gather(bulk, return_exceptions=True)
        await db.close()


async def test_two_peoples_reads_run_at_once_a_third_waits_for_one_of_them(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    holding = [asyncio.Event(), asyncio.Event()]
    done = asyncio.Event()
    third_read = asyncio.Event()

    async def long_read(held: asyncio.Event) -> None:
        async with db.read():
            held.set()
            await done.wait()

    async def read(event: asyncio.Event) -> None:
        async with db.read() as conn, conn.execute("SELECT count(*) FROM room"):
            event.set()

    readers = [asyncio.create_task(long_read(held)) for held in holding]
    try:
        # The timeout bounds a hang (the second read waited for the first), it times nothing
        async with asyncio.timeout(10):
            for held in holding:
                await held.wait()
        third = asyncio.create_task(read(third_read))
        await asyncio.sleep(0)
        # both reading connections are taken: the third waits its turn on one of them
        assert [lock.waiting() for lock in db._read_locks] in ([1, 0], [0, 1])
        assert not third_read.is_set()
        done.set()
        async with asyncio.timeout(10):
            await third
    finally:
        done.set()
        await asyncio.gather(*readers, return_exceptions=True)
        await db.close()


async def thread_of(conn: aiosqlite.Connection) -> int:
    """Give the thread a connection's statements run in (a SQL function tells)."""
    await conn.create_function("thread", 0, threading.get_ident)
    ((ident,),) = await conn.execute_fetchall("SELECT thread()")
    return int(ident)


async def count_rooms(conn: aiosqlite.Connection) -> int:
    ((count,),) = await conn.execute_fetchall("SELECT count(*) FROM room")
    return int(count)


async def test_a_read_now_sees_what_was_committed_in_one_read_transaction_on_the_loop(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    memory = await Database.open(":memory:")
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO room (name) VALUES ('Chapiteau')")
        async with db.read_now() as now:
            assert now.in_transaction  # two statements read one state of the file
            assert await thread_of(now) == threading.get_ident()  # no trip to a thread
            rows = await now.execute_fetchall("SELECT name FROM room")
            assert [tuple(r) for r in rows] == [("Chapiteau",)]
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                await now.execute("DELETE FROM room")
            # A second read on the loop meanwhile goes through a thread: not in this one
            async with db.read_now() as other:
                assert other is not now and await thread_of(other) != threading.get_ident()
        async with db.read() as conn:
            assert await thread_of(conn) != threading.get_ident()
        # A transaction under way does not hold it up (WAL), nor does it see it
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO room (name) VALUES ('Plage')")
            async with db.read_now() as now:
                assert await count_rooms(now) == 1
        async with db.read_now() as now:
            assert await count_rooms(now) == 2
        # In memory there is one connection, in its thread: read_now is read()
        async with memory.read_now() as conn:
            assert conn is memory.conn
    finally:
        await db.close()
        await memory.close()


async def test_a_write_now_takes_its_turn_on_the_loop_and_keeps_all_or_nothing(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    memory = await Database.open(":memory:")
    order: list[str] = []

    async def write_now(name: str) -> None:
        async with db.write_now() as now:
            assert await thread_of(now) == threading.get_ident()  # no trip to a thread
            await now.execute("INSERT INTO room (name) VALUES (?)", (name,))
            order.append(name)

    try:
        async with db.transaction():  # held while it arrives: it waits its turn
            task = asyncio.create_task(write_now("Plage"))
            await asyncio.sleep(0.01)
            assert order == []
        await task
        with pytest.raises(DomainError):
            async with db.write_now() as now:
                await now.execute("INSERT INTO room (name) VALUES ('Pinède')")
                raise DomainError("common.stale_button")  # rolled back
        async with db.read() as conn:  # committed: the other connections see it
            rows = await conn.execute_fetchall("SELECT name FROM room")
            assert [tuple(r) for r in rows] == [("Plage",)]
        async with db.transaction():
            with pytest.raises(RuntimeError, match="inside a transaction"):
                async with db.write_now():
                    pass
        async with memory.write_now() as conn:  # in memory: transaction()
            assert conn is memory.conn
    finally:
        await db.close()
        await memory.close()


async def test_the_loops_writes_have_their_log_folded_in_a_thread_now_and_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checkpoint_threads: list[threading.Thread]
) -> None:
    """The loop's writing connection makes no checkpoint: every LOOP_CHECKPOINT_EVERY commits,
    one runs in a thread."""
    monkeypatch.setattr(storage_db, "LOOP_CHECKPOINT_EVERY", 3)
    threads = checkpoint_threads
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        for name in ("Plage", "Pinède", "Chapiteau"):
            assert db.log_folding.task is None  # not before the third commit
            async with db.write_now() as now:
                await now.execute("INSERT INTO room (name) VALUES (?)", (name,))
        assert db.log_folding.task is not None
        await db.log_folding.task
        assert len(threads) == 1 and threads[0] is not threading.main_thread()
    finally:
        await db.close()
