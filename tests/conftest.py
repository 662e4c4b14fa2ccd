"""Shared fixtures: the emulator, and the real bot running against it."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from storage import db as storage_db
from storage.db import Database

PARIS = ZoneInfo("Europe/Paris")
ALICE, BOB, MATHILDE, ORGANISER, STRANGER = 1001, 1002, 1003, 9001, 1999
GROUP = -1001234567
FIRST_MORNING = datetime(2026, 8, 24, 8, 30, tzinfo=PARIS)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator()
    await emulator.start()
    emulator.cast.add_user(ALICE, "Alice", last_name="Martin", language_code="fr")
    emulator.cast.add_user(BOB, "Bob", language_code="en")
    emulator.cast.add_user(MATHILDE, "Mathilde", username="mathilde_g", language_code="fr")
    emulator.cast.add_user(ORGANISER, "Oriane", username="oriane_orga", language_code="fr")
    emulator.cast.add_user(STRANGER, "Sam", language_code="fr")
    emulator.cast.add_group(
        GROUP, "Bigre Rencontre 2026", members=[ALICE, BOB, MATHILDE, ORGANISER]
    )
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FIRST_MORNING)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A database file of the test's own, opened as the bot opens it."""
    opened = await Database.open(tmp_path / "r.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def bot(emu: BotApiEmulator, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[Harness]:
    config = local_config(
        emu,
        tmp_path / "rencontre.sqlite3",
        event={
            "organisers": [ORGANISER],
            "organisations": ["Oxalis", "Coopaname", "Smart"],
            "announce_chat_id": GROUP,
        },
        # The bot's own messages are tested on their own (tests/e2e/test_announcements.py)
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, clock) as harness:
        yield harness


@pytest.fixture
def checkpoint_threads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """Record the thread each checkpoint of a log runs in (storage.db.checkpoint)."""
    threads: list[threading.Thread] = []
    checkpoint = storage_db.checkpoint

    def recorded(path: str) -> None:
        threads.append(threading.current_thread())
        checkpoint(path)

    monkeypatch.setattr(storage_db, "checkpoint", recorded)
    return threads
