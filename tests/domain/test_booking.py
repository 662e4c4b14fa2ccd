"""The booking rules, decided without I/O: places, waiting lists, promotions, clashes, switches."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import booking
from bot.domain.booking import (
    REF_LENGTH,
    Commitment,
    Outcome,
    Standing,
    Status,
    Target,
    TargetKind,
)
from bot.domain.models import RotaSlot, Workshop

PARIS = ZoneInfo("Europe/Paris")
TEN = datetime(2026, 8, 24, 10, 0, tzinfo=PARIS)
GRACE = timedelta(minutes=10)


def workshop(
    ident: str = "w", start: datetime = TEN, hours: float = 1.5, places: int = 2
) -> Target:
    """Give a workshop target that takes `places` sign-ups."""
    end = start + timedelta(hours=hours)
    return Target.of_workshop(Workshop(ident, f"Atelier {ident}", start, end, capacity=places))


def held(
    target: Target, *, kind: TargetKind | None = None, waiting: bool = False, runs: bool = False
) -> Commitment:
    """Give a commitment to a target's time: a place, a waiting place, or an item one runs."""
    return Commitment(
        kind or target.kind,
        target.id,
        target.title,
        target.start,
        target.end,
        facilitating=runs,
        waiting=waiting,
    )


@dataclass
class Ledger:
    """One target's bookings, changed the way BookingService changes them (decide, then apply)."""

    target: Target
    ins: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    promoted: list[int] = field(default_factory=list)
    """Everyone moved up so far, in the order they were moved."""

    @property
    def standing(self) -> Standing:
        """Give the standing as the repository would read it."""
        return Standing(self.target, tuple(self.ins), tuple(self.waiting))

    def sign_up(self, user_id: int) -> Outcome:
        """Ask for a place."""
        outcome = booking.decide_sign_up(self.standing, user_id)
        if outcome is Outcome.SIGNED_UP:
            self.ins.append(user_id)
        elif outcome is Outcome.WAITING:
            self.waiting.append(user_id)
        return outcome

    def cancel(self, user_id: int, now: datetime) -> tuple[Outcome, tuple[int, ...]]:
        """Give up a place or a place in the queue; fill what was freed."""
        outcome = booking.decide_cancel(self.standing, user_id)
        if outcome is Outcome.NOT_BOOKED:
            return outcome, ()
        (self.ins if outcome is Outcome.CANCELLED else self.waiting).remove(user_id)
        return outcome, self.promote(now)

    def promote(self, now: datetime) -> tuple[int, ...]:
        """Move the people the domain names from the waiting list into places."""
        lucky = booking.to_promote(self.standing, now, GRACE)
        for user_id in lucky:
            self.waiting.remove(user_id)
            self.ins.append(user_id)
        self.promoted.extend(lucky)
        return lucky


# --- places and the waiting list --------------------------------------------------------------


def test_first_come_first_served_then_the_waiting_list_in_order() -> None:
    ledger = Ledger(workshop(places=2))
    outcomes = [ledger.sign_up(user) for user in (11, 12, 13, 14)]
    assert outcomes == [Outcome.SIGNED_UP, Outcome.SIGNED_UP, Outcome.WAITING, Outcome.WAITING]
    standing = ledger.standing
    assert standing.ins == (11, 12) and standing.left == 0
    assert [standing.position(user) for user in (11, 13, 14, 99)] == [None, 1, 2, None]
    assert [standing.status_of(user) for user in (12, 14, 99)] == [Status.IN, Status.WAITING, None]


def test_asking_twice_changes_nothing() -> None:
    ledger = Ledger(workshop(places=1))
    ledger.sign_up(11)
    ledger.sign_up(12)
    assert ledger.sign_up(11) is Outcome.ALREADY_IN
    assert ledger.sign_up(12) is Outcome.ALREADY_WAITING
    assert ledger.standing == Standing(ledger.target, (11,), (12,))


def test_a_target_without_places_puts_everyone_on_the_waiting_list() -> None:
    ledger = Ledger(workshop(places=0))
    assert ledger.sign_up(11) is Outcome.WAITING
    assert ledger.promote(TEN - timedelta(days=1)) == ()


def test_what_a_cancellation_does_depends_on_where_one_stands() -> None:
    ledger = Ledger(workshop(places=1))
    ledger.sign_up(11)
    ledger.sign_up(12)
    ledger.sign_up(13)
    early = TEN - timedelta(hours=2)
    assert ledger.cancel(99, early) == (Outcome.NOT_BOOKED, ())
    assert ledger.cancel(13, early) == (Outcome.LEFT_WAITING_LIST, ())  # frees no place
    assert ledger.cancel(11, early) == (Outcome.CANCELLED, (12,))
    assert ledger.standing == Standing(ledger.target, (12,), ())


