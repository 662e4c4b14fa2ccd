"""The wire log: which outbox messages had been allowed to leave for Telegram.

The outbox writes a line here (message id and attempt) at the moment a send is allowed to
leave, just before its request goes out, and reads it back at the next start to tell the
messages that may have reached Telegram from those that surely did not. It is a plain
append-only file beside the database, written with one `os.write` and no fsync: the kernel
holds the bytes as soon as the call returns, so they survive the process being killed at any
moment (the failure this is for), and the write costs microseconds, with no wait on the
database. After a power cut the last lines may be lost: a message then may go twice.

A database in memory (tests) has its wire log in memory too.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = "-wire"


class WireLog:
    """Append (message id, attempt) pairs; read them back; start afresh."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        self._memory: set[tuple[int, int]] = set()

    @classmethod
    def beside(cls, database: str) -> WireLog:
        """Keep the log next to a database file (in memory for an in-memory database)."""
        if database == ":memory:" or database.startswith("file::memory:"):
            return cls(None)
        return cls(Path(database + SUFFIX))

    def record(self, message_id: int, attempt: int) -> None:
        """Write down that this attempt at a message is leaving now."""
        if self.path is None:
            self._memory.add((message_id, attempt))
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._fd, f"{message_id} {attempt}\n".encode("ascii"))

    def read(self) -> set[tuple[int, int]]:
        """Give every (message id, attempt) written since the log was last cleared."""
        if self.path is None:
            return set(self._memory)
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return set()
        found: set[tuple[int, int]] = set()
        for line in text.splitlines():
            parts = line.split()
            # A kill does not cut a write of a few bytes to a local file in two, so a line is
            # whole or absent; anything malformed is skipped (its message goes again).
            if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                found.add((int(parts[0]), int(parts[1])))
            else:
                log.warning("%s: skipped a malformed line %r", self.path, line)
        return found

    def clear(self) -> None:
        """Start afresh (once what it said has been settled in the database)."""
        self.close()
        self._memory.clear()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def close(self) -> None:
        """Close the file (the next record opens it again)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
