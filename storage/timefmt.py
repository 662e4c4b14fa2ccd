"""How instants are stored: ISO 8601 in UTC, so that text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(when: datetime) -> str:
    """Give the stored form of an aware instant."""
    if when.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str) -> datetime:
    """Read a stored instant back, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)
