"""Changes a facilitator or an organiser makes to an item: pure, checked, described."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.domain.schedule import local_day, parse_day
from bot.domain.text import fold

MAX_SHIFT_MINUTES = 24 * 60
"""A shift by a number of minutes (typed or a button), or a delay: less than a day."""
MAX_MOVE_MINUTES = 60 * 24 * 60
"""A move to a day and time: the programme's days bound it; this only keeps numbers sane."""
MAX_NOTE = 500
MAX_ROOM = 80
MAX_PLACES = 1_000
"""More places than any room of the week holds (about 300 people come)."""


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
        limit = MAX_MOVE_MINUTES if change.kind is ChangeKind.SHIFT else MAX_SHIFT_MINUTES
        if minutes == 0 or abs(minutes) > limit or (change.kind is ChangeKind.LATE and minutes < 0):
            raise DomainError("change.bad_minutes")
        return dataclasses.replace(change, value=str(minutes))
    if change.kind is ChangeKind.CAPACITY:
        try:
            places = int(change.value.strip())
        except ValueError:
            raise DomainError("change.bad_capacity") from None
        if not 1 <= places <= MAX_PLACES:
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


_MINUTES = r"\s*(?:min|mn|minutes?)?"
_SIGNED = re.compile(r"^(?P<sign>[+-])\s*(?P<minutes>\d{1,5})" + _MINUTES + "$")
_SIGNED_HOURS = re.compile(r"^(?P<sign>[+-])\s*(?P<hours>\d{1,2})\s*h\s*(?P<minutes>\d{2})?$")
_BARE = re.compile(r"^(?P<minutes>\d{1,5})" + _MINUTES + "$")
_CLOCK = re.compile(
    r"^(?P<hour>\d{1,2})(?:\s*(?:[:h]\s*(?P<minute>\d{2})?)|(?::(?P<m>\d{2}))?(?P<half>am|pm))$"
)
_HALF = re.compile(r"(\d)\s+(am|pm)\b")
_LINKS = frozenset(("a", "at", "le", "on", "vers", "around", "pour"))


def read_when(
    text: str, start: datetime, tz: ZoneInfo, today: date, week: Sequence[date] = ()
) -> int:
    """Read a typed new time as the minutes it moves an item starting at `start`.

    '+90', '-15', '+1h30', '45' (minutes); '14:30', '14h', '2:30 pm' (the same day);
    'mercredi 10:00', '26/08 10h', '10:00 demain' (another day). Refuse what is not one of
    these, and a relative shift of a day or more.
    """
    said = " ".join(fold(text).replace("\u2212", "-").split())
    if match := _SIGNED.match(said) or _SIGNED_HOURS.match(said) or _BARE.match(said):
        groups = match.groupdict()
        minutes = int(groups.get("hours") or 0) * 60 + int(groups["minutes"] or 0)
        if groups.get("sign") == "-":
            minutes = -minutes
        if minutes == 0 or abs(minutes) > MAX_SHIFT_MINUTES:
            raise DomainError("change.bad_minutes")
        return minutes
    words = [w for w in _HALF.sub(r"\1\2", said).split() if w not in _LINKS]
    day, clock = local_day(start, tz), None
    if len(words) == 1:
        clock = _clock(words[0])
    elif len(words) > 1:
        for at, rest in ((words[-1], words[:-1]), (words[0], words[1:])):
            if (clock := _clock(at)) is not None:
                found = parse_day(" ".join(rest), today, week)
                if found is None:
                    raise DomainError("change.bad_day", text=" ".join(rest))
                day = found
                break
    if clock is None:
        raise DomainError("change.bad_when")
    moved = datetime.combine(day, clock, tzinfo=tz)
    minutes = int((moved - start).total_seconds() // 60)
    if minutes == 0:
        raise DomainError("change.same_time")
    return minutes


def _clock(word: str) -> time | None:
    match = _CLOCK.match(word)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or match["m"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def room_clashes(item: Workshop, others: Iterable[Workshop]) -> tuple[Workshop, ...]:
    """List the other items held in the item's room at a time that overlaps its own."""
    if not item.room:
        return ()
    room = fold(item.room)
    return tuple(
        w
        for w in others
        if w.id != item.id
        and w.room is not None
        and fold(w.room) == room
        and _overlap(item.start, item.end, w.start, w.end)
    )


def _overlap(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    if start == end or other_start == other_end:
        return start == other_start
    return start < other_end and other_start < end


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


@dataclass(frozen=True, slots=True)
class Preview:
    """A change as it would be: the item before and after, and who would be told."""

    change: Change
    before: Workshop
    after: Workshop | None
    told: int
    group: bool
    taken: tuple[Workshop, ...] = ()
    """Other items in the room at the time the item would be there (a meal counts)."""
    busy: int = 0
    """People signed up or waiting who have something else at the new time."""
    busy_running: int = 0
    """The item's facilitators who have something else at the new time."""
    keep: tuple[str, ...] = ()
    """Places fewer than the people in: who keeps a place (in sign-up order)."""
    wait: tuple[str, ...] = ()
    """... and who goes back to the head of the waiting list (in their order)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change, as the audit log keeps it."""

    id: int
    at: datetime
    user_id: int
    item_id: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
