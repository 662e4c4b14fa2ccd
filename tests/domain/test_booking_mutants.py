"""Booking rules that a mutant showed no other test pinned down (QUALITY.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.booking import Target, TargetKind
from bot.domain.models import Workshop

TEN = datetime(2026, 8, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_a_workshop_target_keeps_its_room() -> None:
    w = Workshop("w", "Atelier", TEN, TEN + timedelta(hours=1), capacity=3, room="Salle B")
    target = Target.of_workshop(w)
    assert (target.kind, target.id, target.title, target.places, target.room) == (
        TargetKind.WORKSHOP,
        "w",
        "Atelier",
        3,
        "Salle B",
    )
    assert (target.start, target.end) == (w.start, w.end)
