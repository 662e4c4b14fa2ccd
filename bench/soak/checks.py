"""What must hold of the bookings at any moment: capacity, queue order, one each."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.booking import Booking, Status, Target, TargetKind, closes_at
from bot.domain.models import Programme


def targets_of(programme: Programme) -> dict[tuple[TargetKind, str], Target]:
    """Give every target of a programme: the items that take sign-ups, and the rota slots."""
    found = [Target.of_workshop(w) for w in programme.workshops if w.capacity is not None]
    found += [Target.of_rota(r) for r in programme.rota]
    return {(t.kind, t.id): t for t in found}


def booking_faults(
    programme: Programme, everything: Sequence[Booking], now: datetime | None, close: timedelta
) -> list[str]:
    """List what is wrong with the bookings: over capacity, the queue jumped, booked twice.

    With `now`, also a place left free while people wait for an item whose sign-ups are open
    (for 10 minutes yet; they close `close` after its start, and a cancellation after that
    promotes nobody, by design).
    """
    by_target: defaultdict[tuple[TargetKind, str], list[Booking]] = defaultdict(list)
    for b in sorted(everything, key=lambda b: b.seq):
        by_target[(b.kind, b.target_id)].append(b)
    faults = []
    for key, t in targets_of(programme).items():
        rows = by_target.get(key, [])
        ins = [b.seq for b in rows if b.status is Status.IN]
        waiting = [b.seq for b in rows if b.status is Status.WAITING]
        name = f"{t.kind.value} {t.id}"
        if len(ins) > t.places:
            faults.append(f"over capacity: {name} has {len(ins)} in for {t.places} places")
        if ins and waiting and max(ins) > min(waiting):
            faults.append(f"queue jumped: {name}: someone in came after someone still waiting")
        open_ = now is not None and closes_at(t, close) > now + timedelta(minutes=10)
        if open_ and waiting and len(ins) < t.places:
            faults.append(f"place unused: {name}: {t.places - len(ins)} free, {len(waiting)} wait")
    seen = Counter((b.kind, b.target_id, b.user_id) for b in everything)
    faults += [f"booked twice: {k} x {n}" for k, n in seen.items() if n > 1]
    return faults


def overlapping(programme: Programme, everything: Sequence[Booking]) -> list[str]:
    """List the people holding places in two things at the same time."""
    targets = targets_of(programme)
    held: defaultdict[int, list[Target]] = defaultdict(list)
    for b in everything:
        t = targets.get((b.kind, b.target_id))
        if t is not None and b.status is Status.IN:
            held[b.user_id].append(t)
    found = []
    for user, mine in held.items():
        for one, other in itertools.combinations(sorted(mine, key=lambda t: t.start), 2):
            if one.overlaps(other.start, other.end):
                found.append(f"{user}: {one.id} and {other.id}")
    return found
