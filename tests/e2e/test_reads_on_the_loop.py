"""The small reads on the way to an answer are made on the event loop (Database.read_now),
not in a thread: an answer's list and its places, a person's own list, the day's rota, who a
person is (their language, whether they registered)."""

from __future__ import annotations

import asyncio

from bot.clock import FrozenClock
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, FIRST_MORNING


async def test_next_is_answered_while_every_reading_thread_is_held(
    bot: Harness, clock: FrozenClock
) -> None:
    clock.jump_to(FIRST_MORNING.replace(hour=13, minute=50))  # workshops with places next
    await bot.say(ALICE, "/start", count=2)
    (offer,) = await bot.say(ALICE, "/next")  # what is read once and kept, read now
    sign_up = next(data for _, data in offer.buttons if data and data.startswith("b:ws:"))
    await bot.press(ALICE, offer, sign_up)
    (first,) = await bot.say(ALICE, "/next")
    mine = (await bot.say(ALICE, "/mine"))[0].plain_text
    assert "Co-ops across borders" in mine, mine  # the sign-up, read back
    (rota,) = await bot.say(ALICE, "/rota")
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
        # A person's own list: their bookings, stars and queue places, read on the loop too
        (own,) = await bot.say(ALICE, "/mine", timeout=5)
        assert own.plain_text == mine
        # The day's rota: its slots' places and the slots on offer
        (again,) = await bot.say(ALICE, "/rota", timeout=5)
        assert again.plain_text == rota.plain_text
        assert again.buttons == rota.buttons
        # Someone new: /start reads whether they are registered, and registers them
        welcome, question = await bot.say(BOB, "/start", count=2, timeout=5)
        assert welcome.plain_text.startswith("Hello"), welcome.plain_text  # Bob's Telegram: en
        assert "co-operative" in question.plain_text
    finally:
        done.set()
        await asyncio.gather(*readers, return_exceptions=True)
