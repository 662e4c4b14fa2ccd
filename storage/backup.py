"""Backups and restores of the database, with SQLite's online backup API (never a file copy).

A backup reads the database through a connection of its own, in one step of the backup API:
one read transaction, so the copy is the database as it stood at one commit, whatever the bot
writes meanwhile (in WAL mode the bot's writes do not wait for it, nor it for them). The copy
is written beside its final name and renamed once whole, so a file named
`rencontre-YYYYMMDD-HHMMSS.sqlite3` is always a whole backup. The wire log (`<database>-wire`,
see storage/wire.py) is copied after the database, beside the backup: a line written between
the two only makes a message count as maybe sent (not sent again), never the other way round.

A restore refuses while a bot runs on the database (storage/lock.py), checks the file first
(a SQLite database, whole, a Rencontre one, not newer than this code), and keeps the database
it replaces, renamed with the time of the restore, with its wire log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from storage.db import BUSY_TIMEOUT_MS, DatabaseError, latest_version
from storage.lock import RunLock
from storage.wire import SUFFIX as WIRE_SUFFIX

PREFIX = "rencontre-"
EXTENSION = ".sqlite3"
PATTERN = f"{PREFIX}*{EXTENSION}"
PARTIAL = ".part"
SIDECARS = ("-wal", "-shm", WIRE_SUFFIX)
STALE_PARTIAL_SECONDS = 3600
# Tables every Rencontre database has had since its first version
RENCONTRE_TABLES = ("participant", "workshop")


class BackupError(DatabaseError):
    """A backup or a restore cannot be done; the message is one line that says why."""


@dataclass(frozen=True)
class Backup:
    """A backup made: where, how big, how long it took."""

    path: Path
    size: int
    seconds: float
    wire: Path | None


@dataclass(frozen=True)
class Restored:
    """A restore done: from which file, at which schema version, and what it set aside."""

    source: Path
    version: int
    kept: Path | None


def backup_name(when: datetime) -> str:
    """Name a backup after the instant it was taken (local time of the event)."""
    return f"{PREFIX}{when:%Y%m%d-%H%M%S}{EXTENSION}"


def next_backup(after: datetime, at: str, tz: ZoneInfo) -> datetime:
    """Give the first instant strictly after `after` when the local clock reads `at` (HH:MM)."""
    hours, minutes = (int(part) for part in at.split(":"))
    day: date = after.astimezone(tz).date()
    while True:
        due = datetime.combine(day, clock_time(hours, minutes), tzinfo=tz)
        if due > after:
            return due
        day += timedelta(days=1)


def backups_in(directory: Path) -> list[Path]:
    """List the backups in a folder, oldest first (their names sort by time)."""
    return sorted(p for p in directory.glob(PATTERN) if p.is_file())


def back_up(database: Path, directory: Path, when: datetime, keep: int | None = None) -> Backup:
    """Back the database up into `directory` under its timestamped name; keep the newest `keep`."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{directory}: cannot make the backup folder ({_why(exc)})") from None
    made = back_up_to(database, directory / backup_name(when))
    if keep is not None:
        prune(directory, keep)
    return made


