"""Two quick taps on one button: booked once, and no alarm for an edit that changed nothing."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.domain.booking import ref
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, ORGANISER

ITEM = "mar-10-atelier-couleurs"


async def test_a_double_tap_books_once_and_raises_no_alarm(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(ALICE, "/start", count=2)
    (details,) = await bot.say(ALICE, f"/workshop {ITEM}")
    organiser_mark = bot.emu.observer.mark(ORGANISER)
    data = f"b:ws:{ref(ITEM)}"
    with caplog.at_level(logging.INFO):
        # Both presses reach Telegram before the bot has handled either
        first = await bot.emu.people.press_button(ALICE, details.message_id, data)
        second = await bot.emu.people.press_button(ALICE, details.message_id, data)
        answers = await asyncio.gather(
            bot.emu.observer.wait_for_callback_answer(first),
            bot.emu.observer.wait_for_callback_answer(second),
        )
        await bot.settle()
    assert all(answer is not None for answer in answers)
    refused = [
        call
        for call in bot.emu.calls
        if call.method == "editMessageText"
        and "not modified" in str(call.response.get("description", ""))
    ]
    assert refused, "the second edit reached Telegram and was refused as unchanged"
    assert bot.emu.observer.messages(ORGANISER)[organiser_mark:] == [], (
        "no error report to organisers"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    (mine,) = await bot.say(ALICE, "/mine")
    assert mine.plain_text.count("Atelier couleurs") == 1
