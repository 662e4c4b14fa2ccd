"""Issue 11: how long SIGTERM takes to stop the bot in the middle of a broadcast.

The bot runs as a process of its own (run.py) against the emulator, flood control on. The
figure is the time from SIGTERM to the end of the process while a broadcast to 2,000 people
is going out, as a ratio to the baseline measured in the same run: SIGTERM to the end of the
same bot, idle. Each is measured `ROUNDS` times, on a fresh database each time; the medians are
compared. After the last round the bot is started again and finishes the broadcast; the run
checks that the stops left nothing `uncertain` or `sending` and that nobody got the message
twice.

    .venv/bin/python -m bench.stop            # 2,000 recipients, about 4 minutes
    .venv/bin/python -m bench.stop 500        # a shorter run
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import code_version, machine
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import ROOT
from bot.sandbox.records import SentMessage
from storage import participants as participants_repo
from storage.db import Database
from storage.timefmt import from_db

ORGANISER = 9001
FIRST = 200_000
ROUNDS = 5
STOP_AFTER = 300  # messages delivered before the signal
NOW = datetime(2026, 8, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
TEXT = "Rappel : la plage est surveillée de 11 h à 19 h. Bonne baignade !"


def write_config(folder: Path, emu: BotApiEmulator) -> Path:
    """Write a config for the bot process: the emulator, a database in `folder`."""
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{emu.token}"
api_base_url = "{emu.base_url}"
api_file_url = "{emu.base_file_url}"
[storage]
database = "{folder / "r.sqlite3"}"
[event]
organisers = [{ORGANISER}]
[announcements]
enabled = false
""",
        encoding="utf-8",
    )
    return path


async def register(database: Path, users: list[int]) -> None:
    """Register people who started the bot long ago, straight into the database."""
    db = await Database.open(database)
    try:
        async with db.transaction() as conn:
            for user in [ORGANISER, *users]:
                await participants_repo.upsert(
                    conn,
                    user_id=user,
                    first_name=f"Personne {user - FIRST:04d}",
                    last_name=None,
                    username=None,
                    language="fr",
                    now=from_db("2026-08-24T18:00:00+00:00"),
                )
    finally:
        await db.close()


async def start(config: Path, log: Path) -> asyncio.subprocess.Process:
    """Start run.py as its own process, its log in a file."""
    env = {k: v for k, v in os.environ.items() if k != "RENCONTRE_TOKEN"}
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run.py"),
            "--config",
            str(config),
            "--now",
            NOW.isoformat(),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
        )


async def stop(bot: asyncio.subprocess.Process) -> tuple[float, int]:
    """Send SIGTERM; give the seconds until the process ended, and its exit status."""
    began = time.perf_counter()
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(60):
        status = await bot.wait()
    return time.perf_counter() - began, status


def stop_line(log: Path) -> str:
    """Give the bot's last "stopped" line (what it says it waited for)."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if "stopped on" in line]
    return lines[-1].split("rencontre: ", 1)[-1] if lines else "(no stop line)"


async def press(emu: BotApiEmulator, message: SentMessage, prefix: str) -> SentMessage:
    """Press the organiser's button whose data starts with `prefix`; give the message."""
    data = next(d for _, d in message.buttons if d and d.startswith(prefix))
    edits = len(message.edits)
    query = await emu.people.press_button(ORGANISER, message.message_id, data)
    await emu.observer.wait_for_callback_answer(query, timeout=60)
    if prefix.startswith("bc:sure"):
        return message
    return await emu.observer.wait_for_edit(ORGANISER, message.message_id, timeout=60, after=edits)


def delivered(emu: BotApiEmulator, since: int) -> int:
    """Count the broadcast messages delivered since the `since`-th call."""
    return sum(
        1
        for c in emu.calls[since:]
        if c.method == "sendMessage"
        and c.status == 200
        and str(c.params.get("chat_id")) != str(ORGANISER)
    )


async def outbox(database: Path) -> dict[str, int]:
    """Count the outbox's messages by status (the bot is down)."""
    db = await Database.open(database)
    try:
        async with (
            db.read() as conn,
            conn.execute("SELECT status, count(*) FROM outbox GROUP BY status") as cursor,
        ):
            return {row[0]: row[1] for row in await cursor.fetchall()}
    finally:
        await db.close()


async def idle_round(emu: BotApiEmulator, folder: Path, users: list[int]) -> float:
    """SIGTERM to a bot doing nothing; give the time to exit."""
    config = write_config(folder, emu)
    await register(folder / "r.sqlite3", users)
    log = folder / "bot.log"
    bot = await start(config, log)
    await emu.observer.wait_for_poll(timeout=120)
    took, status = await stop(bot)
    print(f"  idle: {took:.2f} s, exit {status}; {stop_line(log)}")
    return took


