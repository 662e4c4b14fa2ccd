"""The poller: an update it could not store is fetched again, and the failure is logged; the
next long poll is asked once the batch's handlers have started (HANDLERS_FIRST at most)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
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

    async def fails_once(updates: list[Any]) -> list[Any]:
        if not failures:
            failures.append(len(updates))
            raise OSError("disk I/O error")
        return await store(updates)

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
