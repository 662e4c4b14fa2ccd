"""Issue 17: a failure of the outbox's sender is reported when it happens, not at the stop.

The sender's loop used to catch errors of `send_due` only: a database error while reading when
the next message is due ended the background task, and nobody saw it until the clean stop
awaited the task (or never, after a kill), while nothing was sent any more. Now it is logged as
an ERROR, reported to the organisers like the error handler's reports, and tried again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import aiosqlite
import pytest

from bot.sandbox.harness import Harness
from handlers.errors import Reporter
from storage import outbox as outbox_repo
from tests.conftest import ORGANISER

BROKEN = "disk I/O error (a test's)"


async def test_a_read_error_of_the_sender_is_logged_and_reported_at_once(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("handlers.errors._reporter", Reporter())  # no report held back
    original = outbox_repo.next_due
    calls = 0
    read_again = asyncio.Event()

    async def fails_once(conn: aiosqlite.Connection) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise sqlite3.OperationalError(BROKEN)
        read_again.set()
        return await original(conn)

    await bot.emu.people.send_text(ORGANISER, "/start")  # Telegram lets the bot write to them
    await bot.settle()
    monkeypatch.setattr(outbox_repo, "next_due", fails_once)
    mark = bot.emu.observer.mark(ORGANISER)
    with caplog.at_level(logging.ERROR, logger="bot.services.outbox"):
        bot.services.outbox.wake()
        (report,) = await bot.emu.observer.wait_for_messages(ORGANISER, 1, timeout=20, after=mark)
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Erreur inattendue dans l'envoi des messages" in report.plain_text, report.plain_text
    assert BROKEN in report.plain_text and "OperationalError" in report.plain_text
    assert [r.getMessage() for r in logged] == ["the outbox sender failed; trying again shortly"]
    assert logged[0].exc_info is not None and BROKEN in str(logged[0].exc_info[1])
    # The sender goes on: it reads again after its second's pause, and the read now works
    async with asyncio.timeout(20):
        await read_again.wait()
    task = bot.services.outbox._task
    assert task is not None and not task.done()
