"""Backups while the bot writes, restores, their refusals, the nightly job and the run lock."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import BACKUP_JOB, schedule_backup
from bot.clock import FrozenClock, RehearsalClock
from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import ROOT, Harness, local_config
from storage.backup import (
    BackupError,
    back_up,
    back_up_to,
    backups_in,
    check_backup,
    next_backup,
    restore,
)
from storage.db import Database, latest_version
from storage.lock import AlreadyRunning, RunLock
from storage.wire import WireLog
from tests.conftest import ALICE, FIRST_MORNING, GROUP, PARIS
from tests.e2e.test_kill import bot_config, start_bot
from tests.e2e.test_storm import PROGRAMME  # a 20-place workshop

PEOPLE = 300
WAVE = 100  # presses sent at once (test_a_backup_during_a_storm_of_sign_ups...)
FIRST = 60_000
BUTTON = f"b:ws:{ref('populaire')}"


def booked(path: Path) -> list[int]:
    """Give the people booked in a database file, in the order of their bookings."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT user_id FROM booking ORDER BY seq")]
    finally:
        conn.close()


def integrity(path: Path) -> list[str]:
    """Give what PRAGMA integrity_check says of a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def rooms(path: Path) -> list[str]:
    """Give the rooms in a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM room ORDER BY name")]
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wire_of(path: Path) -> str:
    """Give the wire log beside a database file."""
    return Path(f"{path}-wire").read_text(encoding="ascii")


class Seen(logging.Handler):
    """Keep the records of a logger (those that start with `start`), and tell when one came."""

    def __init__(self, logger: str, level: int, start: str = "") -> None:
        super().__init__(level)
        self.start = start
        self.logger = logging.getLogger(logger)
        self.records: list[logging.LogRecord] = []
        self.came = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(self.start):
            return
        self.records.append(record)
        self.came.set()

    def __enter__(self) -> Seen:
        self.logger.addHandler(self)
        self._level = self.logger.level
        self.logger.setLevel(min(self.level, self.logger.getEffectiveLevel()))
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self._level)


