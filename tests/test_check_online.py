"""`run.py check --online`: the token, the event's group and the bot's rights there, asked of
Telegram (the emulator, as a separate process would) in one line each."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.sandbox.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
GROUP = -1001234567890
ORGANISER = 9001


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def config(tmp_path: Path, base_url: str, token: str, group: int | None = GROUP) -> Path:
    path = tmp_path / "config.toml"
    chat = f"announce_chat_id = {group}\n" if group is not None else ""
    path.write_text(
        f"[telegram]\ntoken = '{token}'\napi_base_url = '{base_url}'\n"
        f"[event]\nname = 'Essai'\n{chat}organisers = [{ORGANISER}]\n",
        encoding="utf-8",
    )
    return path


async def check(path: Path) -> Result:
    """Run `run.py check --online` as its own process (the emulator answers meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run.py"),
        "check",
        "--online",
        "--config",
        str(path),
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        emulator.cast.add_user(ORGANISER, "Oriane")
        yield emulator


def errors(result: Result) -> list[str]:
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    return lines


async def test_a_group_where_the_bot_may_post_and_pin(emu: BotApiEmulator, tmp_path: Path) -> None:
    emu.cast.add_group(GROUP, "Bigre", members=[ORGANISER])  # the bot is an administrator
    result = await check(config(tmp_path, emu.base_url, emu.token))
    assert result.returncode == 0, result.stderr
    assert errors(result) == []
    assert "telegram: token ok, the bot is @rencontre_test_bot" in result.stdout
    assert f"group {GROUP} (Bigre): the bot may send and pin messages there" in result.stdout
    assert [c.method for c in emu.calls] == ["getMe", "getChat", "getChatMember"]


async def test_a_member_that_cannot_pin_is_named(emu: BotApiEmulator, tmp_path: Path) -> None:
    emu.cast.add_group(GROUP, "Bigre", members=[ORGANISER], bot="member")
    emu.cast.set_group_permissions(GROUP, can_pin_messages=False)
    result = await check(config(tmp_path, emu.base_url, emu.token))
    assert result.returncode == 2
    (line,) = errors(result)
    assert line.startswith("error: ") and "event.announce_chat_id" in line
    assert "cannot pin messages" in line and "send" not in line.split("(")[0]

    emu.cast.set_group_permissions(GROUP, can_send_messages=False)
    result = await check(config(tmp_path, emu.base_url, emu.token))
    assert result.returncode == 2
    sending, pinning = errors(result)
    assert "the bot cannot send messages there" in sending
    assert "the bot cannot pin messages there" in pinning


async def test_a_group_the_bot_is_not_in(emu: BotApiEmulator, tmp_path: Path) -> None:
    emu.cast.add_group(GROUP, "Bigre", members=[ORGANISER], bot="left")
    result = await check(config(tmp_path, emu.base_url, emu.token))
    assert result.returncode == 2
    (line,) = errors(result)
    assert f"group {GROUP}: the bot is not a member of it" in line


async def test_an_unknown_group(emu: BotApiEmulator, tmp_path: Path) -> None:
    result = await check(config(tmp_path, emu.base_url, emu.token))
    assert result.returncode == 2
    (line,) = errors(result)
    assert f"group {GROUP}: unknown to Telegram" in line


async def test_a_group_become_supergroup_gives_its_new_id(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    emu.cast.add_group(-4055, "Bigre", members=[ORGANISER])
    emu.cast.upgrade_group(-4055, GROUP, ORGANISER)
    result = await check(config(tmp_path, emu.base_url, emu.token, group=-4055))
    assert result.returncode == 2
    (line,) = errors(result)
    assert f"group -4055 became a supergroup: put announce_chat_id = {GROUP}" in line


async def test_telegram_saying_wait_is_one_line(emu: BotApiEmulator, tmp_path: Path) -> None:
    emu.cast.add_group(GROUP, "Bigre", members=[ORGANISER])
    emu.faults.fail_next("getChat", 429, "Too Many Requests: retry after 30", retry_after=30)
    result = await check(config(tmp_path, emu.base_url, emu.token))
    assert result.returncode == 2
    (line,) = errors(result)
    assert "refused the check" in line


async def test_a_refused_token(emu: BotApiEmulator, tmp_path: Path) -> None:
    result = await check(config(tmp_path, emu.base_url, "123456:wrong-token"))
    assert result.returncode == 2
    (line,) = errors(result)
    assert "telegram.token: refused by" in line
    assert "wrong-token" not in result.stdout + result.stderr


async def test_without_a_group_it_says_so(emu: BotApiEmulator, tmp_path: Path) -> None:
    result = await check(config(tmp_path, emu.base_url, emu.token, group=None))
    assert result.returncode == 0, result.stderr
    assert "event.announce_chat_id: not set" in result.stdout


async def test_telegram_out_of_reach(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = await check(config(tmp_path, f"http://127.0.0.1:{port}/bot", "123456:secret-token"))
    assert result.returncode == 2
    (line,) = errors(result)
    assert line.startswith(f"error: telegram: cannot reach http://127.0.0.1:{port}/bot")
    assert "secret-token" not in result.stdout + result.stderr
