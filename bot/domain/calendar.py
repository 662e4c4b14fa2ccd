"""Calendar events and how each item's SEQUENCE follows its changes. No I/O here.

An item's state is what a calendar says of it (title, times, room, description); each time that
state changes, or the item leaves the programme (cancelled), its SEQUENCE goes up by one, so that
calendar apps replace the copy they hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.models import RotaSlot, Workshop

TOKEN_BYTES = 16
"""A personal link's secret: 128 bits."""
TOKEN_SHAPE = re.compile(rf"[0-9a-f]{{{TOKEN_BYTES * 2}}}")
UID_DOMAIN = "rencontre"


class EventStatus(StrEnum):
    """An event's STATUS."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


class Why(StrEnum):
    """Why an event is in a calendar (said in its description)."""

    SIGNED_UP = "signed_up"
    WAITING = "waiting"
    ROTA = "rota"
    ROTA_WAITING = "rota_waiting"
    RUNS = "runs"
    PROGRAMME = "programme"


@dataclass(frozen=True, slots=True)
class ItemState:
    """What the calendars last said of one item, and its SEQUENCE."""

    uid: str
    fingerprint: str
    snapshot: dict[str, Any]
    sequence: int
    cancelled: bool


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT."""

    uid: str
    title: str
    start: datetime
    end: datetime
    room: str | None
    description: str
    sequence: int
    status: EventStatus
    why: Why
    position: int | None = None
    alarm_minutes: int | None = None


def workshop_uid(item_id: str) -> str:
    """Give a workshop's stable UID."""
    return f"workshop-{item_id}@{UID_DOMAIN}"


def rota_uid(slot_id: str) -> str:
    """Give a rota slot's stable UID."""
    return f"rota-{slot_id}@{UID_DOMAIN}"


def snapshot_of(item: Workshop | RotaSlot) -> dict[str, Any]:
    """Describe what a calendar shows of an item."""
    if isinstance(item, Workshop):
        return {
            "title": item.title,
            "start": item.start.isoformat(),
            "end": item.end.isoformat(),
            "room": item.room,
            "description": item.description,
        }
    return {
        "title": item.area,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "room": None,
        "description": item.description,
    }


def fingerprint(snapshot: Mapping[str, Any]) -> str:
    """Give a text that changes whenever what a calendar shows changes."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False)


def advance(
    known: Mapping[str, ItemState], current: Mapping[str, dict[str, Any]]
) -> list[ItemState]:
    """Give the states that change: new items, changed items (+1), items gone (cancelled, +1)."""
    changed = []
    for uid, snapshot in current.items():
        mark = fingerprint(snapshot)
        state = known.get(uid)
        if state is None:
            changed.append(ItemState(uid, mark, snapshot, 0, False))
        elif state.fingerprint != mark or state.cancelled:
            changed.append(ItemState(uid, mark, snapshot, state.sequence + 1, False))
    for uid, state in known.items():
        if uid not in current and not state.cancelled:
            gone = ItemState(uid, state.fingerprint, state.snapshot, state.sequence + 1, True)
            changed.append(gone)
    return changed


def event(
    state: ItemState,
    why: Why,
    *,
    tentative: bool = False,
    position: int | None = None,
    alarm_minutes: int | None = None,
) -> CalendarEvent:
    """Make an item's event from its state (a cancelled item says so, with no alarm)."""
    s = state.snapshot
    if state.cancelled:
        status = EventStatus.CANCELLED
    else:
        status = EventStatus.TENTATIVE if tentative else EventStatus.CONFIRMED
    return CalendarEvent(
        uid=state.uid,
        title=str(s["title"]),
        start=datetime.fromisoformat(s["start"]),
        end=datetime.fromisoformat(s["end"]),
        room=s.get("room"),
        description=str(s.get("description") or ""),
        sequence=state.sequence,
        status=status,
        why=why,
        position=position,
        alarm_minutes=None if state.cancelled else alarm_minutes,
    )


def is_token(text: str) -> bool:
    """Tell whether a text has the shape of a personal token (before any look-up)."""
    return TOKEN_SHAPE.fullmatch(text) is not None
