"""The bot running with its web server on (127.0.0.1, a free port), on a small week."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.clock import FrozenClock
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from tests.conftest import ALICE, BOB, GROUP, ORGANISER
from tests.e2e.test_announcements import PROGRAMME, START, registered


def free_port() -> int:
    """Give a port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_site(
    emu: BotApiEmulator, tmp_path: Path, programme: str = PROGRAMME
) -> AsyncIterator[Harness]:
    path = tmp_path / "semaine.toml"
    path.write_text(programme, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=path,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={
            "announcements": {"board": False},
            "web": {"listen": f"127.0.0.1:{free_port()}"},
        },
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        await registered(bot, ALICE, BOB, ORGANISER)
        yield bot


@pytest.fixture
async def site(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_site(emu, tmp_path) as bot:
        yield bot


def base_url(bot: Harness) -> str:
    """Give the address the bot's web server answers at."""
    url = bot.services.config.web.base_url
    assert url is not None
    return url


@pytest.fixture
async def http(site: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url(site), timeout=10) as client:
        yield client
