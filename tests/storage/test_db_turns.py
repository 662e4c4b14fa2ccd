"""The database's turns: the people being answered before bulk work (issue 13)."""

from __future__ import annotations

import asyncio
import contextvars
from pathlib import Path

from storage.db import BULK_WORK, Database, Turns


async def take(turns: Turns, name: str, order: list[str], bulk: bool = False) -> None:
    if bulk:
        BULK_WORK.set(True)
    async with turns:
        order.append(name)
        await asyncio.sleep(0)


async def test_waiting_people_go_before_bulk_work_each_in_order_of_arrival() -> None:
    turns, order = Turns(), []
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
    turns, order = Turns(), []
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


async def test_bulk_work_waits_for_a_person_s_read_on_the_reading_connection(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    order: list[str] = []

    async def read(name: str) -> None:
        async with db.read() as conn:
            await conn.execute("SELECT 1")
            order.append(name)

    try:
        async with db.read():  # held while both arrive
            bulk = contextvars.copy_context()
            bulk.run(BULK_WORK.set, True)
            first = asyncio.create_task(read("bulk"), context=bulk)
            second = asyncio.create_task(read("person"))
            await asyncio.sleep(0.01)
        await asyncio.gather(first, second)
    finally:
        await db.close()

    assert order == ["person", "bulk"]
