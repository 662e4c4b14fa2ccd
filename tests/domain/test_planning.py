"""What the bot sends on its own, and when: announcements, the board, reminders, digests, fixes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import planning
from bot.domain.booking import Booking, Status, TargetKind
from bot.domain.models import Kind, Programme, RotaSlot, Workshop
from bot.domain.planning import (
    Commitments,
    PersonSettings,
    Planned,
    QuietHours,
    Rules,
    SentReminder,
)

PARIS = ZoneInfo("Europe/Paris")
GROUP = -100123
NIGHT = QuietHours(time(22, 0), time(7, 30))
RULES = Rules(group_chat=GROUP, quiet=NIGHT)  # 15 min lead, 10 min reminders, digest at 08:00
ANNA, BRUNO = 11, 12


def paris(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    """Give a moment of 2026 in Paris."""
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def item(
    ident: str,
    start: datetime,
    minutes: int = 60,
    *,
    room: str = "Plage",
    capacity: int | None = 10,
    kind: Kind = Kind.WORKSHOP,
) -> Workshop:
    """Give a programme item (a workshop that takes 10 sign-ups unless told otherwise)."""
    end = start + timedelta(minutes=minutes)
    return Workshop(ident, f"Atelier {ident}", start, end, kind, room, capacity=capacity)


def booked(
    user: int, target: str, status: Status = Status.IN, kind: TargetKind = TargetKind.WORKSHOP
) -> Booking:
    """Give a booking."""
    return Booking(kind, target, user, status, seq=0)


def utc(moment: datetime) -> datetime:
    """Give a moment in UTC, to compare with what the rules say in local time."""
    return moment.astimezone(UTC)


def reminded(w: Workshop, rules: Rules = RULES) -> list[Planned]:
    """Plan Anna's reminders when she holds a place in one item and nothing else."""
    return planning.reminders(
        Programme((w,)), Commitments([booked(ANNA, w.id)]), [PersonSettings(ANNA)], rules, PARIS
    )


def only(planned: list[Planned]) -> Planned:
    """Give the one planned message."""
    assert len(planned) == 1, planned
    return planned[0]


# --- quiet hours --------------------------------------------------------------------------------


def test_quiet_hours_span_midnight() -> None:
    quiet = QuietHours.parse(" 22:00 - 07:30 ")
    assert quiet == NIGHT
    inside = [time(22, 0), time(23, 59), time(0, 0), time(7, 29)]
    outside = [time(7, 30), time(12, 0), time(21, 59)]
    assert all(quiet.contains(t) for t in inside)
    assert not any(quiet.contains(t) for t in outside)
    siesta = QuietHours.parse("13:00-14:30")
    assert siesta.contains(time(13, 0)) and not siesta.contains(time(14, 30))
    assert not siesta.contains(time(23, 0))


def test_release_is_the_end_of_the_quiet_hours_that_hold_a_moment() -> None:
    assert NIGHT.release(paris(24, 23), PARIS) == paris(25, 7, 30)  # the next morning
    assert NIGHT.release(paris(25, 6), PARIS) == paris(25, 7, 30)  # the same morning
    assert NIGHT.release(paris(25, 12), PARIS) == paris(25, 12)  # not held


def test_release_across_the_autumn_clock_change() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; 07:30 is then 06:30 UTC, not 05:30
    released = NIGHT.release(paris(24, 23, month=10), PARIS)
    assert utc(released) == datetime(2026, 10, 25, 6, 30, tzinfo=UTC)


# --- reminders ----------------------------------------------------------------------------------


def test_a_reminder_before_what_one_holds_a_place_in() -> None:
    w = item("yoga", paris(24, 10))
    planned = only(reminded(w))
    assert planned.kind == planning.REMINDER and planned.chat_id == ANNA
    assert planned.due == paris(24, 9, 50) and planned.expires == paris(24, 10)
    assert not planned.urgent
    assert planned.key == f"reminder:{ANNA}:workshop:yoga:2026-08-24T08:00+00:00"
    assert planned.params == {
        "target_kind": "workshop",
        "target_id": "yoga",
        "start": "2026-08-24T08:00+00:00",
        "room": "Plage",
    }


