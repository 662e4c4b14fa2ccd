"""Issue 14: favourites' reminders and the question after items, planned (pure, no I/O)."""

from __future__ import annotations

from bot.domain import feedback_planning, planning
from bot.domain.booking import Status
from bot.domain.models import Kind, Programme
from bot.domain.planning import Commitments, PersonSettings
from tests.domain.test_planning import ANNA, BRUNO, PARIS, RULES, booked, item, paris

WEEK = Programme(
    (
        item("a", paris(24, 10), 120),  # ends 12:00
        item("plen", paris(24, 10), 60, capacity=None, kind=Kind.PLENARY),  # ends 11:00
        item("lunch", paris(24, 12, 30), 60, capacity=None, kind=Kind.MEAL),
        item("c", paris(24, 14, 30), 90),  # ends 16:00
        item("night", paris(24, 21), 120, capacity=None, kind=Kind.EVENING),  # ends 23:00
    )
)


def test_a_favourite_is_reminded_once_even_when_signed_up_too() -> None:
    commitments = Commitments([booked(ANNA, "a")], {}, {ANNA: ["a", "plen"]})
    planned = planning.reminders(WEEK, commitments, [PersonSettings(ANNA)], RULES, PARIS)
    assert sorted((p.params["target_id"], p.due) for p in planned) == [
        ("a", paris(24, 9, 50)),
        ("plen", paris(24, 9, 50)),
    ]
    off = planning.reminders(
        WEEK, commitments, [PersonSettings(ANNA, reminders=False)], RULES, PARIS
    )
    assert off == []


def test_one_question_a_half_day_after_the_last_item_of_it() -> None:
    commitments = Commitments(
        [booked(ANNA, "a"), booked(ANNA, "c"), booked(BRUNO, "a", Status.WAITING)],
        {},
        {ANNA: ["plen", "lunch", "night"]},
    )
    people = [PersonSettings(ANNA), PersonSettings(BRUNO)]
    planned = feedback_planning.feedback(WEEK, commitments, people, RULES, PARIS)
    assert [
        (p.chat_id, p.due, p.params["items"]) for p in sorted(planned, key=lambda p: p.due)
    ] == [
        (ANNA, paris(24, 12, 10), ["a", "plen"]),  # the meal is not asked about
        (ANNA, paris(24, 16, 10), ["c"]),
        (ANNA, paris(25, 7, 30), ["night"]),  # 23:10 is in the quiet hours
    ]
    assert len({p.key for p in planned}) == 3  # keys name the half day: sent once for good
    assert (
        feedback_planning.feedback(
            WEEK, commitments, [PersonSettings(ANNA, feedback=False)], RULES, PARIS
        )
        == []
    )


def test_facilitators_are_not_asked_and_get_a_summary() -> None:
    commitments = Commitments([booked(ANNA, "c")], {ANNA: ["c"]}, {})
    assert feedback_planning.feedback(WEEK, commitments, [PersonSettings(ANNA)], RULES, PARIS) == []
    (evening,) = feedback_planning.feedback_summaries(WEEK, commitments, {}, RULES, PARIS)
    assert (evening.chat_id, evening.due, evening.params) == (ANNA, paris(24, 21), {"item_id": "c"})
    (at_once,) = feedback_planning.feedback_summaries(WEEK, commitments, {"c": 3}, RULES, PARIS)
    assert at_once.key == evening.key and at_once.due == paris(24, 16)