def test_a_freed_place_goes_to_the_first_waiting() -> None:
    ledger = Ledger(workshop(places=2))
    for user in (11, 12, 13, 14, 15):
        ledger.sign_up(user)
    _, promoted = ledger.cancel(12, TEN - timedelta(hours=1))
    assert promoted == (13,)
    assert ledger.standing.ins == (11, 13) and ledger.standing.waiting == (14, 15)
    assert ledger.standing.position(15) == 2


def test_added_places_promote_as_many_waiting_people_in_order() -> None:
    small = Standing(workshop(places=2), (11, 12), (13, 14, 15))
    grown = Standing(workshop(places=4), small.ins, small.waiting)
    assert booking.to_promote(small, TEN, GRACE) == ()
    assert booking.to_promote(grown, TEN, GRACE) == (13, 14)


def test_fewer_places_than_people_in_leaves_none_free_and_promotes_nobody() -> None:
    shrunk = Standing(workshop(places=1), (11, 12), (13,))
    assert shrunk.left == 0
    assert booking.to_promote(shrunk, TEN - timedelta(hours=1), GRACE) == ()


# --- closing after the start and the grace period ------------------------------------------------


def test_sign_ups_close_after_the_start_and_the_grace_period() -> None:
    target = workshop()
    assert booking.closes_at(target, GRACE) == TEN + GRACE
    assert booking.is_open(target, TEN, GRACE)  # latecomers may still join
    assert booking.is_open(target, TEN + GRACE - timedelta(seconds=1), GRACE)
    assert not booking.is_open(target, TEN + GRACE, GRACE)
    assert not booking.is_open(target, TEN, timedelta(0))


def test_a_place_freed_after_closing_promotes_nobody() -> None:
    ledger = Ledger(workshop(places=1))
    ledger.sign_up(11)
    ledger.sign_up(12)
    assert ledger.cancel(11, TEN + GRACE) == (Outcome.CANCELLED, ())
    assert ledger.standing == Standing(ledger.target, (), (12,))
    # while still open, the same cancellation would have moved 12 up
    again = Ledger(workshop(places=1), [11], [12])
    assert again.cancel(11, TEN + GRACE - timedelta(minutes=1)) == (Outcome.CANCELLED, (12,))


# --- clashes and switches ---------------------------------------------------------------------


def test_an_overlapping_place_is_a_clash_and_can_be_switched() -> None:
    morning = workshop("matin", TEN, hours=2)
    other = workshop("autre", TEN + timedelta(hours=1))
    found = booking.clashes(other, [held(morning)])
    assert [c.id for c in found] == ["matin"]
    assert booking.switchable(found)


def test_back_to_back_items_do_not_clash() -> None:
    first = workshop("a", TEN, hours=1)
    after = workshop("b", TEN + timedelta(hours=1))
    before = workshop("c", TEN - timedelta(hours=1), hours=1)
    assert booking.clashes(first, [held(after), held(before)]) == []


def test_a_waiting_place_counts_as_a_clash() -> None:
    queued = workshop("file", TEN)
    wanted = workshop("voulu", TEN + timedelta(minutes=30))
    found = booking.clashes(wanted, [held(queued, waiting=True)])
    assert [(c.id, c.waiting) for c in found] == [("file", True)]
    assert booking.switchable(found)


def test_an_item_one_runs_clashes_and_cannot_be_switched_away() -> None:
    run = workshop("anime", TEN)
    wanted = workshop("voulu", TEN)
    found = booking.clashes(wanted, [held(run, runs=True), held(workshop("x", TEN))])
    assert {c.id for c in found} == {"anime", "x"}
    assert not booking.switchable(found)
    assert not booking.switchable([])


def test_a_rota_slot_clashes_with_a_workshop() -> None:
    slot = Target.of_rota(RotaSlot("vaisselle", "Vaisselle", TEN, TEN + timedelta(hours=1), 3))
    assert (slot.kind, slot.title, slot.places) == (TargetKind.ROTA, "Vaisselle", 3)
    found = booking.clashes(workshop(), [held(slot)])
    assert [(c.kind, c.id) for c in found] == [(TargetKind.ROTA, "vaisselle")]


def test_the_target_itself_is_no_clash_but_the_same_id_of_another_kind_is() -> None:
    target = workshop("same")
    assert booking.clashes(target, [held(target), held(target, waiting=True)]) == []
    assert len(booking.clashes(target, [held(target, kind=TargetKind.ROTA)])) == 1