def test_reminders_only_for_places_held_by_people_who_want_them() -> None:
    w = item("yoga", paris(24, 10))
    commitments = Commitments(
        [booked(ANNA, "yoga", Status.WAITING), booked(BRUNO, "yoga"), booked(ANNA, "gone")]
    )
    people = [PersonSettings(ANNA), PersonSettings(BRUNO, reminders=False)]
    assert planning.reminders(Programme((w,)), commitments, people, RULES, PARIS) == []
    off = replace(RULES, enabled=False)
    assert (
        planning.reminders(Programme((w,)), commitments, [PersonSettings(BRUNO)], off, PARIS) == []
    )


def test_facilitators_and_rota_slots_get_reminders_too() -> None:
    w = item("cuisine", paris(24, 10), capacity=None)  # takes no sign-ups: run, not booked
    slot = RotaSlot("vaisselle", "Vaisselle", paris(24, 14), paris(24, 15), 3)
    commitments = Commitments(
        [booked(BRUNO, "vaisselle", kind=TargetKind.ROTA)], facilitating={ANNA: ["cuisine"]}
    )
    people = [PersonSettings(ANNA), PersonSettings(BRUNO)]
    planned = planning.reminders(Programme((w,), rota=(slot,)), commitments, people, RULES, PARIS)
    assert {(p.chat_id, p.params["target_id"], p.params["room"], p.due) for p in planned} == {
        (ANNA, "cuisine", "Plage", paris(24, 9, 50)),
        (BRUNO, "vaisselle", None, paris(24, 13, 50)),
    }


def test_quiet_hours_hold_a_reminder_to_the_end_of_the_window() -> None:
    early = item("aube", paris(25, 8))
    rules = replace(RULES, reminder=timedelta(hours=1))  # due 07:00, in the quiet hours
    planned = only(reminded(early, rules))
    assert planned.due == paris(25, 7, 30) and planned.expires == paris(25, 8)
    loud = replace(rules, quiet=None)
    assert only(reminded(early, loud)).due == paris(25, 7)


def test_a_reminder_held_past_its_item_is_not_planned() -> None:
    # due 07:20, held to 07:30: the item has started, nothing worth saying is left
    at_dawn = item("aube", paris(25, 7, 30))
    assert reminded(at_dawn) == []


def test_an_item_just_after_midnight() -> None:
    late = item("minuit", paris(25, 0, 15))  # 22:15 UTC on the 24th
    assert only(reminded(late, replace(RULES, quiet=None))).due == paris(25, 0, 5)
    # with the night's quiet hours it would wait until 07:30, long after: none is planned
    assert reminded(late) == []
    # and its digest is the local day's, the 25th, not the UTC day
    digest = only(planning.digests(Programme((late,)), [PersonSettings(ANNA)], RULES, PARIS))
    assert digest.params == {"date": "2026-08-25"}


def test_urgent_messages_go_through_the_quiet_hours() -> None:
    night = Planned("k", planning.CORRECTION, ANNA, paris(24, 23), urgent=True)
    assert planning._private(night, RULES, PARIS) == night
    quiet = replace(night, urgent=False)
    assert planning._private(quiet, RULES, PARIS) == replace(quiet, due=paris(25, 7, 30))
    stale = replace(quiet, expires=paris(25, 7, 30))
    assert planning._private(stale, RULES, PARIS) is None


# --- digests ------------------------------------------------------------------------------------


def test_a_digest_each_local_day_at_the_configured_time_across_the_clock_change() -> None:
    # 25 October 2026 is 25 hours long in Paris: 08:00 is 06:00 UTC the day before, 07:00 after
    week = Programme(tuple(item(f"w{d}", paris(d, 10, month=10)) for d in (24, 25, 26)))
    digests = planning.digests(week, [PersonSettings(ANNA)], RULES, PARIS)
    assert [utc(p.due).hour for p in digests] == [6, 7, 7]
    assert [p.due.astimezone(PARIS).time() for p in digests] == [time(8)] * 3
    assert [p.key for p in digests] == [f"digest:{ANNA}:2026-10-{d}" for d in (24, 25, 26)]
    assert [p.expires for p in digests] == [paris(d, 12, month=10) for d in (24, 25, 26)]


def test_a_digest_in_spring_moves_with_the_clocks() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST
    days = Programme(tuple(item(f"w{d}", paris(d, 10, month=3)) for d in (28, 29)))
    digests = planning.digests(days, [PersonSettings(ANNA)], RULES, PARIS)
    assert [utc(p.due) for p in digests] == [
        datetime(2026, 3, 28, 7, tzinfo=UTC),
        datetime(2026, 3, 29, 6, tzinfo=UTC),
    ]


