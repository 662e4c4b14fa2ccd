"""The poller: an update it could not store is fetched again, and the failure is logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app import RencontreApplication
from bot.sandbox.harness import Harness
from tests.conftest import ALICE


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
