"""The poller: an update it could not store is fetched again, and the failure is logged; the
next long poll is asked once the batch's handlers have started (HANDLERS_FIRST at most)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ExtBot, MessageHandler, filters

from bot import polling
from bot.app import RencontreApplication
from bot.polling import Inbox
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB


async def test_a_batch_the_inbox_failed_to_store_comes_again_and_is_answered(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(ALICE, "/start", count=2)
    app = bot.app
    assert isinstance(app, RencontreApplication) and app.inbox is not None
    inbox = app.inbox
    store = inbox.store
    failures: list[int] = []

    async def fails_once(updates: list[Any], sent: Mapping[int, str] | None = None) -> list[Any]:
        if not failures:
            failures.append(len(updates))
            raise OSError("disk I/O error")
        return await store(updates, sent)

    inbox.store = fails_once  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="bot.polling"):
        (answer,) = await bot.say(ALICE, "/help")
    assert failures == [1]
    assert "/next" in answer.plain_text
    assert [r.getMessage() for r in caplog.records] == [
        "storing updates failed; trying again in 1 s"
    ]


async def test_the_batchs_handlers_start_before_the_next_long_poll_is_asked(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the long poll's request is work on the event loop: the handlers go first."""
    await bot.say(ALICE, "/start", count=2)
    order: list[str] = []
    get_updates = ExtBot.get_updates

    async def poll(self: ExtBot[Any], *args: Any, **kwargs: Any) -> Any:
        order.append("poll")
        return await get_updates(self, *args, **kwargs)

    async def started(update: object, context: object) -> None:
        order.append("handler")

    monkeypatch.setattr(ExtBot, "get_updates", poll)
    bot.app.add_handler(MessageHandler(filters.Regex("^/aide$"), started), group=-10)
    (answer,) = await bot.say(ALICE, "/aide")
    assert "/next" in answer.plain_text
    # The long poll under way when the test began returned Alice's message: the next one waits
    assert order[:2] == ["handler", "poll"]


async def test_the_next_long_poll_waits_no_longer_than_handlers_first(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler that cannot start (the application runs as many as it may) holds no one up."""
    monkeypatch.setattr(polling, "HANDLERS_FIRST", 0.05)
    monkeypatch.setattr(Inbox, "_start", lambda self, update_id: None)  # never said started
    await bot.say(ALICE, "/start", count=2)
    (answer,) = await bot.say(BOB, "/help")
    assert "/next" in answer.plain_text


async def test_the_inbox_keeps_each_update_as_telegram_sent_it(bot: Harness) -> None:
    """What is stored is the batch's JSON as it came, not python-telegram-bot's objects written
    back (their keys come in another order, and cost 150 µs an update to write)."""
    await bot.say(ALICE, "/start", count=2)
    await bot.say(ALICE, "/help")
    sent = {
        update["update_id"]: update
        for call in bot.emu.calls
        if call.method == "getUpdates" and call.ok
        for update in call.response["result"]
    }
    app = bot.app
    assert isinstance(app, RencontreApplication) and app.inbox is not None
    stored = dict(app.inbox.conn.execute("SELECT update_id, body FROM inbox").fetchall())
    assert len(sent) == 2 and sent.keys() == stored.keys()
    for update_id, update in sent.items():
        assert stored[update_id] == json.dumps(update, ensure_ascii=False)


async def test_the_kinds_of_updates_are_asked_for_once_and_telegram_keeps_them(
    bot: Harness,
) -> None:
    """allowed_updates goes with the first long poll only: Telegram keeps it for the next ones
    (as the emulator does), so the kinds it leaves out by default still come."""
    await bot.say(ALICE, "/start", count=2)
    await bot.say(ALICE, "/help")
    polls = [call for call in bot.emu.calls if call.method == "getUpdates"]
    assert len(polls) >= 2  # answered; the next one is under way
    assert sorted(polls[0].params["allowed_updates"]) == sorted(Update.ALL_TYPES)
    assert [p for p in polls[1:] if "allowed_updates" in p.params] == []
    assert bot.emu.world.allowed_updates == frozenset(Update.ALL_TYPES)
