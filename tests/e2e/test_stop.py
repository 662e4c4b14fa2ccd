"""SIGTERM and SIGINT stop the bot cleanly: what is under way finishes, the rest waits.

The bot runs as a process of its own (run.py) against the emulator, with Telegram's flood
control on, and gets real signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.sandbox.emulator import ApiReply, ApiRequest, BotApiEmulator
from run import EXIT_FORCED
from storage import inbox as inbox_repo
from storage import participants as participants_repo
from storage.db import Database
from storage.timefmt import from_db
from tests.conftest import ALICE, FIRST_MORNING, ORGANISER
from tests.e2e.test_broadcast_kill import TEXT, delivered, outbox_state, press
from tests.e2e.test_kill import bot_config, start_bot

PEOPLE = 300
FIRST = 95_000
STOP_AFTER = 60  # messages delivered before the signal
ENDED = 30.0  # the bound on "the process ended" (a loaded machine; the bot aims at 10 s)


async def ended(bot: asyncio.subprocess.Process) -> int:
    """Wait for the process to end (bounded); give its exit status."""
    async with asyncio.timeout(ENDED):
        return await bot.wait()


async def kill(bot: asyncio.subprocess.Process) -> None:
    """Make sure a process the test started is gone."""
    if bot.returncode is None:
        bot.send_signal(signal.SIGKILL)
        await bot.wait()


def tail(log: Path) -> str:
    """Give the end of the bot's log (to see why a stop went wrong)."""
    return log.read_text(encoding="utf-8", errors="replace")[-4000:]


def stop_lines(log: Path) -> list[str]:
    """List the bot's "stopped" lines."""
    text = log.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if "rencontre: stopped on " in line]


def config_for(emu: BotApiEmulator, tmp_path: Path) -> Path:
    return bot_config(
        tmp_path / "config.toml",
        emu,
        tmp_path / "r.sqlite3",
        f"""[event]
organisers = [{ORGANISER}]
[announcements]
enabled = false
""",
    )


async def polling_stopped(emu: BotApiEmulator) -> None:
    """Wait until the bot hung up its long poll (it stopped taking updates)."""
    async with asyncio.timeout(30):
        await emu.world.changes.wait_for(
            lambda: any(c.status == 499 for c in emu.observer.calls_to("getUpdates"))
        )


def holding(
    method: str, chat_id: int
) -> tuple[Callable[[ApiRequest], Awaitable[ApiReply | None]], asyncio.Event, asyncio.Event]:
    """An interceptor holding the bot's calls of `method` to a chat until released."""
    arrived, release = asyncio.Event(), asyncio.Event()

    async def hold(request: ApiRequest) -> ApiReply | None:
        if request.method == method and str(request.raw_params.get("chat_id")) == str(chat_id):
            arrived.set()
            await release.wait()
        return None

    return hold, arrived, release


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_while_idle_stops_cleanly(
    emu: BotApiEmulator, tmp_path: Path, signum: signal.Signals
) -> None:
    config = config_for(emu, tmp_path)
    log = tmp_path / "bot.log"
    with log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            await emu.observer.wait_for_poll(timeout=60)
            bot.send_signal(signum)
            status = await ended(bot)
        finally:
            await kill(bot)
    assert status == 0, tail(log)
    (line,) = stop_lines(log)
    assert f"stopped on {signum.name} in " in line
    assert "waited for 0 send(s) in flight" in line
    # The write-ahead log was folded into the database, which was closed
    wal = tmp_path / "r.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


