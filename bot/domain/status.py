"""What /status shows: the result type of the status service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ApiFailure:
    """A Bot API call Telegram refused, or that could not be made."""

    method: str
    error: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Backup:
    """The newest backup file."""

    name: str
    age: timedelta


@dataclass(frozen=True, slots=True)
class Status:
    """What /status shows."""

    version: str
    uptime: timedelta
    items: int
    people: int
    unreachable: int
    backlog: dict[str, int]
    planned: int
    last_failure: ApiFailure | None
    database_bytes: int
    backup: Backup | None
