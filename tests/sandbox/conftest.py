"""Fixtures: a started emulator with a hand-driven clock, and a real PTB Bot talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.sandbox import BotApiEmulator

ALICE = 42
BOB = 43
GROUP = -1001234567890


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(monotonic=clock, now=lambda: 1_780_000_000.0) as emulator:
        emulator.cast.add_user(ALICE, "Alice", username="alice")
        yield emulator
    failures = [
        call
        for call in emulator.calls
        if "emulator failure" in str(call.response.get("description", ""))
    ]
    assert not failures, f"the emulator failed internally: {failures}"


def plain_http() -> HTTPXRequest:
    """Build PTB's own request class, minus the TLS set-up plain http never uses (~0.1 s)."""
    return HTTPXRequest(httpx_kwargs={"verify": False})


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    ptb_bot = Bot(
        emu.token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        request=plain_http(),
        get_updates_request=plain_http(),
    )
    async with ptb_bot:
        yield ptb_bot


@pytest.fixture
async def started(emu: BotApiEmulator, bot: Bot) -> BotApiEmulator:
    """The emulator once Alice has written to the bot (so it may answer her)."""
    await emu.people.send_text(ALICE, "/start")
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)  # confirm them
    return emu