async def test_a_backup_during_a_storm_of_sign_ups_holds_what_was_committed_and_restores(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "rencontre.sqlite3"
    folder = tmp_path / "backups"
    config = local_config(emu, database, extra={"announcements": {"enabled": False}})
    users = list(range(FIRST, FIRST + PEOPLE))
    for user in users:
        emu.cast.add_user(user, f"Personne {user - FIRST:03d}", language_code="fr")
        emu.cast.join_group(GROUP, user)
    taken: list[tuple[list[int], Path]] = []
    async with Harness.running(emu, config, FrozenClock(FIRST_MORNING)) as bot:
        await bot.services.programme.import_bytes(PROGRAMME.encode(), "storm.toml")
        (message,) = await bot.say(ALICE, "/workshop populaire", chat_id=GROUP)
        WireLog.beside(str(database)).record(7, 1)  # as the outbox writes it
        # The presses come in three waves of a hundred; a backup is taken once a wave's 31st
        # press is answered (each a second after the last), and the next wave is sent after
        # it. (Sent all at once, the 300 had all been answered before the first backup, once,
        # on a loaded machine: no backup during the storm.)
        queries: list[str] = []
        for n in range(3):
            wave = users[n * WAVE : (n + 1) * WAVE]
            queries += [
                await emu.people.press_button(u, message.message_id, BUTTON, chat_id=GROUP)
                for u in wave
            ]
            await emu.observer.wait_for_callback_answer(queries[n * WAVE + 30], timeout=60)
            before = booked(database)  # committed before the backup begins
            when = FIRST_MORNING + timedelta(seconds=n)
            made = await asyncio.to_thread(back_up, database, folder, when, 7)
            taken.append((before, made.path))
        for query in queries:
            await emu.observer.wait_for_callback_answer(query, timeout=60)
        await bot.settle(60)
        final = booked(database)

    assert final == users, "the storm went through: everyone booked, in press order"
    for before, path in taken:
        assert path.name.startswith("rencontre-20260824-0830")
        assert integrity(path) == ["ok"]
        in_backup = booked(path)
        # One moment of the database: the bookings are those of the first presses, in order
        assert in_backup == users[: len(in_backup)]
        assert len(in_backup) >= len(before), "every booking committed before it began"
        assert wire_of(path) == "7 1\n"
    assert [p.name for p in backups_in(folder)] == [p.name for _, p in taken]

    # The bot stopped, the first backup goes back in place of the database
    first = taken[0][1]
    WireLog.beside(str(database)).record(8, 1)
    done = restore(database, first, FIRST_MORNING + timedelta(hours=1))
    assert done.version == latest_version()
    assert done.kept == tmp_path / "rencontre.replaced-20260824-093000.sqlite3"
    assert booked(done.kept) == users, "the database it replaced is kept whole"
    assert wire_of(done.kept) == "7 1\n8 1\n", "with its wire log"
    assert wire_of(database) == "7 1\n", "the backup's wire log is back"
    db = await Database.open(database)  # as the bot opens it at its next start
    try:
        async with (
            db.read() as conn,
            conn.execute("SELECT user_id, status FROM booking ORDER BY seq") as cursor,
        ):
            rows = [(row["user_id"], row["status"]) for row in await cursor.fetchall()]
    finally:
        await db.close()
    restored = booked(first)
    assert len(restored) > 30
    assert rows == [(u, "in" if n < 20 else "waiting") for n, u in enumerate(restored)]


async def test_backups_keep_the_newest_and_refuse_a_folder_that_cannot_be_written(
    tmp_path: Path,
) -> None:
    database = tmp_path / "r.sqlite3"
    await (await Database.open(database)).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    cut_short = folder / "rencontre-20260823-033000.sqlite3.part"  # a stop came mid-backup
    cut_short.write_bytes(b"half")
    os.utime(cut_short, (time.time() - 7200, time.time() - 7200))
    start = datetime(2026, 8, 24, 3, 30, tzinfo=PARIS)
    for day in range(5):
        back_up(database, folder, start + timedelta(days=day), keep=3)
    assert [p.name for p in backups_in(folder)] == [
        "rencontre-20260826-033000.sqlite3",
        "rencontre-20260827-033000.sqlite3",
        "rencontre-20260828-033000.sqlite3",
    ]
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(BackupError, match="cannot make the backup folder"):
        back_up(database, blocked / "backups", start, keep=3)
    with pytest.raises(BackupError, match="cannot write the backup there"):
        back_up_to(database, blocked / "x.sqlite3")
    with pytest.raises(BackupError, match="already exists"):
        back_up_to(database, backups_in(folder)[0])


def test_the_next_backup_is_at_the_local_time_even_across_a_clock_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    evening = datetime(2026, 10, 24, 22, 0, tzinfo=paris)  # summer time ends that night
    due = next_backup(evening, "03:30", paris)
    assert due == datetime(2026, 10, 25, 3, 30, tzinfo=paris)
    assert due.utcoffset() == timedelta(hours=1)
    assert next_backup(due, "03:30", paris) == datetime(2026, 10, 26, 3, 30, tzinfo=paris)
    # The instant itself is past: strictly after
    assert next_backup(due - timedelta(microseconds=1), "03:30", paris) == due


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run run.py as an operator would."""
    env = {k: v for k, v in os.environ.items() if k != "RENCONTRE_TOKEN"}
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_config(tmp_path: Path, backups: str = "backups") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\ndatabase = "data/r.sqlite3"\n[backup]\ndirectory = "{backups}"\nkeep = 2\n',
        encoding="utf-8",
    )
    return path


def refused(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and reason in result.stderr, result.stderr


async def test_the_command_line_backs_up_restores_and_refuses_bad_input(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    database = tmp_path / "data" / "r.sqlite3"
    database.parent.mkdir()
    db = await Database.open(database)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO room (name) VALUES ('Chapiteau')")
    await db.close()

    made = await asyncio.to_thread(cli, "backup", "--config", str(config))
    assert made.returncode == 0, made.stderr
    (backup,) = backups_in(tmp_path / "backups")
    assert made.stdout.startswith(f"backup: {backup} (")
    one = tmp_path / "one.sqlite3"
    assert (
        await asyncio.to_thread(cli, "backup", "--to", str(one), "--config", str(config))
    ).returncode == 0
    assert integrity(one) == ["ok"]
    db = await Database.open(database)  # a change after the backup
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO room (name) VALUES ('Ponton')")
    await db.close()

    # Bad input: one line, exit 2, nothing changed
    before = digest(database)
    refused(
        await asyncio.to_thread(cli, "backup", "--to", str(one), "--config", str(config)),
        "already exists",
    )
    refused(
        await asyncio.to_thread(
            cli, "backup", "--config", str(write_config(tmp_path, "config.toml/b"))
        ),
        "cannot make the backup folder",
    )
    config = write_config(tmp_path)
    refused(
        await asyncio.to_thread(cli, "restore", str(config), "--config", str(config)),
        "not a SQLite database",
    )
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(one.read_bytes())
    with closing(sqlite3.connect(newer)) as raw:
        raw.execute(f"PRAGMA user_version = {latest_version() + 1}")
    refused(
        await asyncio.to_thread(cli, "restore", str(newer), "--config", str(config)),
        "newer Rencontre",
    )
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as raw:
        raw.execute("CREATE TABLE t (x)")
    refused(
        await asyncio.to_thread(cli, "restore", str(other), "--config", str(config)),
        "not a Rencontre database",
    )
    with RunLock(database):
        refused(
            await asyncio.to_thread(cli, "restore", str(one), "--config", str(config)),
            "already running",
        )
    assert digest(database) == before
    assert sorted(p.name for p in database.parent.iterdir()) == ["r.sqlite3", "r.sqlite3-lock"]
    assert backups_in(tmp_path / "backups") == [backup]

    done = await asyncio.to_thread(cli, "restore", str(one), "--config", str(config))
    assert done.returncode == 0, done.stderr
    (kept,) = database.parent.glob("r.replaced-*.sqlite3")
    assert done.stdout.endswith(f"the database it replaced is kept as {kept}\n")
    assert check_backup(database) == latest_version()
    assert rooms(database) == ["Chapiteau"], "as it was at the backup"
    assert rooms(kept) == ["Chapiteau", "Ponton"]


async def test_the_nightly_backup_runs_at_its_local_time_on_the_bots_clock(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        extra={"announcements": {"enabled": False}, "backup": {"at": "03:30", "keep": 2}},
    )
    clock = RehearsalClock(datetime(2026, 8, 25, 2, 0, tzinfo=PARIS), speed=60)
    folder = config.backup.directory
    assert folder is not None
    with Seen("bot.app", logging.INFO, "nightly backup") as seen:
        async with Harness.running(emu, config, clock) as bot:
            # 10 s of the night before 03:30, on a clock 60 times faster: a sixth of a second
            clock.jump_to(datetime(2026, 8, 25, 3, 29, 50, tzinfo=PARIS))
            schedule_backup(bot.app)
            assert backups_in(folder) == []
            await asyncio.wait_for(seen.came.wait(), timeout=60)
            jobs = bot.app.job_queue.get_jobs_by_name(BACKUP_JOB)  # type: ignore[union-attr]
    (made,) = backups_in(folder)
    # At 03:30 on the bot's clock (a slow machine may start it a little late, never early)
    assert "rencontre-20260825-033000" <= made.name < "rencontre-20260825-043000"
    assert integrity(made) == ["ok"]
    said = [r.getMessage() for r in seen.records]
    assert said == [f"nightly backup: {made}, {made.stat().st_size} bytes"]
    # and the next night's is armed
    assert [job.data for job in jobs] == [datetime(2026, 8, 26, 3, 30, tzinfo=PARIS)]


async def test_a_failed_nightly_backup_is_an_error_and_the_bot_goes_on(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        extra={"announcements": {"enabled": False}, "backup": {"directory": str(blocked / "b")}},
    )
    clock = RehearsalClock(datetime(2026, 8, 25, 2, 0, tzinfo=PARIS), speed=60)
    with Seen("", logging.ERROR) as errors:
        async with Harness.running(emu, config, clock) as bot:
            clock.jump_to(datetime(2026, 8, 25, 3, 29, 50, tzinfo=PARIS))
            schedule_backup(bot.app)
            await asyncio.wait_for(errors.came.wait(), timeout=60)
            (answer,) = await bot.say(ALICE, "/help")
            jobs = bot.app.job_queue.get_jobs_by_name(BACKUP_JOB)  # type: ignore[union-attr]
    (error,) = errors.records
    assert error.exc_info is not None
    assert isinstance(error.exc_info[1], BackupError)
    assert "cannot make the backup folder" in str(error.exc_info[1])
    assert answer.text, "the bot still answers"
    assert [job.data for job in jobs] == [datetime(2026, 8, 26, 3, 30, tzinfo=PARIS)]


def test_the_run_lock_is_exclusive_and_dies_with_its_holder(tmp_path: Path) -> None:
    database = tmp_path / "r.sqlite3"
    with RunLock(database), pytest.raises(AlreadyRunning, match=f"process {os.getpid()}"):
        RunLock(database).take()
    with RunLock(database) as lock:
        assert lock.held


async def test_a_second_bot_on_the_same_database_refuses_to_start(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "r.sqlite3"
    config = bot_config(
        tmp_path / "config.toml", emu, database, "[announcements]\nenabled = false\n"
    )
    first = await start_bot(config)
    try:
        await emu.observer.wait_for_poll(timeout=60)
        second = await start_bot(config, stderr=asyncio.subprocess.PIPE)
        _, said = await asyncio.wait_for(second.communicate(), timeout=60)
        assert second.returncode == 2
        running = f"{database}: a bot is already running on this database (process {first.pid})"
        assert said.decode() == f"error: {running}\n"

        # A backup works while it runs; a restore does not
        copy = tmp_path / "copy.sqlite3"
        made = await asyncio.to_thread(cli, "backup", "--to", str(copy), "--config", str(config))
        assert made.returncode == 0, made.stderr
        assert integrity(copy) == ["ok"]
        refused(
            await asyncio.to_thread(cli, "restore", str(copy), "--config", str(config)),
            "already running",
        )
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    # Killed without warning, it holds nothing any more
    done = await asyncio.to_thread(cli, "restore", str(copy), "--config", str(config))
    assert done.returncode == 0, done.stderr