async def test_a_handler_under_way_finishes_and_is_not_run_again(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config = config_for(emu, tmp_path)
    hold, arrived, release = holding("sendMessage", ALICE)
    emu.faults.add_interceptor(hold)
    log = tmp_path / "bot.log"
    with log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            await emu.observer.wait_for_poll(timeout=60)
            await emu.people.send_text(ALICE, "/help")
            async with asyncio.timeout(30):
                await arrived.wait()  # the handler is under way: its reply is on the wire
            bot.send_signal(signal.SIGTERM)
            await polling_stopped(emu)
            release.set()  # the reply is answered while the bot is stopping
            status = await ended(bot)
        finally:
            release.set()
            await kill(bot)
    assert status == 0, tail(log)
    (reply,) = emu.observer.messages(ALICE)
    assert reply.plain_text.startswith("Ce que je sais faire")
    (line,) = stop_lines(log)
    assert ", 1 handler(s) finished, 0 cut short" in line
    # The update is marked handled: the next start does not answer it again
    with contextlib.closing(sqlite3.connect(inbox_repo.beside(str(tmp_path / "r.sqlite3")))) as raw:
        assert inbox_repo.pending(raw) == []


async def test_a_handler_stuck_past_the_grace_is_cut_and_runs_again_at_the_next_start(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config = config_for(emu, tmp_path)
    hold, arrived, release = holding("sendMessage", ALICE)
    emu.faults.add_interceptor(hold)
    log, again = tmp_path / "bot.log", tmp_path / "bot-2.log"
    with log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            await emu.observer.wait_for_poll(timeout=60)
            await emu.people.send_text(ALICE, "/help")
            async with asyncio.timeout(30):
                await arrived.wait()
            bot.send_signal(signal.SIGTERM)  # its reply is never answered: the stop gives up
            status = await ended(bot)
        finally:
            await kill(bot)
    assert status == 0, tail(log)
    (line,) = stop_lines(log)
    assert ", 0 handler(s) finished, 1 cut short" in line
    emu.faults.remove_interceptor(hold)
    release.set()
    with again.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            (reply,) = await emu.observer.wait_for_messages(ALICE, 1, timeout=60)
            bot.send_signal(signal.SIGTERM)
            status = await ended(bot)
        finally:
            await kill(bot)
    assert status == 0, tail(again)
    assert reply.plain_text.startswith("Ce que je sais faire")
    assert "handling update" in again.read_text(encoding="utf-8")


async def test_a_send_unanswered_past_the_grace_is_uncertain_the_others_wait(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "r.sqlite3"
    config = config_for(emu, tmp_path)
    users = list(range(FIRST, FIRST + 3))
    await register(database, emu, users)
    stuck = users[1]
    hold, arrived, release = holding("sendMessage", stuck)
    emu.faults.add_interceptor(hold)
    log = tmp_path / "bot.log"
    with log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            await emu.observer.wait_for_poll(timeout=60)
            mark = emu.observer.mark(ORGANISER)
            await emu.people.send_text(ORGANISER, f"/broadcast {TEXT}")
            (choose,) = await emu.observer.wait_for_messages(ORGANISER, 1, timeout=30, after=mark)
            preview = await press(emu, choose, "bc:a:")
            sure = await press(emu, preview, "bc:ok:")
            await press(emu, sure, "bc:sure:")
            async with asyncio.timeout(30):
                await arrived.wait()  # its request left; no answer will come
            bot.send_signal(signal.SIGTERM)
            status = await ended(bot)
        finally:
            release.set()
            await kill(bot)
    assert status == 0, tail(log)
    state = await outbox_state(database)
    assert state["uncertain"] == [stuck], "it may have arrived: not sent again"
    assert "sending" not in state
    # Cut short by the stop, or timed out on its own just before: uncertain either way
    (line,) = stop_lines(log)
    assert "stopped on SIGTERM" in line


async def test_a_second_signal_during_the_stop_exits_at_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config = config_for(emu, tmp_path)
    hold, arrived, release = holding("sendMessage", ALICE)
    emu.faults.add_interceptor(hold)
    log = tmp_path / "bot.log"
    with log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            await emu.observer.wait_for_poll(timeout=60)
            await emu.people.send_text(ALICE, "/help")
            async with asyncio.timeout(30):
                await arrived.wait()
            bot.send_signal(signal.SIGTERM)
            await polling_stopped(emu)  # the stop is under way, waiting for the handler
            bot.send_signal(signal.SIGTERM)
            status = await ended(bot)
        finally:
            release.set()
            await kill(bot)
    assert status == EXIT_FORCED, tail(log)
    text = log.read_text(encoding="utf-8")
    forced = [line for line in text.splitlines() if "SIGTERM during the stop" in line]
    assert len(forced) == 1
    assert stop_lines(log) == []


async def register(database: Path, emu: BotApiEmulator, users: list[int]) -> None:
    """Make people who started the bot long ago: in the emulator and in the database."""
    db = await Database.open(database)
    try:
        async with db.transaction() as conn:
            for user in users:
                emu.cast.add_user(user, f"Personne {user - FIRST:03d}", language_code="fr")
                emu.world.users[user].started = True
                await participants_repo.upsert(
                    conn,
                    user_id=user,
                    first_name=f"Personne {user - FIRST:03d}",
                    last_name=None,
                    username=None,
                    language="fr",
                    now=from_db("2026-08-23T18:00:00+00:00"),
                )
    finally:
        await db.close()


async def test_sigterm_mid_broadcast_then_a_restart_sends_everyone_the_message_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    assert emu.flood_control  # Telegram's limits: the broadcast takes a while
    database = tmp_path / "r.sqlite3"
    config = config_for(emu, tmp_path)
    users = list(range(FIRST, FIRST + PEOPLE))
    await register(database, emu, users)

    def sent() -> int:
        return sum(
            1
            for c in emu.observer.calls_to("sendMessage")
            if c.status == 200 and str(c.params.get("chat_id")) != str(ORGANISER)
        )

    first_log, second_log = tmp_path / "bot-1.log", tmp_path / "bot-2.log"
    with first_log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            await emu.observer.wait_for_poll(timeout=60)
            mark = emu.observer.mark(ORGANISER)
            await emu.people.send_text(ORGANISER, f"/broadcast {TEXT}")
            (choose,) = await emu.observer.wait_for_messages(ORGANISER, 1, timeout=30, after=mark)
            preview = await press(emu, choose, "bc:a:")  # everyone
            assert f": {PEOPLE} destinataires." in preview.plain_text
            sure = await press(emu, preview, "bc:ok:")
            await press(emu, sure, "bc:sure:")
            async with asyncio.timeout(60):
                await emu.world.changes.wait_for(lambda: sent() >= STOP_AFTER)
            bot.send_signal(signal.SIGTERM)
            status = await ended(bot)
        finally:
            await kill(bot)
    assert status == 0, tail(first_log)
    before = sent()
    assert before < PEOPLE, "the signal came mid-broadcast"
    state = await outbox_state(database)
    assert "uncertain" not in state, "every request that left got its answer"
    assert "sending" not in state, "what had not left is back in the queue"
    assert len(state["sent"]) == before
    assert len(state["pending"]) == PEOPLE - before
    (line,) = stop_lines(first_log)
    assert "stopped on SIGTERM in " in line
    assert "0 left uncertain" in line
    assert "1 broadcast(s) to go on at the next start" in line

    mark = emu.observer.mark(ORGANISER)
    with second_log.open("wb") as err:
        bot = await start_bot(config, FIRST_MORNING, stderr=err)
        try:
            (report,) = await emu.observer.wait_for_messages(ORGANISER, 1, timeout=120, after=mark)
            bot.send_signal(signal.SIGINT)
            status = await ended(bot)
        finally:
            await kill(bot)
    assert status == 0, tail(second_log)
    assert report.plain_text.startswith(
        f"📬 Message envoyé (toutes les personnes inscrites)\n✅ {PEOPLE} reçus sur {PEOPLE}"
    )
    counts = {user: delivered(emu, user) for user in users}
    assert {u: n for u, n in counts.items() if n != 1} == {}, "everyone got it exactly once"
    assert {s: len(chats) for s, chats in (await outbox_state(database)).items()} == {
        "sent": PEOPLE
    }
    (line,) = stop_lines(second_log)
    assert "stopped on SIGINT in " in line
