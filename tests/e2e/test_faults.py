"""Issue 7: the emulator misbehaves on purpose; the bot keeps serving, nothing lost or doubled."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.booking import TargetKind, ref
from bot.sandbox.emulator import ApiReply, ApiRequest
from bot.sandbox.harness import Harness
from storage import bookings as bookings_repo
from storage import outbox as outbox_repo
from storage.outbox import Entry
from tests.conftest import ALICE, BOB, GROUP, ORGANISER


def once(method: str, reply: ApiReply) -> Callable[[ApiRequest], Awaitable[ApiReply | None]]:
    """An interceptor that misbehaves on the first call of one method."""
    done = False

    async def intercept(request: ApiRequest) -> ApiReply | None:
        nonlocal done
        if request.method != method or done:
            return None
        done = True
        return reply

    return intercept


async def test_a_server_error_on_a_reply_is_retried(bot: Harness) -> None:
    bot.emu.faults.fail_next("sendMessage", 502, "Bad Gateway")
    (reply,) = await bot.say(ALICE, "/help")
    assert reply.plain_text.startswith("Ce que je sais faire")
    statuses = [c.status for c in bot.emu.observer.calls_to("sendMessage")]
    assert statuses == [502, 200]


async def test_a_dropped_connection_is_retried(bot: Harness) -> None:
    bot.emu.faults.add_interceptor(once("sendMessage", ApiReply(0, {}, drop_connection=True)))
    (reply,) = await bot.say(BOB, "/help")
    assert reply.plain_text.startswith("What I can do")


async def test_a_slow_answer_is_waited_for(bot: Harness) -> None:
    async def slow(request: ApiRequest) -> ApiReply | None:
        if request.method == "sendMessage":
            await asyncio.sleep(0.5)
        return None

    bot.emu.faults.add_interceptor(slow)
    (reply,) = await bot.say(ALICE, "/next")
    assert reply.plain_text.startswith("La semaine n'a pas encore commencé")


async def test_a_reply_that_times_out_is_sent_again(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram does not answer within PTB's read timeout (5 s): the emulator, like Telegram
    # when the client hangs up first, may not deliver it. A reply to a person is tried again
    # (twice is better than none); nobody is alerted, and the bot goes on.
    async def late_once(request: ApiRequest) -> ApiReply | None:
        if request.method == "sendMessage" and not late:
            late.append(request)
            await asyncio.sleep(6)
        return None

    late: list[ApiRequest] = []
    bot.emu.faults.add_interceptor(late_once)
    mark = bot.emu.observer.mark(ALICE)
    await bot.emu.people.send_text(ALICE, "/next")
    (reply,) = await bot.emu.observer.wait_for_messages(ALICE, 1, timeout=20, after=mark)
    await bot.settle()
    assert reply.plain_text.startswith("La semaine n'a pas encore commencé")
    assert len(late) == 1 and len(bot.emu.observer.calls_to("sendMessage")) == 2
    (again,) = await bot.say(ALICE, "/next")
    assert again.plain_text == reply.plain_text
    assert bot.emu.observer.messages(ORGANISER) == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_429_burst_is_waited_out(bot: Harness) -> None:
    bot.emu.faults.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, count=2
    )
    (reply,) = await bot.say(ALICE, "/today")
    assert reply.plain_text.startswith("📅")
    assert [c.status for c in bot.emu.observer.calls_to("sendMessage")] == [429, 429, 200]


async def test_a_lost_getupdates_answer_loses_no_update(bot: Harness) -> None:
    await bot.emu.observer.wait_for_poll()
    bot.emu.faults.add_interceptor(once("getUpdates", ApiReply(0, {}, drop_connection=True)))
    (reply,) = await bot.say(ALICE, "/help", timeout=15)
    assert reply.plain_text.startswith("Ce que je sais faire")


async def test_the_same_press_delivered_twice_books_once(bot: Harness) -> None:
    programme = '[[workshop]]\nid = "a"\ntitle = "A"\nstart = 2026-08-24T10:00:00\n'
    programme += "end = 2026-08-24T11:00:00\ncapacity = 3\n"
    await bot.services.programme.import_bytes(programme.encode(), "t.toml")
    (details,) = await bot.say(ALICE, "/workshop a")
    emu = bot.emu
    query_id = emu.world.next_query_id()
    query = {
        "id": query_id,
        "from": emu.world.users[ALICE].user,
        "message": emu.world.sent_dict(details),
        "chat_instance": "1",
        "data": f"b:ws:{ref('a')}",
    }
    emu.world.open_queries[query_id] = query
    update_id = emu.world.next_update_id
    # Telegram delivers the same update twice (same update_id)
    emu.updates.push_update({"update_id": update_id, "callback_query": query})
    emu.updates.push_update(
        json.loads(json.dumps({"update_id": update_id, "callback_query": query}))
    )
    await emu.observer.wait_for_callback_answer(query_id)
    (mine,) = await bot.say(ALICE, "/mine")
    assert "A" in mine.plain_text
    answers = [
        c
        for c in emu.observer.calls_to("answerCallbackQuery")
        if c.params["callback_query_id"] == query_id
    ]
    assert len(answers) == 1
    target = await bot.services.bookings.target(TargetKind.WORKSHOP, ref("a"))
    async with bot.db.read() as conn:
        assert (await bookings_repo.standing(conn, target)).ins == (ALICE,)


async def test_outbox_messages_survive_server_errors(bot: Harness) -> None:
    params: dict[str, Any] = {"item_id": "x", "kind": "note", "value": "Bonjour"}
    params |= {"before": {"title": "Atelier"}, "after": {}}
    await bot.services.outbox.add([Entry("test:1", "change", GROUP, bot.clock.now(), params)])
    bot.emu.faults.fail_next("sendMessage", 500, "Internal Server Error", count=3)
    for _ in range(10):
        await bot.services.outbox.flush()
        async with bot.db.read() as conn:
            (row,) = await outbox_repo.rows(conn, kinds=["change"])
        if row.status == "sent":
            break
        bot.clock.advance(timedelta(seconds=20))  # type: ignore[attr-defined]
    assert row.status == "sent"
    assert [m.plain_text for m in bot.emu.observer.messages(GROUP)] == [
        "📢 Changement pour Atelier\u202f: «\u202fBonjour\u202f»"
    ]


async def test_an_outbox_send_that_may_have_arrived_is_not_sent_again(bot: Harness) -> None:
    # The connection drops after the request went: Telegram may have the message or not. A
    # reply to a person is tried again (test above); a message the bot sends on its own is
    # not, since nothing goes out twice: it is recorded as uncertain.
    params: dict[str, Any] = {"item_id": "x", "kind": "note", "value": "Bonjour"}
    params |= {"before": {"title": "Atelier"}, "after": {}}
    await bot.services.outbox.add([Entry("test:1", "change", GROUP, bot.clock.now(), params)])
    bot.emu.faults.add_interceptor(once("sendMessage", ApiReply(0, {}, drop_connection=True)))
    await bot.services.outbox.flush()
    bot.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    await bot.services.outbox.flush()
    async with bot.db.read() as conn:
        (row,) = await outbox_repo.rows(conn, kinds=["change"])
    assert row.status == "uncertain"
    assert bot.emu.observer.messages(GROUP) == []
    tries = [
        c
        for c in bot.emu.observer.calls_to("sendMessage")
        if str(c.params["chat_id"]) == str(GROUP)
    ]
    assert len(tries) == 1
