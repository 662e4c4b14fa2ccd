from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import schedule
from bot.domain.models import Workshop
from bot.domain.schedule import Phase, parse_day

PARIS = ZoneInfo("Europe/Paris")


def item(ident: str, start: datetime, minutes: int = 60, room: str | None = "A") -> Workshop:
    return Workshop(ident, ident, start, start + timedelta(minutes=minutes), room=room)


MON = datetime(2026, 8, 24, 10, 0, tzinfo=PARIS)
ITEMS = [
    item("a", MON),
    item("b", MON, room="B"),
    item("c", MON + timedelta(hours=4)),
    item("d", MON + timedelta(days=1)),
]


def test_next_slot_gives_every_parallel_item() -> None:
    slot = schedule.next_slot(ITEMS, MON - timedelta(minutes=5))
    assert slot is not None
    assert slot.start == MON
    assert [w.id for w in slot.items] == ["a", "b"]


def test_next_slot_is_strictly_after_now() -> None:
    slot = schedule.next_slot(ITEMS, MON)
    assert slot is not None and [w.id for w in slot.items] == ["c"]
    assert schedule.next_slot(ITEMS, MON + timedelta(days=2)) is None


def test_running_and_phase() -> None:
    assert [w.id for w in schedule.running(ITEMS, MON + timedelta(minutes=30))] == ["a", "b"]
    assert schedule.phase(ITEMS, MON - timedelta(days=1)) is Phase.BEFORE
    assert schedule.phase(ITEMS, MON) is Phase.DURING
    assert schedule.phase(ITEMS, MON + timedelta(days=3)) is Phase.AFTER
    assert schedule.phase([], MON) is Phase.EMPTY


def test_day_uses_local_time_across_the_dst_change() -> None:
    # 25 October 2026: clocks go back at 03:00 in Paris; 00:30 local is still the 25th
    night = datetime(2026, 10, 25, 0, 30, tzinfo=PARIS)
    late = item("late", night)
    assert schedule.on_day([late], date(2026, 10, 25), PARIS) == [late]
    assert schedule.on_day([late], date(2026, 10, 24), PARIS) == []


def test_parse_day_reads_names_and_dates() -> None:
    week = [date(2026, 8, 24) + timedelta(days=i) for i in range(6)]
    today = date(2026, 8, 24)
    assert schedule.parse_day("mardi", today, week) == date(2026, 8, 25)
    assert schedule.parse_day("Tuesday", today, week) == date(2026, 8, 25)
    assert schedule.parse_day("27/08", today, week) == date(2026, 8, 27)
    assert schedule.parse_day("2026-08-28", today, week) == date(2026, 8, 28)
    assert schedule.parse_day("demain", today, week) == date(2026, 8, 25)
    assert schedule.parse_day("31/02", today, week) is None
    assert schedule.parse_day("blurp", today, week) is None


def test_days_sorts_items_into_local_days_once() -> None:
    late = item("e", datetime(2026, 8, 24, 23, 30, tzinfo=PARIS))  # 21:30 UTC: still Monday
    night = item("f", datetime(2026, 8, 24, 22, 30, tzinfo=ZoneInfo("UTC")))  # Tuesday 00:30
    days = schedule.Days.of([*ITEMS, late, night], PARIS)
    monday, tuesday = date(2026, 8, 24), date(2026, 8, 25)
    assert days.days == (monday, tuesday)
    assert [w.id for w in days.on(monday)] == ["a", "b", "c", "e"]
    assert [w.id for w in days.on(tuesday)] == ["f", "d"]
    assert days.on(date(2026, 8, 26)) == ()
    assert days.after(date(2026, 8, 23)) == monday
    assert days.after(monday) == tuesday
    assert days.after(tuesday) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26 août", date(2026, 8, 26)),
        ("mercredi 26 aout", date(2026, 8, 26)),
        ("1er août", date(2026, 8, 1)),
        ("August 26", date(2026, 8, 26)),
        ("26th August", date(2026, 8, 26)),
        ("Wed 26 Aug 2026", date(2026, 8, 26)),
        ("31 février", None),
        ("26 foo", None),
    ],
)
def test_days_written_with_the_month_name(text: str, expected: date | None) -> None:
    week = [date(2026, 8, 24) + timedelta(days=n) for n in range(6)]
    assert parse_day(text, date(2026, 8, 24), week) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6 * 24 * 4),  # quarter-hours from Monday 00:00
            st.integers(0, 600),  # minutes, 0-minute items included
            st.sampled_from(["A", "B", "C", None]),
        ),
        max_size=40,
    ),
    st.integers(-200, 7 * 24 * 4 + 200),
)
def test_days_answer_phase_and_next_slot_as_the_scans_do(
    shapes: list[tuple[int, int, str | None]], quarter: int
) -> None:
    monday = datetime(2026, 8, 24, tzinfo=PARIS)
    items = [
        item(f"i{n}", monday + timedelta(minutes=15 * at), minutes, room)
        for n, (at, minutes, room) in enumerate(shapes)
    ]
    now = monday + timedelta(minutes=15 * quarter + 7 * (quarter % 3 == 0))
    days = schedule.Days.of(items, PARIS)
    assert days.phase(now) is schedule.phase(items, now)
    assert days.next_slot(now) == schedule.next_slot(items, now)
    for day in days.days:  # a day's first slot, as its slots would say (issue 13: no sort)
        assert days.first_slot(day) == schedule.by_start(days.on(day))[0]
    assert days.first_slot(monday.date() - timedelta(days=1)) is None
