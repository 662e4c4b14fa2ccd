"""JsonRequest: the bot's calls as JSON bodies, files as forms, PTB's timeouts and errors kept."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.json_request import JsonRequest
from bot.ratelimit import surely_not_taken
from bot.sandbox import BotApiEmulator
from bot.sandbox.faults import ApiReply, ApiRequest
from tests.conftest import ALICE

TEXT = "<b>Atelier « Coopérer » 🌊</b>\nSalle <i>Étang</i> &amp; plage, l'après-midi"
BUTTONS = {"inline_keyboard": [[{"text": "S'inscrire", "callback_data": "bk:1"}]]}


@pytest.fixture(autouse=True)
async def alice_wrote(emu: BotApiEmulator) -> None:
    await emu.people.send_text(ALICE, "bonjour")  # now the bot may write to her


def bot_on(emu: BotApiEmulator, request: JsonRequest) -> Bot:
    return Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url, request=request)


def plain(**kwargs: float | None) -> JsonRequest:
    """Build a JsonRequest without the TLS set-up plain http never uses."""
    return JsonRequest(httpx_kwargs={"verify": False}, **kwargs)  # type: ignore[arg-type]


class Seen:
    """Each call's method and Content-Type as the emulator received it; some held a while."""

    def __init__(self, emu: BotApiEmulator, hold: float = 0.0) -> None:
        self.types: list[tuple[str, str]] = []
        self.hold = hold
        self.message = asyncio.Event()
        """Set when a sendMessage arrives."""
        emu.faults.add_interceptor(self._see)

    async def _see(self, request: ApiRequest) -> ApiReply | None:
        self.types.append((request.method, request.http.header("content-type").split(";")[0]))
        if request.method == "sendMessage":
            self.message.set()
            await asyncio.sleep(self.hold)
        return None


async def test_a_message_goes_as_json_and_arrives_as_sent(emu: BotApiEmulator) -> None:
    seen = Seen(emu)
    async with bot_on(emu, plain()) as bot:
        message = await bot.send_message(
            ALICE, TEXT, parse_mode="HTML", api_kwargs={"reply_markup": BUTTONS}
        )

    assert seen.types == [("getMe", "application/json"), ("sendMessage", "application/json")]
    result = emu.observer.calls_to("sendMessage")[-1].response["result"]
    assert result["text"] == "Atelier « Coopérer » 🌊\nSalle Étang & plage, l'après-midi"
    assert [e["type"] for e in result["entities"]] == ["bold", "italic"]
    assert result["reply_markup"] == BUTTONS
    assert message.message_id == result["message_id"]
    assert message.reply_markup is not None
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "bk:1"


async def test_a_file_goes_as_a_form_with_its_parts(emu: BotApiEmulator) -> None:
    seen = Seen(emu)
    async with bot_on(emu, plain()) as bot:
        await bot.send_document(
            ALICE, InputFile(b"BEGIN:VCALENDAR\r\n", filename="semaine.ics"), caption="Été"
        )

    assert seen.types[-1] == ("sendDocument", "multipart/form-data")
    call = emu.observer.calls_to("sendDocument")[-1]
    assert call.status == 200
    assert call.response["result"]["document"]["file_name"] == "semaine.ics"
    assert call.response["result"]["caption"] == "Été"


async def test_a_refusal_is_telegrams_error(emu: BotApiEmulator) -> None:
    async with bot_on(emu, plain()) as bot:
        with pytest.raises(NetworkError, match=r"(?i)message text is empty"):
            await bot.send_message(ALICE, "")


async def test_the_requests_read_timeout_applies_unless_the_call_gives_one(
    emu: BotApiEmulator,
) -> None:
    Seen(emu, hold=1.0)
    async with bot_on(emu, plain(read_timeout=0.05)) as bot:
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(ALICE, "lent")
        assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
        assert not surely_not_taken(raised.value)  # it may have arrived: not sent again

        sent = await bot.send_message(ALICE, "patient", read_timeout=5)
    assert sent.text == "patient"


async def test_a_full_pool_says_the_call_was_not_sent(emu: BotApiEmulator) -> None:
    seen = Seen(emu, hold=2.0)
    async with bot_on(emu, plain(connection_pool_size=1, pool_timeout=0.05)) as bot:
        first = asyncio.ensure_future(bot.send_message(ALICE, "premier"))
        async with asyncio.timeout(10):
            await seen.message.wait()  # the first holds the one connection
        with pytest.raises(TimedOut, match="not sent") as raised:
            await bot.send_message(ALICE, "second")
        assert isinstance(raised.value.__cause__, httpx.PoolTimeout)
        assert surely_not_taken(raised.value)
        assert (await first).text == "premier"


async def test_no_server_is_a_network_error_safe_to_make_again() -> None:
    async with BotApiEmulator() as emu:
        base_url = emu.base_url
    request = plain()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="ConnectError") as raised:
            await request.post(f"{base_url}/getMe", request_data=RequestData())
        assert isinstance(raised.value.__cause__, httpx.ConnectError)
        assert surely_not_taken(raised.value)
    finally:
        await request.shutdown()


async def test_a_request_not_initialized_refuses(emu: BotApiEmulator) -> None:
    request = plain()
    await request.shutdown()
    with pytest.raises(NetworkError, match="This JsonRequest is not initialized"):
        await request.post(f"{emu.base_url}/getMe", request_data=RequestData())
