"""Issue 15: the embedded web server: health, bad input, an address in use."""

from __future__ import annotations

import asyncio
import html
import socket
import sqlite3
import sys
from pathlib import Path

import httpx
import pytest

from bot.config import ConfigError, WebAddressError, parse_config
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness
from bot.web.server import bind
from tests.web.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


async def test_healthz_gives_the_version_and_the_backlog(http: httpx.AsyncClient) -> None:
    answer = await http.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True
    assert body["version"] == "0.1.0"
    assert body["outbox_backlog"] == 0


async def test_healthz_says_503_when_the_database_cannot_be_read(
    site: Harness, http: httpx.AsyncClient
) -> None:
    # The health check's read fails as on a broken database file. Only that read: the outbox
    # shares the connection, and an error in its own reads during the window is another matter
    async with site.db.read() as conn:
        real = conn.execute

        def broken(sql: str, *args: object, **kwargs: object) -> object:
            if "GROUP BY kind" in sql:
                raise sqlite3.DatabaseError("database disk image is malformed")
            return real(sql, *args, **kwargs)

        conn.execute = broken  # type: ignore[method-assign,assignment]
    try:
        answer = await http.get("/healthz")
    finally:
        conn.execute = real  # type: ignore[method-assign]
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "error": "database unreadable"}


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/nowhere", 404, "Cette adresse n'existe pas"),
        ("/programme?day=2026-09-30", 404, "n'est pas un jour du programme"),
        ("/programme?day=lundi", 404, "n'est pas un jour du programme"),
        ("/programme?room=Cave", 404, "Il n'y a pas de salle"),
        ("/screen?lang=xx", 400, "Langue inconnue"),
        ("/programme?lang=xx", 400, "Langue inconnue"),
        ("/calendar/abc.ics", 404, "Ce lien d'agenda n'existe pas"),
    ],
)
async def test_bad_input_gets_a_clear_page(
    http: httpx.AsyncClient, path: str, status: int, says: str
) -> None:
    answer = await http.get(path)
    assert answer.status_code == status, answer.text
    assert says in html.unescape(answer.text)
    assert "Traceback" not in answer.text


async def test_what_people_typed_comes_back_escaped(http: httpx.AsyncClient) -> None:
    answer = await http.get("/programme", params={"room": "<script>alert(1)</script>"})
    assert answer.status_code == 404
    assert "<script>alert(1)" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_listen_must_be_an_address_and_port() -> None:
    for wrong in ("8080", "localhost", "127.0.0.1:99999", "127.0.0.1:http"):
        with pytest.raises(ConfigError, match=r"^x\.toml: web\.listen: "):
            parse_config({"web": {"listen": wrong}}, "x.toml", ROOT, environ={})
    with pytest.raises(ConfigError, match=r"^x\.toml: web\.public_url: "):
        parse_config({"web": {"public_url": "rencontre.example"}}, "x.toml", ROOT, environ={})
    config = parse_config({"web": {"listen": "127.0.0.1:8080"}}, "x.toml", ROOT, environ={})
    assert config.web.base_url == "http://127.0.0.1:8080"
    assert parse_config({}, "x.toml", ROOT, environ={}).web.base_url is None


def test_an_address_in_use_is_refused_with_its_name() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            WebAddressError, match=rf"^web\.listen: cannot listen on 127\.0\.0\.1:{port}: "
        ):
            bind("127.0.0.1", port)


async def test_the_bot_stops_at_start_with_one_line_when_the_address_is_in_use(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token = "{emu.token}"
api_base_url = "{emu.base_url}"
api_file_url = "{emu.base_file_url}"
[event]
programme = "{ROOT / "examples" / "bigre-2026.toml"}"
[storage]
database = "r.sqlite3"
[web]
listen = "127.0.0.1:{port}"
""",
        encoding="utf-8",
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run.py"),
            "--config",
            str(config),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            _, err = await process.communicate()
    lines = err.decode().strip().splitlines()
    assert process.returncode == 2, lines
    assert lines[-1] == (
        f"error: {config}: web.listen: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert not any("Traceback" in line for line in lines)
