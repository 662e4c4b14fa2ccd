"""Changes a facilitator or an organiser makes to an item: pure, checked, described."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.models import Workshop

MAX_SHIFT_MINUTES = 24 * 60
MAX_NOTE = 500
MAX_ROOM = 80


class ChangeKind(StrEnum):
    """What can change."""

    ROOM = "room"
    SHIFT = "shift"
    LATE = "late"
    CAPACITY = "capacity"
    CANCEL = "cancel"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one item; `value` is a room, a number of minutes or places, or a note."""

    item_id: str
    kind: ChangeKind
    value: str = ""


def check(change: Change) -> Change:
    """Refuse a change whose value makes no sense."""
    if change.kind is ChangeKind.ROOM:
        room = " ".join(change.value.split())
        if not room or len(room) > MAX_ROOM:
            raise DomainError("change.bad_room", limit=MAX_ROOM)
        return dataclasses.replace(change, value=room)
    if change.kind in (ChangeKind.SHIFT, ChangeKind.LATE):
        try:
            minutes = int(change.value.strip().removeprefix("+"))
        except ValueError:
            raise DomainError("change.bad_minutes") from None
        if (
            minutes == 0
            or abs(minutes) > MAX_SHIFT_MINUTES
            or (change.kind is ChangeKind.LATE and minutes < 0)
        ):
            raise DomainError("change.bad_minutes")
        return dataclasses.replace(change, value=str(minutes))
    if change.kind is ChangeKind.CAPACITY:
        try:
            places = int(change.value.strip())
        except ValueError:
            raise DomainError("change.bad_capacity") from None
        if not 1 <= places <= 10_000:
            raise DomainError("change.bad_capacity")
        return dataclasses.replace(change, value=str(places))
    if change.kind is ChangeKind.NOTE:
        note = change.value.strip()
        if not note or len(note) > MAX_NOTE:
            raise DomainError("change.bad_note", limit=MAX_NOTE)
        return dataclasses.replace(change, value=note)
    return change


def apply(item: Workshop, change: Change) -> Workshop | None:
    """Give the item as it is after the change (None: cancelled)."""
    if change.kind is ChangeKind.CANCEL:
        return None
    if change.kind is ChangeKind.ROOM:
        return dataclasses.replace(item, room=change.value)
    if change.kind is ChangeKind.SHIFT:
        delta = timedelta(minutes=int(change.value))
        return dataclasses.replace(item, start=item.start + delta, end=item.end + delta)
    if change.kind is ChangeKind.LATE:
        delta = timedelta(minutes=int(change.value))
        return dataclasses.replace(item, start=item.start + delta, end=item.end + delta)
    if change.kind is ChangeKind.CAPACITY:
        return dataclasses.replace(item, capacity=int(change.value))
    note = f"📝 {change.value}"
    description = f"{item.description}\n\n{note}" if item.description else note
    return dataclasses.replace(item, description=description)


def summary(item: Workshop | None) -> dict[str, object]:
    """Describe an item for the audit log."""
    if item is None:
        return {"cancelled": True}
    return {
        "title": item.title,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "room": item.room,
        "capacity": item.capacity,
    }
