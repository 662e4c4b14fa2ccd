"""Comparing two programmes: what a re-import adds, changes and removes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.models import Kind, Programme, Room, RotaSlot, Workshop
from bot.domain.text import words


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, by item id."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    rota_slots: int
    rooms: int
    kept: tuple[str, ...] = ()
    """Items changed in chat whose changes the file lacked, and were made again."""

    @property
    def total(self) -> int:
        """Count the items of the new programme."""
        return len(self.added) + len(self.changed) + self.unchanged


def with_all_rooms(programme: Programme) -> Programme:
    """Declare every room an item uses, keeping the descriptions the file gives."""
    declared = {room.name: room for room in programme.rooms}
    for item in programme.workshops:
        if item.room and item.room not in declared:
            declared[item.room] = Room(item.room)
    rooms = tuple(sorted(declared.values(), key=lambda r: r.name))
    return Programme(programme.workshops, rooms, programme.rota, programme.name, programme.warnings)


@dataclass(frozen=True, slots=True)
class RotaRule:
    """After each item of `kind`, one slot per area, `minutes` long, `offset` after its end."""

    kind: Kind
    areas: tuple[str, ...]
    places: int
    minutes: int
    offset_minutes: int = 0


def _slug(text: str) -> str:
    return "-".join(words(text))[:20] or "zone"


def with_rota_rules(programme: Programme, rules: Sequence[RotaRule]) -> Programme:
    """Add the rota slots that rules make from the programme (the file's own slots win)."""
    slots = {slot.id: slot for slot in programme.rota}
    for rule in rules:
        for item in programme.workshops:
            if item.kind is not rule.kind:
                continue
            start = item.end + timedelta(minutes=rule.offset_minutes)
            for area in rule.areas:
                slot_id = f"auto-{item.id}-{_slug(area)}"[:60]
                slots.setdefault(
                    slot_id,
                    RotaSlot(
                        slot_id,
                        area,
                        start,
                        start + timedelta(minutes=rule.minutes),
                        rule.places,
                        item.title,
                    ),
                )
    rota = tuple(sorted(slots.values(), key=lambda r: (r.start, r.area, r.id)))
    return Programme(programme.workshops, programme.rooms, rota, programme.name, programme.warnings)


def compare(old: Programme, new: Programme) -> ImportReport:
    """Tell what changes when `new` replaces `old`."""
    before = {w.id: w for w in old.workshops}
    after = {w.id: w for w in new.workshops}
    added = tuple(i for i in after if i not in before)
    removed = tuple(i for i in before if i not in after)
    changed = tuple(i for i in after if i in before and before[i] != after[i])
    unchanged = len(after) - len(added) - len(changed)
    return ImportReport(added, changed, removed, unchanged, len(new.rota), len(new.rooms))


def changed_fields(before: Workshop, after: Workshop) -> tuple[str, ...]:
    """Name what a new version of an item changes: time, room, places, title, details."""
    fields = []
    if (before.start, before.end) != (after.start, after.end):
        fields.append("time")
    if before.room != after.room:
        fields.append("room")
    if before.capacity != after.capacity:
        fields.append("places")
    if before.title != after.title:
        fields.append("title")
    rest = ("kind", "description", "facilitators", "language", "tags", "min_age", "max_age")
    if any(getattr(before, name) != getattr(after, name) for name in rest):
        fields.append("details")
    return tuple(fields)


def moves(fields: Sequence[str]) -> bool:
    """Tell whether a change of these fields sends people elsewhere or at another time."""
    return "time" in fields or "room" in fields


def fingerprint(programme: Programme) -> str:
    """Give a short digest that changes whenever anything in the programme does."""
    return hashlib.sha256(repr(programme).encode()).hexdigest()[:32]


def removal_share(report: ImportReport, before: int) -> float:
    """Give the share of the `before` items an import removes (0 when there were none)."""
    return len(report.removed) / before if before else 0.0


@dataclass(frozen=True, slots=True)
class Reach:
    """The people an item's removal or move concerns."""

    signed_up: int
    waiting: int
    running: int

    @property
    def anyone(self) -> bool:
        """Tell whether anyone at all is concerned."""
        return bool(self.signed_up or self.waiting or self.running)


@dataclass(frozen=True, slots=True)
class ItemChange:
    """An item a file changes (what, by field) or removes, and whom that reaches."""

    before: Workshop | None
    after: Workshop | None
    fields: tuple[str, ...] = ()
    reach: Reach | None = None
    """For a removal or a move: who is concerned."""


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What importing a file would do, computed against the programme as it is now."""

    filename: str
    report: ImportReport
    before_total: int
    added: tuple[Workshop, ...]
    changed: tuple[ItemChange, ...]
    removed: tuple[ItemChange, ...]
    told: int
    """How many people signed up or waiting would get word of a move or a removal."""
    old: str
    """The fingerprint of the programme the preview was computed against."""
    new: str
    """The fingerprint of the file's programme, as read."""
    tag: str = ""
    """What the preview's buttons carry (a stored draft's tag; empty from the command line)."""
    large: bool = False
    """The file removes more than the configured share of the programme."""
    sure_needed: bool = False
    """The file removes more than the configured share: a second confirmation is needed."""
    changed_meanwhile: bool = False
    """A confirmation found the programme changed since the preview shown: this is a new one."""

    @property
    def share(self) -> float:
        """Give the share of the current items the file removes."""
        return removal_share(self.report, self.before_total)

    def too_much(self, threshold: float) -> bool:
        """Tell whether the file removes more than `threshold` of the programme."""
        return bool(self.report.removed) and self.share > threshold
