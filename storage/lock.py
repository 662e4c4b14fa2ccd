"""The run lock: one bot per database, and no restore under a running bot.

A running bot holds an exclusive `flock` on `<database>-lock`. The kernel drops it when the
holder's file is closed, which happens when the process ends however it ends (`kill -9`
included): a lock file left behind by a dead bot locks nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from storage.db import DatabaseError

SUFFIX = "-lock"


class AlreadyRunning(DatabaseError):
    """Another process holds the database's run lock."""


def lock_path(database: Path | str) -> Path | None:
    """Give the lock file of a database (None for a database in memory)."""
    text = str(database)
    if text == ":memory:" or text.startswith("file::memory:"):
        return None
    return Path(text + SUFFIX)


class RunLock:
    """An exclusive lock on a database, held while the bot runs (or a restore writes)."""

    def __init__(self, database: Path | str) -> None:
        self.database = str(database)
        self.path = lock_path(database)
        self._fd: int | None = None

    def take(self) -> RunLock:
        """Take the lock now, or raise AlreadyRunning naming the process that holds it."""
        if self.path is None or self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DatabaseError(
                f"{self.path}: cannot open the lock file ({exc.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise AlreadyRunning(
                f"{self.database}: a bot is already running on this database{who}"
            ) from None
        # Who holds it, for the message above (the lock is the flock, not this text)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the lock go (the file stays: removing it would race with the next taker)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Tell whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> RunLock:
        return self.take()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