def test_an_item_without_length_clashes_only_with_what_starts_with_it() -> None:
    instant = workshop("pile", TEN, hours=0)
    assert instant.overlaps(TEN, TEN + timedelta(hours=1))
    assert not instant.overlaps(TEN - timedelta(hours=1), TEN + timedelta(hours=1))
    long = workshop("long", TEN - timedelta(hours=1), hours=3)
    assert long.overlaps(long.start, long.start) and not long.overlaps(TEN, TEN)


# --- targets and their references ----------------------------------------------------------


def test_only_an_item_with_a_capacity_is_a_target() -> None:
    talk = Workshop("plen", "Plénière", TEN, TEN + timedelta(hours=1))
    with pytest.raises(ValueError, match="plen"):
        Target.of_workshop(talk)
    target = workshop("w", places=12)
    assert (target.kind, target.places, target.title) == (TargetKind.WORKSHOP, 12, "Atelier w")


def test_a_reference_is_short_stable_and_fit_for_button_data() -> None:
    long_id = "atelier-" + "x" * 200
    code = booking.ref(long_id)
    assert len(code) == REF_LENGTH and code == booking.ref(long_id)
    assert set(code) <= set(string.ascii_letters + string.digits + "-_")
    assert workshop(long_id).ref == code
    assert len({booking.ref(f"w{n}") for n in range(1000)}) == 1000


# --- properties -------------------------------------------------------------------------------

USERS = st.integers(min_value=1, max_value=12)
MOVES = st.lists(st.tuples(st.sampled_from(("sign_up", "cancel")), USERS), max_size=60)


@settings(max_examples=300, deadline=None)
@given(places=st.integers(min_value=0, max_value=5), moves=MOVES)
def test_while_open_never_more_in_than_places_and_never_a_free_place_while_people_wait(
    places: int, moves: list[tuple[str, int]]
) -> None:
    ledger = Ledger(workshop(places=places))
    asked: list[int] = []  # each person's latest request, oldest first
    now = TEN - timedelta(hours=1)
    for move, user in moves:
        if move == "sign_up":
            if ledger.sign_up(user) in (Outcome.SIGNED_UP, Outcome.WAITING):
                asked.append(user)
        else:
            queue = [u for u in ledger.waiting if u != user]
            outcome, promoted = ledger.cancel(user, now)
            if outcome is not Outcome.NOT_BOOKED:
                asked.remove(user)
            # promotions are the head of the waiting list as it stood, in its order
            assert list(promoted) == queue[: len(promoted)]
            assert len(promoted) == (1 if outcome is Outcome.CANCELLED and queue else 0)
        ins, waiting = ledger.ins, ledger.waiting
        assert len(ins) <= places
        assert not set(ins) & set(waiting)
        assert len(set(ins + waiting)) == len(ins + waiting)
        assert not waiting or len(ins) == places
        # the queue is in the order people asked: nobody waits before someone who asked first
        assert waiting == [u for u in asked if u in waiting]


@settings(max_examples=300, deadline=None)
@given(
    places=st.integers(min_value=0, max_value=6),
    ins=st.integers(min_value=0, max_value=6),
    waiting=st.lists(USERS, unique=True, max_size=8),
    minutes=st.integers(min_value=-120, max_value=120),
)
def test_promotions_are_the_first_waiting_only_while_open(
    places: int, ins: int, waiting: list[int], minutes: int
) -> None:
    standing = Standing(workshop(places=places), tuple(range(100, 100 + ins)), tuple(waiting))
    now = TEN + timedelta(minutes=minutes)
    lucky = booking.to_promote(standing, now, GRACE)
    if not booking.is_open(standing.target, now, GRACE):
        assert lucky == ()
    else:
        assert lucky == tuple(waiting[: max(0, places - ins)])
    assert ins + len(lucky) <= max(places, ins)


TIMES = st.integers(min_value=0, max_value=48).map(lambda q: TEN + timedelta(minutes=15 * q))


@given(
    a=TIMES,
    a_len=st.integers(min_value=1, max_value=12),
    b=TIMES,
    b_len=st.integers(min_value=1, max_value=12),
)
def test_a_clash_is_mutual_and_means_sharing_some_time(
    a: datetime, a_len: int, b: datetime, b_len: int
) -> None:
    one = workshop("one", a, hours=a_len / 4)
    two = workshop("two", b, hours=b_len / 4)
    shared = min(one.end, two.end) - max(one.start, two.start) > timedelta(0)
    assert bool(booking.clashes(one, [held(two)])) is shared
    assert bool(booking.clashes(two, [held(one)])) is shared