def text(n: int) -> str:
    """Write round n's broadcast (each round's is its own, to count them apart)."""
    return f"{TEXT} (n° {n + 1})"


async def broadcast_round(
    emu: BotApiEmulator, folder: Path, users: list[int], n: int
) -> tuple[float, dict[str, int]]:
    """SIGTERM mid-broadcast; give the time to exit and the outbox by status afterwards."""
    config = write_config(folder, emu)
    await register(folder / "r.sqlite3", users)
    log = folder / "bot.log"
    bot = await start(config, log)
    await emu.observer.wait_for_poll(timeout=120)
    mark = emu.observer.mark(ORGANISER)
    await emu.people.send_text(ORGANISER, f"/broadcast {text(n)}")
    (choose,) = await emu.observer.wait_for_messages(ORGANISER, 1, timeout=60, after=mark)
    since = len(emu.calls)
    preview = await press(emu, choose, "bc:a:")
    sure = await press(emu, preview, "bc:ok:")
    await press(emu, sure, "bc:sure:")
    async with asyncio.timeout(120):
        await emu.world.changes.wait_for(lambda: delivered(emu, since) >= STOP_AFTER)
    took, status = await stop(bot)
    state = await outbox(folder / "r.sqlite3")
    print(
        f"  broadcast: {took:.2f} s, exit {status}; {delivered(emu, since)} delivered; "
        f"outbox {state}; {stop_line(log)}"
    )
    return took, state


async def finish(emu: BotApiEmulator, folder: Path, users: list[int], n: int) -> dict[int, int]:
    """Start round n's bot again, let it finish the broadcast; count who got it how often."""
    log = folder / "bot.log"
    mark = emu.observer.mark(ORGANISER)
    bot = await start(folder / "config.toml", log)
    try:
        await emu.observer.wait_for_messages(ORGANISER, 1, timeout=600, after=mark)  # the report
    finally:
        await stop(bot)
    ending = f"\n\n{text(n)}"
    return {
        u: sum(1 for m in emu.observer.messages(u) if m.plain_text.endswith(ending)) for u in users
    }


async def run(people: int) -> None:
    """Measure the idle stop and the stop mid-broadcast, one after the other."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"bench.stop: SIGTERM to the bot, idle and during a broadcast to {people} people")
    print(machine())
    print(code_version())
    print("Emulator flood control is ON: at most 30 messages in any second, 429 otherwise.")
    print(f"{ROUNDS} rounds of each, a fresh database each time; signal after {STOP_AFTER} sent.\n")
    emu = BotApiEmulator(flood_control=True)
    await emu.start()
    users = list(range(FIRST, FIRST + people))
    for user in [ORGANISER, *users]:
        emu.cast.add_user(user, f"Personne {user - FIRST:04d}", language_code="fr")
        emu.world.users[user].started = True
    idle: list[float] = []
    busy: list[float] = []
    states: list[dict[str, int]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in range(ROUNDS):
                folder = Path(tmp) / f"idle-{n}"
                folder.mkdir()
                idle.append(await idle_round(emu, folder, users))
                folder = Path(tmp) / f"broadcast-{n}"
                folder.mkdir()
                took, state = await broadcast_round(emu, folder, users, n)
                busy.append(took)
                states.append(state)
            print(f"  restarting round {ROUNDS}'s bot to finish its broadcast")
            got = await finish(emu, folder, users, ROUNDS - 1)
            after = await outbox(folder / "r.sqlite3")
    finally:
        await emu.stop()
    base, figure = statistics.median(idle), statistics.median(busy)
    print()
    print(
        f"SIGTERM to exit, idle (baseline), median of {ROUNDS}: {base:.2f} s "
        f"(from {min(idle):.2f} to {max(idle):.2f})"
    )
    print(
        f"SIGTERM to exit, mid-broadcast,  median of {ROUNDS}: {figure:.2f} s "
        f"(from {min(busy):.2f} to {max(busy):.2f})"
    )
    print(f"ratio: {figure / base:.2f}")
    unsure = sum(s.get("uncertain", 0) + s.get("sending", 0) for s in states)
    print(f"rows the stops left uncertain or sending: {unsure} (goal 0)")
    twice = sum(1 for n in got.values() if n > 1)
    missed = sum(1 for n in got.values() if n == 0)
    print(
        f"round {ROUNDS}'s broadcast after the restart: outbox {after}; got it twice: {twice}, "
        f"never: {missed} (goal 0 and 0)"
    )


def main() -> None:
    """Run the benchmark."""
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    asyncio.run(run(people))


if __name__ == "__main__":
    main()
