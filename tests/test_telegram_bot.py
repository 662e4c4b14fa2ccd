"""RencontreBot: sends and edits that give only the id, with ExtBot's Defaults, limiter, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.error import BadRequest, Forbidden

from bot.app import DEFAULTS
from bot.json_request import JsonRequest
from bot.ratelimit import BULK, FOLLOW_UP, RESERVE, SlidingWindowRateLimiter, Turn
from bot.sandbox import BotApiEmulator
from bot.sandbox.faults import ApiRequest
from bot.telegram_bot import RencontreBot
from tests.conftest import ALICE

TEXT = "<b>Atelier « Coopérer » 🌊</b>\nSalle <i>Étang</i> &amp; plage https://example.org"
BUTTONS = {"inline_keyboard": [[{"text": "S'inscrire", "callback_data": "bk:1"}]]}


@pytest.fixture
async def tg(emu: BotApiEmulator) -> AsyncIterator[RencontreBot]:
    await emu.people.send_text(ALICE, "bonjour")  # now the bot may write to her
    bot = RencontreBot(
        emu.token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        defaults=DEFAULTS,
        rate_limiter=SlidingWindowRateLimiter(reserve=RESERVE),
        request=JsonRequest(),
    )
    async with bot:
        yield bot


async def test_a_sent_message_is_html_without_preview_and_its_id_comes_back(
    emu: BotApiEmulator, tg: RencontreBot
) -> None:
    given = {"reply_markup": BUTTONS}

    message_id = await tg.send_text(ALICE, TEXT, api_kwargs=given, rate_limit_args=FOLLOW_UP)

    call = emu.observer.calls_to("sendMessage")[-1]
    assert call.ok
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert message_id == call.response["result"]["message_id"]
    sent = emu.observer.message(ALICE, message_id)
    assert sent.plain_text == "Atelier « Coopérer » 🌊\nSalle Étang & plage https://example.org"
    assert [e["type"] for e in sent.entities] == ["bold", "italic"]
    assert sent.reply_markup == BUTTONS
    assert given == {"reply_markup": BUTTONS}  # the caller's dict is left as it was


async def test_an_edit_replaces_the_text_and_buttons(emu: BotApiEmulator, tg: RencontreBot) -> None:
    message_id = await tg.send_text(ALICE, TEXT, api_kwargs={"reply_markup": BUTTONS})

    await tg.edit_text(ALICE, message_id, "<i>Annulé</i>")

    call = emu.observer.calls_to("editMessageText")[-1]
    assert call.ok
    assert call.params["parse_mode"] == "HTML"
    sent = emu.observer.message(ALICE, message_id)
    assert sent.plain_text == "Annulé"
    assert [e["type"] for e in sent.entities] == ["italic"]
    assert not sent.reply_markup


async def test_the_rate_limiters_turn_is_taken_and_not_sent(
    emu: BotApiEmulator, tg: RencontreBot
) -> None:
    granted: list[str] = []
    arrived: dict[str, set[str]] = {}

    async def see(request: ApiRequest) -> None:
        arrived[request.method] = set(request.raw_params)  # as sent, before the spec's check

    emu.faults.add_interceptor(see)

    await tg.send_text(ALICE, "un", rate_limit_args=Turn(BULK, lambda: granted.append("send")))
    await tg.edit_text(
        ALICE,
        emu.observer.calls_to("sendMessage")[-1].response["result"]["message_id"],
        "deux",
        rate_limit_args=Turn(BULK, lambda: granted.append("edit")),
    )

    assert granted == ["send", "edit"]
    assert all(call.ok for call in emu.observer.calls_to("sendMessage"))
    assert all(call.ok for call in emu.observer.calls_to("editMessageText"))
    assert arrived == {
        "sendMessage": {"chat_id", "text", "parse_mode", "link_preview_options"},
        "editMessageText": {"chat_id", "message_id", "text", "parse_mode", "link_preview_options"},
    }


async def test_telegrams_refusals_are_raised_as_they_are(
    emu: BotApiEmulator, tg: RencontreBot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await tg.send_text(ALICE, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)parse entities"):
        await tg.send_text(ALICE, "<b>ouvert")
    message_id = await tg.send_text(ALICE, "pareil")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await tg.edit_text(ALICE, message_id, "pareil")
    emu.cast.block(ALICE)
    with pytest.raises(Forbidden):
        await tg.send_text(ALICE, "encore là ?")
