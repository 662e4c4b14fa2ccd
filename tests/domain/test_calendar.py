"""Issue 15: each item's SEQUENCE, and the .ics view read back with another parser (vobject)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import vobject

from bot.domain import calendar as cal
from bot.domain.calendar import EventStatus, ItemState, Why
from bot.domain.models import RotaSlot, Workshop
from bot.views.calendar import ics

PARIS = ZoneInfo("Europe/Paris")
T = datetime(2026, 8, 24, 10, 0, tzinfo=PARIS)


def item(**changes: Any) -> Workshop:
    fields: dict[str, Any] = {
        "id": "a",
        "title": "Atelier A",
        "start": T,
        "end": T + timedelta(hours=1),
        "room": "Plage",
    }
    return Workshop(**{**fields, **changes})


def step(known: dict[str, ItemState], *items: Workshop) -> dict[str, ItemState]:
    current = {cal.workshop_uid(w.id): cal.snapshot_of(w) for w in items}
    return {**known, **{s.uid: s for s in cal.advance(known, current)}}


def test_sequence_goes_up_once_a_change_and_a_cancellation_is_kept() -> None:
    uid = cal.workshop_uid("a")
    first = step({}, item())
    assert (first[uid].sequence, first[uid].cancelled) == (0, False)
    assert cal.advance(first, {uid: cal.snapshot_of(item())}) == []  # nothing changed
    assert cal.advance(first, {uid: cal.snapshot_of(item(capacity=3))}) == []  # not shown
    moved = step(first, item(room="Chapiteau"))
    assert moved[uid].sequence == 1
    gone = step(moved)
    assert (gone[uid].sequence, gone[uid].cancelled) == (2, True)
    assert gone[uid].snapshot["room"] == "Chapiteau"  # as calendars last had it
    assert step(gone) == gone  # still gone: not raised again
    back = step(gone, item(room="Chapiteau"))
    assert (back[uid].sequence, back[uid].cancelled) == (3, False)


def test_a_cancelled_event_says_so_and_rings_no_alarm() -> None:
    (state,) = step({}, item()).values()
    gone = cal.advance({state.uid: state}, {})[0]
    event = cal.event(gone, Why.SIGNED_UP, alarm_minutes=10)
    assert event.status is EventStatus.CANCELLED and event.alarm_minutes is None
    assert cal.event(state, Why.WAITING, tentative=True).status is EventStatus.TENTATIVE


def test_tokens_have_one_shape() -> None:
    assert cal.is_token("0123456789abcdef" * 2)
    for wrong in ("", "0" * 31, "0" * 33, "G" * 32, "0123456789ABCDEF" * 2, "../" + "0" * 29):
        assert not cal.is_token(wrong)


def test_the_file_keeps_odd_titles_and_local_times_across_a_change_of_offset() -> None:
    odd = item(
        title='Chant ; danse, "et" \\ le reste\nsur deux lignes',
        room="Salle A, côté mer",
        description="x" * 200,
    )
    # The night the clocks go back: 02:30 happens twice; the first is +02:00
    autumn = Workshop(
        "z",
        "Veillée",
        datetime(2026, 10, 25, 1, 30, tzinfo=PARIS),
        datetime(2026, 10, 25, 3, 0, tzinfo=PARIS),
    )
    slot = RotaSlot("r", "Vaisselle", T, T + timedelta(minutes=30), 2)
    states = {
        **step({}, odd, autumn),
        cal.rota_uid("r"): cal.advance({}, {cal.rota_uid("r"): cal.snapshot_of(slot)})[0],
    }
    events = [
        cal.event(states[cal.workshop_uid("a")], Why.SIGNED_UP, alarm_minutes=15),
        cal.event(states[cal.workshop_uid("z")], Why.RUNS),
        cal.event(states[cal.rota_uid("r")], Why.ROTA),
    ]

    def say(key: str, **params: object) -> str:
        return f"{key}:{params}"

    data = ics(events, name="Mon agenda", tz=PARIS, now=T, say=say)
    parsed = vobject.readOne(data.decode())
    by_uid = {e.uid.value: e for e in parsed.vevent_list}
    a = by_uid[cal.workshop_uid("a")]
    assert a.summary.value == odd.title
    assert a.location.value == "Salle A, côté mer"
    assert a.valarm.trigger.value == timedelta(minutes=-15)
    assert a.dtstart.value.astimezone(UTC) == datetime(2026, 8, 24, 8, 0, tzinfo=UTC)
    z = by_uid[cal.workshop_uid("z")]
    assert z.dtstart.value.astimezone(UTC) == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert z.dtend.value.astimezone(UTC) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert by_uid[cal.rota_uid("r")].summary.value == "calendar.rota_title:{'area': 'Vaisselle'}"
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
