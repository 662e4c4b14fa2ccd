"""A re-import keeps the changes made in chat that the file does not know of."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.changes import (
    Change,
    ChangeKind,
    Made,
    apply,
    carry_over,
    logged,
    summary,
)
from bot.domain.models import Workshop

PARIS = ZoneInfo("Europe/Paris")
TEN = datetime(2026, 8, 24, 10, 0, tzinfo=PARIS)
A = Workshop("a", "Atelier A", TEN, TEN + timedelta(hours=1), room="Plage", capacity=10)
B = Workshop("b", "Atelier B", TEN, TEN + timedelta(hours=2), room="Chapiteau")


def made(item: Workshop, kind: ChangeKind, value: str = "") -> tuple[Made, Workshop | None]:
    """A change made in chat to `item`, and the item after it."""
    change = Change(item.id, kind, value)
    return Made(change, summary(item)), apply(item, change)


def test_a_room_move_survives_the_same_file_again() -> None:
    move, moved = made(A, ChangeKind.ROOM, "Salle 2")
    items, kept = carry_over((A, B), [move])
    assert items == (moved, B) and kept == ("a",)
    # and a second re-import of the same file changes nothing more
    assert carry_over((A, B), [move]) == (items, kept)


def test_a_file_that_says_something_else_wins() -> None:
    move, _ = made(A, ChangeKind.ROOM, "Salle 2")
    edited = replace(A, room="Salle 3")  # the organisers moved it in the file
    assert carry_over((edited, B), [move]) == ((edited, B), ())
    # a file that already has the change: nothing to do
    already = replace(A, room="Salle 2")
    assert carry_over((already,), [move]) == ((already,), ())


def test_changes_are_made_again_in_order_and_other_edits_do_not_block_them() -> None:
    first, moved = made(A, ChangeKind.ROOM, "Salle 2")
    assert moved is not None
    second, again = made(moved, ChangeKind.ROOM, "Salle 3")
    late, later = made(again or A, ChangeKind.LATE, "15")
    assert later is not None
    retitled = replace(A, title="Atelier A (complet)")  # a typo fixed in the file
    (item,), kept = carry_over((retitled,), [first, second, late])
    assert (item.title, item.room, item.start) == ("Atelier A (complet)", "Salle 3", later.start)
    assert kept == ("a",)


def test_a_cancellation_stays_unless_the_file_reschedules_the_item() -> None:
    cancel, gone = made(A, ChangeKind.CANCEL)
    assert gone is None
    assert carry_over((A, B), [cancel]) == ((B,), ("a",))
    moved = replace(A, start=A.start + timedelta(days=1), end=A.end + timedelta(days=1))
    assert carry_over((moved, B), [cancel]) == ((moved, B), ())


def test_capacity_and_note_are_kept_once() -> None:
    bigger, _ = made(A, ChangeKind.CAPACITY, "14")
    note, noted = made(A, ChangeKind.NOTE, "Prenez un maillot !")
    assert noted is not None
    (item,), _ = carry_over((A,), [bigger, note])
    assert item.capacity == 14 and item.description == "📝 Prenez un maillot !"
    # a file already holding the note (copied from the bot's text) does not get it twice
    (again,), kept = carry_over((replace(A, description=noted.description),), [note])
    assert again.description == "📝 Prenez un maillot !" and kept == ()


def test_an_item_gone_from_the_file_is_left_gone() -> None:
    move, _ = made(A, ChangeKind.ROOM, "Salle 2")
    assert carry_over((B,), [move]) == ((B,), ())


def test_logs_without_values_are_read_back_where_they_can_be() -> None:
    later = replace(A, start=A.start + timedelta(minutes=15), end=A.end + timedelta(minutes=15))
    room = logged("a", "room", None, summary(A), summary(replace(A, room="Salle 2")))
    late = logged("a", "late", None, summary(A), summary(later))
    cancel = logged("a", "cancel", None, summary(A), summary(None))
    assert room is not None and room.change == Change("a", ChangeKind.ROOM, "Salle 2")
    assert late is not None and late.change == Change("a", ChangeKind.LATE, "15")
    assert cancel is not None and cancel.change == Change("a", ChangeKind.CANCEL, "")
    assert logged("a", "note", None, summary(A), summary(A)) is None  # its text is not kept
    assert logged("a", "facilitator_add", None, {}, {"user_id": 5}) is None
    note = logged("a", "note", "Maillot", summary(A), summary(A))
    assert note is not None and note.change.value == "Maillot"
