"""An answer's list reads its places on the event loop (Database.read_now), not in a thread."""

from __future__ import annotations

import asyncio

from bot.clock import FrozenClock
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, FIRST_MORNING


async def test_next_is_answered_while_every_reading_thread_is_held(
    bot: Harness, clock: FrozenClock
) -> None:
    clock.jump_to(FIRST_MORNING.replace(hour=13, minute=50))  # workshops with places next
    await bot.say(ALICE, "/start", count=2)
    (first,) = await bot.say(ALICE, "/next")  # what is read once and kept, read now
    assert bot.db.reads_now
    held = [asyncio.Event() for _ in bot.db._readers]
    done = asyncio.Event()

    async def long_read(event: asyncio.Event) -> None:
        async with bot.db.read():
            event.set()
            await done.wait()

    readers = [asyncio.create_task(long_read(event)) for event in held]
    try:
        async with asyncio.timeout(10):  # bounds a hang, times nothing
            for event in held:
                await event.wait()
        assert all(lock.locked() for lock in bot.db._read_locks)
        (answer,) = await bot.say(ALICE, "/next", timeout=5)
        assert answer.plain_text == first.plain_text
        assert answer.plain_text.startswith("⏭")
        assert answer.buttons  # a workshop with places: the places were read
    finally:
        done.set()
        await asyncio.gather(*readers, return_exceptions=True)
