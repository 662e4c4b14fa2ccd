"""Issue 14, part 1: the pure rules of proposals: lengths, places, free slots, the item."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import DomainError
from bot.domain.models import Kind, Programme, Room, Workshop
from bot.domain.proposals import (
    Draft,
    Proposal,
    Slot,
    Status,
    as_item,
    check_description,
    check_places,
    check_title,
    free_slots,
    room_taken,
    rooms_to_offer,
)

PARIS = ZoneInfo("Europe/Paris")
TEN = datetime(2026, 8, 24, 10, 0, tzinfo=PARIS)
HOUR = timedelta(hours=1)
ITEMS = (
    Workshop("a", "A", TEN, TEN + HOUR, room="Chapiteau"),
    Workshop("b", "B", TEN + 2 * HOUR, TEN + 3 * HOUR, room="Plage"),
    Workshop("lunch", "Déjeuner", TEN + 4 * HOUR, TEN + 5 * HOUR, Kind.MEAL, room="Restaurant"),
)


def test_lengths_are_limited_and_said() -> None:
    assert check_title("  Vannerie   en  osier ") == "Vannerie en osier"
    assert check_title("x" * 120) == "x" * 120
    with pytest.raises(DomainError) as long:
        check_title("x" * 5000)
    assert long.value.key == "proposals.title_too_long" and long.value.params["length"] == 5000
    with pytest.raises(DomainError, match="bad_title"):
        check_title("   ")
    assert check_description("y" * 1000) == "y" * 1000
    with pytest.raises(DomainError, match="description_too_long"):
        check_description("y" * 1001)


@pytest.mark.parametrize(("text", "places"), [("0", None), ("12", 12), (" 1\u202f00 ", 100)])
def test_places_read_as_a_number(text: str, places: int | None) -> None:
    assert check_places(text) == places


@pytest.mark.parametrize("text", ["-3", "douze", "501", "", "1.5"])
def test_places_refused(text: str) -> None:
    with pytest.raises(DomainError, match="bad_places"):
        check_places(text)


def test_a_room_is_taken_by_an_overlapping_item_only() -> None:
    assert room_taken(ITEMS, "chapiteau", TEN + HOUR / 2, TEN + 2 * HOUR) == ITEMS[0]
    assert room_taken(ITEMS, "Chapiteau", TEN + HOUR, TEN + 2 * HOUR) is None  # back to back
    assert room_taken(ITEMS, "Chapiteau", TEN, TEN + HOUR, but="a") is None


def test_free_slots_skip_taken_rooms_busy_people_and_the_past() -> None:
    rooms = ["Chapiteau", "Plage"]
    found = free_slots(ITEMS, rooms, [], 60, after=TEN - HOUR)
    assert found == [
        Slot(TEN, "Plage"),  # the Chapiteau is taken at 10:00
        Slot(TEN + 2 * HOUR, "Chapiteau"),
        Slot(TEN + 4 * HOUR, "Chapiteau"),
    ]
    busy = [(TEN + 2 * HOUR + timedelta(minutes=30), TEN + 3 * HOUR)]
    assert free_slots(ITEMS, rooms, busy, 60, after=TEN) == [Slot(TEN + 4 * HOUR, "Chapiteau")]
    assert free_slots(ITEMS, rooms, [], 60, after=TEN - HOUR, limit=1) == [Slot(TEN, "Plage")]


def test_rooms_only_meals_use_are_not_offered() -> None:
    programme = Programme(
        ITEMS, (Room("Chapiteau"), Room("Plage"), Room("Restaurant"), Room("Ponton"))
    )
    assert rooms_to_offer(programme) == ["Chapiteau", "Plage", "Ponton"]


def test_an_approved_proposal_is_a_proposed_item_its_proposer_runs() -> None:
    p = Proposal(
        7, 1001, "Vannerie", "Osier.", 90, TEN, "Plage", 12, "both", "Alice Martin", "alice",
        Status.APPROVED, TEN - HOUR, item_id="proposal-7",
    )  # fmt: skip
    item = as_item(p)
    assert (item.id, item.end, item.room, item.capacity) == (
        "proposal-7",
        TEN + 1.5 * HOUR,
        "Plage",
        12,
    )
    assert item.language is None and item.tags == ("proposed",)
    assert item.facilitators[0].name == "Alice Martin" and item.facilitators[0].telegram == "alice"


def test_a_draft_reads_back_what_it_kept() -> None:
    draft = Draft("preview", "T", "D", 60, TEN, "Plage", None, "fr")
    assert Draft.of(draft.body()) == draft
