"""The HTTP side of the emulator, below python-telegram-bot: keep-alive, bodies, paths."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox import BotApiEmulator
from tests.sandbox.conftest import ALICE


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=False) as http:
        yield http


def url(emu: BotApiEmulator, method: str) -> str:
    return f"{emu.base_url}{emu.token}/{method}"


async def raw_exchange(emu: BotApiEmulator, *requests: bytes) -> list[bytes]:
    """Send raw requests on one connection; return the raw responses, in order."""
    reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
    responses = []
    try:
        for request in requests:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            responses.append(head + await reader.readexactly(length))
    finally:
        writer.close()
        await writer.wait_closed()
    return responses


async def test_one_connection_serves_many_requests(emu: BotApiEmulator) -> None:
    path = f"/bot{emu.token}/getMe"
    get = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    body = b"offset=0&timeout=0"
    post = (
        f"POST /bot{emu.token}/getUpdates HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    chunked = (
        f"POST /bot{emu.token}/getMe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    ).encode()

    responses = await raw_exchange(emu, get, post, chunked)

    assert [r.split(b"\r\n", 1)[0] for r in responses] == [b"HTTP/1.1 200 OK"] * 3
    assert all(b"Connection: keep-alive" in r for r in responses)
    assert json.loads(responses[1].split(b"\r\n\r\n", 1)[1]) == {"ok": True, "result": []}


async def test_a_malformed_request_gets_400_and_the_connection_closes(
    emu: BotApiEmulator,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
    writer.write(b"NONSENSE\r\n\r\n")
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert answer.startswith(b"HTTP/1.1 400 Bad Request")


async def test_json_bodies_and_any_method_case(
    emu: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    await emu.people.send_text(ALICE, "/start")
    answer = await client.post(url(emu, "SENDMESSAGE"), json={"chat_id": ALICE, "text": "Salut"})
    assert answer.status_code == 200
    assert answer.json()["result"]["text"] == "Salut"
    assert emu.calls[-1].method == "sendMessage"


async def test_missing_and_mistyped_parameters_are_refused(
    emu: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    missing = await client.post(url(emu, "sendMessage"), data={"text": "x"})
    mistyped = await client.post(url(emu, "getUpdates"), data={"timeout": "soon"})
    assert (missing.status_code, missing.json()) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": 'Bad Request: parameter "chat_id" is required',
        },
    )
    assert mistyped.status_code == 400
    assert mistyped.json()["description"] == (
        "Bad Request: can't parse parameter \"timeout\": must be Integer, not String 'soon'"
    )


async def test_a_wrong_token_is_unauthorized_and_unknown_paths_not_found(
    emu: BotApiEmulator, client: httpx.AsyncClient
) -> None:
    wrong = await client.post(f"{emu.base_url}999:nope/getMe")
    elsewhere = await client.get(f"http://127.0.0.1:{emu.port}/index.html")
    no_file = await client.get(f"{emu.base_file_url}{emu.token}/documents/none.pdf")
    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")
    assert elsewhere.status_code == no_file.status_code == 404


async def test_the_emulator_stops_while_a_long_poll_waits(client: httpx.AsyncClient) -> None:
    emu = BotApiEmulator()
    await emu.start()
    poll = asyncio.create_task(client.post(url(emu, "getUpdates"), data={"timeout": "30"}))
    await emu.observer.wait_for_poll()
    await emu.stop()
    with pytest.raises(httpx.HTTPError):
        await poll
    with pytest.raises(RuntimeError, match="not started"):
        emu.port  # noqa: B018


def test_a_token_must_look_like_one() -> None:
    with pytest.raises(ValueError, match="not a bot token"):
        BotApiEmulator(token="secret")