def back_up_to(database: Path, target: Path) -> Backup:
    """Back the database up into the file `target` (which must not exist yet)."""
    began = time.perf_counter()
    if not database.is_file():
        raise BackupError(f"{database}: no database there to back up")
    if target.exists():
        raise BackupError(f"{target}: already exists; choose another name")
    partial = target.with_name(target.name + PARTIAL)
    try:
        _copy(_connect(database), partial)
        wire = _copy_wire(database, target)
        partial.replace(target)
        _sync_folder(target.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise BackupError(f"{target}: cannot write the backup there ({_why(exc)})") from None
    except sqlite3.Error as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise BackupError(f"{database}: the backup failed ({exc})") from None
    return Backup(target, target.stat().st_size, time.perf_counter() - began, wire)


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (and their wire logs); give what went."""
    gone = backups_in(directory)[:-keep] if keep > 0 else backups_in(directory)
    # A backup cut short by a stop leaves its partial file (none is this old while being written)
    stale = time.time() - STALE_PARTIAL_SECONDS
    for partial in directory.glob(PATTERN + PARTIAL):
        with contextlib.suppress(FileNotFoundError):
            if partial.stat().st_mtime < stale:
                gone.append(partial)
    for path in gone:
        for file in (path, Path(str(path) + WIRE_SUFFIX)):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()
    return gone


def check_backup(source: Path) -> int:
    """Check that a file is a whole Rencontre database this code can use; give its version."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        conn = _connect(source, read_only=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: cannot be opened as a database ({exc})") from None
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {
            str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: not a SQLite database ({exc})") from None
    finally:
        conn.close()
    if problems != ["ok"]:
        raise BackupError(f"{source}: the database is damaged (integrity check: {problems[0]})")
    if version < 1 or not set(RENCONTRE_TABLES) <= tables:
        raise BackupError(f"{source}: not a Rencontre database")
    latest = latest_version()
    if version > latest:
        raise BackupError(
            f"{source}: made by a newer Rencontre (schema version {version}; this code knows "
            f"up to {latest}); upgrade Rencontre before restoring it"
        )
    return version


def restore(database: Path, source: Path, when: datetime) -> Restored:
    """Put the backup `source` in place of the database; keep the one it replaces."""
    if database.exists() and source.resolve() == database.resolve():
        raise BackupError(f"{source}: this is the database itself, not a backup of it")
    version = check_backup(source)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            f"{database.parent}: cannot make the database folder ({_why(exc)})"
        ) from None
    with RunLock(database):  # refuses while a bot runs, and keeps one from starting meanwhile
        incoming = database.with_name(database.name + ".restoring")
        try:
            _copy(_connect(source, read_only=True), incoming)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                incoming.unlink()
            why = _why(exc) if isinstance(exc, OSError) else str(exc)
            raise BackupError(f"{database}: cannot write the restored database ({why})") from None
        try:
            kept = _set_aside(database, when) if database.exists() else None
            incoming.replace(database)
            wire = Path(str(source) + WIRE_SUFFIX)
            if wire.is_file():
                shutil.copyfile(wire, str(database) + WIRE_SUFFIX)
            _sync_folder(database.parent)
        except OSError as exc:
            raise BackupError(f"{database}: the restore stopped half-way ({_why(exc)})") from None
    return Restored(source, version, kept)


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy a database in one step of the backup API: one read transaction, one snapshot."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    try:
        dest = sqlite3.connect(str(target), isolation_level=None)
        try:
            # A file nobody reads until it is whole and synced (below): no journal, no syncs
            dest.execute("PRAGMA journal_mode=OFF")
            dest.execute("PRAGMA synchronous=OFF")
            source.backup(dest, pages=-1)
            # A file of its own: no -wal beside it to forget when it is moved or copied
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        source.close()
    with target.open("rb+") as f:
        os.fsync(f.fileno())


def _copy_wire(database: Path, target: Path) -> Path | None:
    wire = Path(str(database) + WIRE_SUFFIX)
    copy = Path(str(target) + WIRE_SUFFIX)
    try:
        shutil.copyfile(wire, copy)
    except FileNotFoundError:
        if not wire.exists():
            return None
        raise
    return copy


def _set_aside(database: Path, when: datetime) -> Path:
    """Rename the database and its companions with the time, the database checkpointed first."""
    with contextlib.suppress(sqlite3.Error):
        # Fold the WAL into the file, so the kept database is one file (when it can be opened)
        conn = _connect(database)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    stamp = f"{when:%Y%m%d-%H%M%S}"
    kept = database.with_name(f"{database.stem}.replaced-{stamp}{database.suffix}")
    database.replace(kept)
    for suffix in SIDECARS:
        companion = Path(str(database) + suffix)
        if companion.exists():
            companion.replace(str(kept) + suffix)
    return kept


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
