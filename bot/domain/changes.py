"""Changes a facilitator or an organiser makes to an item: pure, checked, described."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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


@dataclass(frozen=True, slots=True)
class Made:
    """A change made in chat, as the log keeps it: the change, and the item's summary before."""

    change: Change
    before: Mapping[str, object]


def logged(
    item_id: str,
    action: str,
    value: str | None,
    before: Mapping[str, object],
    after: Mapping[str, object],
) -> Made | None:
    """Read a change back from the log (None: not a change to carry over).

    Logs older than version 8 lack the value: it is worked out from the summaries where it
    can be (a note's text cannot).
    """
    try:
        kind = ChangeKind(action)
    except ValueError:
        return None
    if value is None:
        if kind is ChangeKind.ROOM and isinstance(after.get("room"), str):
            value = str(after["room"])
        elif kind is ChangeKind.CAPACITY and isinstance(after.get("capacity"), int):
            value = str(after["capacity"])
        elif kind in (ChangeKind.SHIFT, ChangeKind.LATE):
            start, moved = _when(before, "start"), _when(after, "start")
            if start is None or moved is None:
                return None
            value = str(int((moved - start).total_seconds() // 60))
        elif kind is ChangeKind.CANCEL:
            value = ""
        else:
            return None
    return Made(Change(item_id, kind, value), before)


def _when(summary: Mapping[str, object], key: str) -> datetime | None:
    value = summary.get(key)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _unaware(item: Workshop, made: Made) -> bool:
    """Tell whether the file still has the item as it was before the change (so lacks it)."""
    kind, before = made.change.kind, made.before
    if kind is ChangeKind.ROOM:
        return item.room == before.get("room")
    if kind is ChangeKind.CAPACITY:
        return item.capacity == before.get("capacity")
    if kind is ChangeKind.NOTE:
        return f"📝 {made.change.value}" not in item.description
    # a time change or a cancellation: the file has the item at its old time
    return item.start == _when(before, "start") and item.end == _when(before, "end")


def carry_over(
    workshops: Sequence[Workshop], made: Sequence[Made]
) -> tuple[tuple[Workshop, ...], tuple[str, ...]]:
    """Make again, on a programme read from a file, the changes made in chat it does not know.

    A re-import must not undo a room move or a cancellation people were told about. Each
    change, oldest first, is made again if the file still has what it changed as it was
    before the change; if the file says something else there, the file is newer and wins.
    Give the items, and the ids of those changed again.
    """
    items = {w.id: w for w in workshops}
    kept: dict[str, None] = {}
    for m in made:
        item = items.get(m.change.item_id)
        if item is None or not _unaware(item, m):
            continue
        after = apply(item, m.change)
        if after is None:
            del items[item.id]
        else:
            items[item.id] = after
        kept[item.id] = None
    return tuple(items.values()), tuple(kept)
