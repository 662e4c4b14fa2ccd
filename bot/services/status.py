"""/status: how the bot is doing, for the organisers, in one short message."""

from __future__ import annotations

import importlib.metadata
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.clock import Clock
from bot.domain.errors import DomainError
from bot.domain.status import ApiFailure, Backup, Status
from bot.services.people import PeopleService
from storage import status as repo
from storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
BACKUP_PATTERN = "rencontre-*.sqlite3"
# Answers that say a call was not needed, not that it failed
BENIGN = ("message is not modified",)


def version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """Give the project's version: pyproject's, else the installed package's, else "?"."""
    try:
        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, tomllib.TOMLDecodeError, KeyError):
        pass
    try:
        return importlib.metadata.version("rencontre")
    except importlib.metadata.PackageNotFoundError:
        return "?"


class ApiFailures:
    """Remember the last Bot API call that was refused or failed (since the bot started)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.last: ApiFailure | None = None

    def note(self, method: str, error: str) -> None:
        """Record a refused or failed call (an answer that only says "nothing to do" is not)."""
        if any(benign in error.lower() for benign in BENIGN):
            return
        self.last = ApiFailure(method, error, self._clock.now())


def newest_backup(directory: Path | None, now: float) -> Backup | None:
    """Find the newest `rencontre-*.sqlite3` in the backup folder (None: none yet)."""
    if directory is None or not directory.is_dir():
        return None
    found = []
    for path in directory.glob(BACKUP_PATTERN):
        try:
            found.append((path.stat().st_mtime, path.name))
        except OSError:
            continue  # removed while we looked
    if not found:
        return None
    mtime, name = max(found)
    return Backup(name, timedelta(seconds=max(0.0, now - mtime)))


def database_bytes(path: str) -> int:
    """Give the database file's size, its write-ahead log included."""
    total = 0
    for name in (path, f"{path}-wal"):
        try:
            total += Path(name).stat().st_size
        except OSError:
            continue
    return total


@dataclass(frozen=True, slots=True)
class Health:
    """What /healthz says: the version, and the messages due and not sent yet."""

    version: str
    backlog: int


class StatusService:
    """Gather the bot's health for an organiser."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleService,
        failures: ApiFailures,
        backup_directory: Path | None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = people
        self.failures = failures
        self._backups = backup_directory
        self._monotonic = monotonic
        self._wall = wall
        self._started = monotonic()
        self._version = version()

    async def status(self, actor: int) -> Status:
        """Give the bot's health (organisers only)."""
        if not self._people.is_organiser(actor):
            raise DomainError("common.not_allowed")
        now = self._clock.now()
        async with self._db.read() as conn:
            items = await repo.items(conn)
            people, unreachable = await repo.people(conn)
            backlog = await repo.backlog(conn, now)
            planned = await repo.planned(conn, now)
        return Status(
            version=self._version,
            uptime=timedelta(seconds=self._monotonic() - self._started),
            items=items,
            people=people,
            unreachable=unreachable,
            backlog=backlog,
            planned=planned,
            last_failure=self.failures.last,
            database_bytes=database_bytes(self._db.path),
            backup=newest_backup(self._backups, self._wall()),
        )

    async def health(self) -> Health:
        """Give the version and the outbox backlog (raises if the database cannot be read)."""
        async with self._db.read() as conn:
            backlog = await repo.backlog(conn, self._clock.now())
        return Health(self._version, sum(backlog.values()))
