"""Booking rules that a mutant showed no other test pinned down (QUALITY.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.booking import Seats, Standing, Status, Target, TargetKind
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


def test_seats_tell_places_standing_and_queue_of_the_items_shown() -> None:
    start = datetime(2026, 8, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    item = Workshop("w", "W", start, start + timedelta(hours=1), capacity=3)
    other = Workshop("o", "O", start, start + timedelta(hours=1), capacity=7)
    target = Target(TargetKind.WORKSHOP, "w", "W", start, start + timedelta(hours=1), 3)
    standing = Standing(target, ins=(1, 2), waiting=(5, 6))
    seats = Seats(6, {"w": standing}, frozenset({"w"}))
    assert (seats.left(item), seats.left(other)) == (1, 7)  # not shown: its capacity
    assert (seats.status(item), seats.status(other)) == (Status.WAITING, None)
    assert (seats.position(item), seats.position(other)) == (2, None)
    assert (seats.waiting(item), seats.waiting(other)) == (2, 0)
    assert (seats.is_open(item), seats.is_open(other)) == (True, False)
    assert Seats(1, {"w": standing}, frozenset()).status(item) is Status.IN
    assert Seats(1, {"w": standing}, frozenset()).position(item) is None
    anonymous = Seats(None, {"w": standing}, frozenset())
    assert (anonymous.status(item), anonymous.position(item)) == (None, None)
    full = Standing(target, ins=(1, 2, 3, 4), waiting=())
    assert Seats(None, {"w": full}, frozenset()).left(item) == 0
    marked = Seats(6, {}, frozenset(), cancelled=frozenset({"w"}), favourites=frozenset({"o"}))
    assert (marked.is_cancelled(item), marked.is_cancelled(other)) == (True, False)
    assert (marked.starred(item), marked.starred(other)) == (False, True)
    assert not seats.is_cancelled(item) and not seats.starred(item)  # neither, unless told