def test_a_digest_set_in_the_quiet_hours_waits_for_their_end() -> None:
    rules = replace(RULES, digest_at=time(6, 45))
    one = Programme((item("a", paris(24, 10)),))
    assert only(planning.digests(one, [PersonSettings(ANNA)], rules, PARIS)).due == paris(24, 7, 30)


def test_no_digest_for_who_turned_it_off_nor_on_a_day_without_items() -> None:
    two = Programme((item("a", paris(24, 10)), item("b", paris(26, 10))))
    people = [PersonSettings(ANNA, digest=False), PersonSettings(BRUNO)]
    digests = planning.digests(two, people, RULES, PARIS)
    assert [(p.chat_id, p.params["date"]) for p in digests] == [
        (BRUNO, "2026-08-24"),
        (BRUNO, "2026-08-26"),
    ]


# --- the group: slot announcements and the board --------------------------------------------------


def test_one_announcement_a_slot_before_it_starts_meals_left_out() -> None:
    ten, two = paris(24, 10), paris(24, 14)
    programme = Programme(
        (
            item("b", ten, room="Salle B"),
            item("a", ten, room="Salle A"),
            item("repas", paris(24, 12), kind=Kind.MEAL),
            item("c", two),
        )
    )
    announces = [
        p for p in planning.group_messages(programme, RULES) if p.kind == planning.ANNOUNCE
    ]
    assert [(p.due, p.expires, p.params["items"]) for p in announces] == [
        (paris(24, 9, 45), ten, ["a", "b"]),
        (paris(24, 13, 45), two, ["c"]),
    ]
    assert {p.chat_id for p in announces} == {GROUP}
    assert announces[0].key == f"announce:{GROUP}:2026-08-24T08:00+00:00"


def test_no_group_no_group_messages() -> None:
    programme = Programme((item("a", paris(24, 10)),))
    assert planning.group_messages(programme, replace(RULES, group_chat=None)) == []


def test_the_board_changes_at_every_start_and_end_each_update_lasting_until_the_next() -> None:
    # an item across midnight: its end, on the next local day, is a moment of the board too
    programme = Programme((item("a", paris(24, 21), 60), item("nuit", paris(24, 23, 30), 60)))
    board = [p for p in planning.group_messages(programme, RULES) if p.kind == planning.BOARD]
    moments = [paris(24, 21), paris(24, 22), paris(24, 23, 30), paris(25, 0, 30)]
    assert [p.due for p in board] == moments
    assert [p.expires for p in board] == [*moments[1:], None]
    without = planning.group_messages(programme, replace(RULES, board=False))
    assert all(p.kind == planning.ANNOUNCE for p in without)


# --- the whole plan -----------------------------------------------------------------------------


def test_the_plan_is_every_message_in_time_order() -> None:
    programme = Programme((item("a", paris(24, 10)), item("b", paris(25, 16))))
    commitments = Commitments([booked(ANNA, "b")])
    planned = planning.plan(programme, commitments, [PersonSettings(ANNA)], RULES, PARIS)
    assert [p.due for p in planned] == sorted(p.due for p in planned)
    assert {p.kind for p in planned} == set(planning.PLANNED_KINDS)
    assert len({p.key for p in planned}) == len(planned)
    off = replace(RULES, enabled=False)
    assert planning.plan(programme, commitments, [PersonSettings(ANNA)], off, PARIS) == []


def test_a_message_is_useful_until_it_expires() -> None:
    planned = Planned("k", planning.DIGEST, ANNA, paris(24, 8), expires=paris(24, 12))
    assert planning.still_useful(planned, paris(24, 11, 59))
    assert not planning.still_useful(planned, paris(24, 12))
    assert planning.still_useful(replace(planned, expires=None), paris(30, 12))


def test_an_announcement_with_no_lead_goes_out_at_the_start() -> None:
    programme = Programme((item("a", paris(24, 10)),))
    rules = replace(RULES, lead=timedelta(0), board=False)
    planned = only(planning.group_messages(programme, rules))
    assert planned.due == paris(24, 10)
    assert planning.still_useful(planned, planned.due)


def test_a_reminder_with_no_lead_is_planned_at_the_start() -> None:
    w = item("yoga", paris(24, 10))
    rules = replace(RULES, reminder=timedelta(0))
    planned = reminded(w, rules)
    assert [p.due for p in planned] == [paris(24, 10)]
    assert planning.still_useful(planned[0], planned[0].due)


# --- corrections of reminders already sent --------------------------------------------------------


def sent(target: Workshop, *, cancelled: bool = False) -> SentReminder:
    """Give the reminder sent for an item as it was."""
    start = planning._iso(target.start)
    key = f"reminder:{ANNA}:workshop:{target.id}:{start}"
    return SentReminder(key, ANNA, "workshop", target.id, start, target.room, cancelled)


def test_a_reminded_item_that_moved_gets_one_urgent_correction_now() -> None:
    was = item("yoga", paris(25, 10))
    moved = replace(was, room="Chapiteau")
    now = paris(24, 23)  # in the quiet hours: a correction does not wait for their end
    fix = only(planning.corrections([sent(was)], Programme((moved,)), now))
    assert fix.kind == planning.CORRECTION and fix.urgent and fix.due == now and fix.expires is None
    assert fix.params["room"] == "Chapiteau" and fix.params["was_room"] == "Plage"
    assert fix.key == f"fix:{sent(was).key}:2026-08-25T08:00+00:00:Chapiteau"
    assert planning.corrections([sent(was)], Programme((was,)), now) == []  # nothing changed


def test_a_cancelled_item_is_corrected_once_and_not_after_it_ended() -> None:
    was = item("yoga", paris(24, 10))
    gone = only(planning.corrections([sent(was)], Programme(()), paris(24, 9)))
    assert gone.params["cancelled"] is True and gone.key.endswith(":cancelled")
    told = sent(was, cancelled=True)  # a change notice already said so
    assert planning.corrections([told], Programme(()), paris(24, 9)) == []
    later = replace(was, start=paris(24, 11), end=paris(24, 12))
    assert planning.corrections([sent(was)], Programme((later,)), paris(24, 12)) == []


def test_a_new_file_tells_who_was_reminded_under_the_same_key_as_a_correction() -> None:
    was = item("yoga", paris(24, 10))
    moved = replace(was, start=paris(24, 11), end=paris(24, 12))
    now = paris(24, 9)
    told = planning.file_correction(ANNA, was, moved, sent(was), now)
    fix = only(planning.corrections([sent(was)], Programme((moved,)), now))
    assert told is not None and told.key == fix.key and told.urgent
    untold = planning.file_correction(BRUNO, was, moved, None, now)
    assert untold is not None and untold.key.startswith(f"fix:file:{BRUNO}:yoga:")
    assert planning.file_correction(ANNA, was, was, None, now) is None
    no_signups = replace(was, capacity=None)  # the file stopped taking sign-ups: as if gone
    gone = planning.file_correction(ANNA, was, no_signups, None, now)
    assert gone is not None and gone.params["cancelled"] is True


# --- properties ---------------------------------------------------------------------------------

MOMENTS = st.integers(min_value=0, max_value=14 * 24 * 4).map(
    lambda q: paris(20, 0, month=10) + timedelta(minutes=15 * q)  # across the autumn change
)


@given(when=MOMENTS)
def test_released_moments_are_never_quiet_and_never_earlier(when: datetime) -> None:
    released = NIGHT.release(when, PARIS)
    assert released >= when
    assert not NIGHT.contains(released.astimezone(PARIS).time())
    assert released - when <= timedelta(hours=10)  # the window's length, plus the extra hour


@settings(max_examples=100, deadline=None)
@given(
    starts=st.lists(MOMENTS, min_size=1, max_size=8),
    reminder=st.integers(min_value=1, max_value=180),
    lead=st.integers(min_value=1, max_value=120),
)
def test_nothing_private_is_due_in_the_quiet_hours_nor_after_it_expires(
    starts: list[datetime], reminder: int, lead: int
) -> None:
    programme = Programme(tuple(item(f"w{n}", s) for n, s in enumerate(starts)))
    commitments = Commitments([booked(ANNA, f"w{n}") for n in range(len(starts))])
    rules = replace(RULES, reminder=timedelta(minutes=reminder), lead=timedelta(minutes=lead))
    planned = planning.plan(programme, commitments, [PersonSettings(ANNA)], rules, PARIS)
    for p in planned:
        assert p.expires is None or p.due < p.expires, p
        if p.chat_id == ANNA:
            assert not NIGHT.contains(p.due.astimezone(PARIS).time()), p
    reminded = {p.params["target_id"] for p in planned if p.kind == planning.REMINDER}
    for n, start in enumerate(starts):
        due = start - rules.reminder
        if not NIGHT.contains(due.astimezone(PARIS).time()):
            assert f"w{n}" in reminded  # a daytime reminder is never lost
