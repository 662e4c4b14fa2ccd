"""iCalendar: the real Kielux and MOCA calendars, broken copies, and the corner cases."""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import Facilitator, Kind, Programme
from bot.importers import parse_programme

from .support import BERLIN, PARIS, parse, refusal, refused_at, schedule_bytes

ROME = ZoneInfo("Europe/Rome")
KIELUX = "kielux-2020.ics"
MOCA = "moca-2024.ics"


@pytest.fixture(scope="module")
def kielux() -> Programme:
    return parse_programme(schedule_bytes(KIELUX), KIELUX, BERLIN)


@pytest.fixture(scope="module")
def moca() -> Programme:
    return parse_programme(schedule_bytes(MOCA), MOCA, ROME)


def local_days(programme: Programme, tz: ZoneInfo) -> Counter[date]:
    return Counter(w.start.astimezone(tz).date() for w in programme.workshops)


def test_kielux_is_read_whole(kielux: Programme) -> None:
    items = kielux.workshops
    assert len(items) == 24
    assert local_days(kielux, BERLIN) == {date(2020, 9, 18): 10, date(2020, 9, 19): 14}
    assert Counter(w.room for w in items) == {
        "Ravensberg": 15,
        "Düsternbrook": 5,
        "Laboe": 3,
        "Linux-Lounge": 1,
    }
    assert [r.name for r in kielux.rooms] == ["Ravensberg", "Laboe", "Düsternbrook", "Linux-Lounge"]
    assert len({w.id for w in items}) == 24
    assert kielux.name == "18. Kieler Open Source und Linux Tage"
    assert {w.end.astimezone(UTC) - w.start.astimezone(UTC) for w in items} == {
        timedelta(minutes=30),
        timedelta(minutes=60),
        timedelta(minutes=120),
    }


def test_kielux_utc_times_become_berlin_times(kielux: Programme) -> None:
    items = kielux.workshops
    breakfast = next(w for w in items if w.title == "Software-Freedom-Frühstück")
    # 08:00Z in the file
    assert breakfast.start == datetime(2020, 9, 19, 10, tzinfo=BERLIN)
    assert breakfast.start.tzinfo == BERLIN and breakfast.start.utcoffset() == timedelta(hours=2)
    assert min(w.start.astimezone(BERLIN).time() for w in items).hour == 10
    assert items[0].start == datetime(2020, 9, 18, 11, tzinfo=BERLIN)
    assert items[-1].end == datetime(2020, 9, 19, 18, tzinfo=BERLIN)


def test_kielux_text_and_people(kielux: Programme) -> None:
    items = kielux.workshops
    opencelium = next(w for w in items if w.title.startswith("OpenCelium"))
    assert opencelium.facilitators == (Facilitator("Jakob Semere"),)
    assert "einfache Art, damit sie" in opencelium.description  # \, unescaped, folds joined
    assert opencelium.description.startswith("von: Jakob Semere\n\nSie möchten")
    xen = next(w for w in items if w.title.startswith("Xen"))
    assert xen.facilitators == (Facilitator("Jürgen Groß"),)
    assert "Xen war lange Zeit die Plattform" in xen.description  # <i> dropped
    assert not any("\\n" in w.description or "<a " in w.description for w in items)
    assert not any(w.kind is not Kind.OTHER for w in items)


def test_moca_is_read_whole_despite_its_repeated_uids(moca: Programme) -> None:
    items = moca.workshops
    assert len(items) == 88
    assert len({w.id for w in items}) == 88
    assert local_days(moca, ROME) == {
        date(2024, 9, 13): 28,
        date(2024, 9, 14): 46,
        date(2024, 9, 15): 14,
    }
    assert Counter(w.room for w in items) == {"XOR": 34, "MOV": 33, "FreeKevin": 12, "MOKids": 9}
    assert any("'46939' is on 67 events" in w for w in moca.warnings)
    # the same ids again: nothing depends on order or chance
    again = parse_programme(schedule_bytes(MOCA), MOCA, ROME)
    assert [w.id for w in again.workshops] == [w.id for w in items]


def test_moca_times_people_and_kinds(moca: Programme) -> None:
    items = moca.workshops
    hours = [w.start.astimezone(ROME).hour for w in items]
    assert (min(hours), max(hours)) == (9, 21)
    assert items[0].start.tzinfo == ROME
    assert items[-1].title == "Closing ceremony"
    assert items[-1].start == datetime(2024, 9, 15, 15, tzinfo=ROME)
    names = {f.name for w in items for f in w.facilitators}
    assert {"Valerio Lupi", "Gabriele Zuddas", "Stefano SteveDEFT Fratepietro"} <= names
    assert "Massimo D’Alessio" in names and "John Doe" not in names
    blue = [w for w in items if w.title == "Blue Team Threat Emulation Game"]
    assert len(blue) == 2 and all(w.room == "FreeKevin" for w in blue)
    assert Counter(w.title for w in items)["Stampa e Modellazione 3D"] == 3
    assert {w.kind for w in items if w.room == "MOKids"} == {Kind.KIDS}
    assert all(w.description == w.description.strip() for w in items)
    assert sum(1 for w in items if not w.description) == 7


# Broken copies of the real files


def broken_copy(tmp_path: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    path = tmp_path / name
    path.write_bytes(change(schedule_bytes(name)))
    return path


def line_of(data: bytes, needle: bytes, before: bytes = b"") -> int:
    at = data.index(needle)
    if before:
        at = data.rindex(before, 0, at)
    return data.count(b"\n", 0, at) + 1


def refused_file(path: Path) -> tuple[str, str]:
    err = refusal(path.read_bytes(), path.name, BERLIN)
    return err.key, err.location


def test_a_truncated_calendar_names_the_unterminated_event(tmp_path: Path) -> None:
    cut = schedule_bytes(KIELUX).index(b"SUMMARY:Xen")
    path = broken_copy(tmp_path, KIELUX, lambda data: data[:cut])
    data = path.read_bytes()
    expected = data.rindex(b"BEGIN:VEVENT")
    assert refused_file(path) == (
        "import.ics_unterminated",
        str(data.count(b"\n", 0, expected) + 1),
    )


def test_a_missing_end_vevent_is_unterminated(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, KIELUX, lambda data: data.replace(b"END:VEVENT\r\n", b"", 1))
    data = path.read_bytes()
    assert refused_file(path) == (
        "import.ics_unterminated",
        str(line_of(data, b"UID:460@KOLT20", b"BEGIN")),
    )


def test_a_corrupt_start_is_refused_at_its_line(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        KIELUX,
        lambda d: d.replace(b"DTSTART:20200918T120000Z", b"DTSTART:20200918T250000Z", 1),
    )
    data = path.read_bytes()
    assert refused_file(path) == (
        "import.bad_start",
        str(line_of(data, b"DTSTART:20200918T250000Z")),
    )


def test_swapped_start_and_end_are_refused(tmp_path: Path) -> None:
    def swap(data: bytes) -> bytes:
        return data.replace(
            b"DTSTART:20200918T110000Z\r\nDTEND:20200918T120000Z",
            b"DTSTART:20200918T120000Z\r\nDTEND:20200918T110000Z",
            1,
        )

    path = broken_copy(tmp_path, KIELUX, swap)
    data = path.read_bytes()
    assert refused_file(path) == (
        "import.end_before_start",
        str(line_of(data, b"DTEND:20200918T110000Z")),
    )


def test_a_removed_end_is_a_zero_length_item_with_a_warning(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, KIELUX, lambda d: d.replace(b"DTEND:20200918T120000Z\r\n", b"", 1))
    programme = parse_programme(path.read_bytes(), path.name, BERLIN)
    opencelium = next(w for w in programme.workshops if w.title.startswith("OpenCelium"))
    assert opencelium.end == opencelium.start
    assert any("zero-length" in w for w in programme.warnings)


def test_a_calendar_without_events_is_refused(tmp_path: Path) -> None:
    def strip_events(data: bytes) -> bytes:
        head = data[: data.index(b"BEGIN:VEVENT")]
        return head + b"END:VCALENDAR\r\n"

    path = broken_copy(tmp_path, KIELUX, strip_events)
    assert refused_file(path) == ("import.ics_no_events", "")


def test_a_byte_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path, MOCA, lambda d: d.replace(b"Closing ceremony", b"Closing c\xe9r\xe9mony", 1)
    )
    assert refused_file(path) == ("import.not_utf8", str(line_of(path.read_bytes(), b"Closing c")))


# Corner cases, small calendars


def calendar(*lines: str, head: tuple[str, ...] = ()) -> str:
    return "\r\n".join(("BEGIN:VCALENDAR", "VERSION:2.0", *head, *lines, "END:VCALENDAR", ""))


def event(*lines: str) -> tuple[str, ...]:
    return ("BEGIN:VEVENT", *lines, "END:VEVENT")


def test_folding_escapes_parameters_and_timezones() -> None:
    text = calendar(
        *event(
            "UID:a",
            "SUMMARY;LANGUAGE=fr:Atelier \\, \\; \\\\ <b>gras</b> & 🌱",
            'DTSTART;TZID=Europe/Paris;X-ODD="a:b":20260825T100000',
            "DURATION:PT1H30M",
            "LOCATION: Salle des\r\n  Pins",
            "DESCRIPTION:Ligne 1\\nLigne 2",
            'ORGANIZER;CN="Camille, Yann";X-FOO=bar:mailto:c@example.org',
            "METHOD:PUBLISH",
        )
    )
    (item,) = parse(text, "c.ics").workshops
    assert item.title == "Atelier , ; \\ <b>gras</b> & 🌱"
    assert item.start == datetime(2026, 8, 25, 10, tzinfo=PARIS)
    assert item.end == datetime(2026, 8, 25, 11, 30, tzinfo=PARIS)
    assert item.room == "Salle des Pins"
    assert item.description == "Ligne 1\nLigne 2"
    assert [f.name for f in item.facilitators] == ["Camille", "Yann"]
    assert (item.id, item.language) == ("a", "fr")


def test_lf_line_ends_and_a_fold_inside_a_utf8_sequence() -> None:
    raw = (
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nSUMMARY:Caf"
        + b"\xc3\n \xa9\n"
        + (b"DTSTART:20260825T100000Z\nDTEND:20260825T110000Z\nEND:VEVENT\nEND:VCALENDAR\n")
    )
    (item,) = parse(raw, "c.ics").workshops
    assert item.title == "Café"
    assert item.start == datetime(2026, 8, 25, 12, tzinfo=PARIS)


def test_floating_times_use_x_wr_timezone_and_unknown_tzids_warn() -> None:
    text = calendar(
        *event("UID:a", "SUMMARY:A", "DTSTART:20260825T100000", "DTEND:20260825T110000"),
        *event("UID:b", "SUMMARY:B", "DTSTART;TZID=Mars/Olympus:20260825T100000", "DURATION:PT1H"),
        *event(
            "UID:c",
            "SUMMARY:C",
            "DTSTART;TZID=/citadel.org/20190101_1/Europe/London:20260825T100000",
            "DURATION:PT1H",
        ),
        head=("X-WR-TIMEZONE:America/New_York",),
    )
    programme = parse(text, "c.ics")
    a, b, c = sorted(programme.workshops, key=lambda w: w.id)
    new_york = ZoneInfo("America/New_York")
    assert a.start == datetime(2026, 8, 25, 10, tzinfo=new_york)
    assert a.start.tzinfo == PARIS
    assert b.start == a.start  # unknown TZID: the calendar's zone, with a warning
    assert any("Mars/Olympus" in w for w in programme.warnings)
    assert c.start == datetime(2026, 8, 25, 10, tzinfo=ZoneInfo("Europe/London"))


def test_all_day_events_last_a_day() -> None:
    text = calendar(*event("UID:a", "SUMMARY:Camp ouvert", "DTSTART;VALUE=DATE:20260825"))
    (item,) = parse(text, "c.ics").workshops
    assert item.start == datetime(2026, 8, 25, tzinfo=PARIS)
    assert item.end == datetime(2026, 8, 26, tzinfo=PARIS)


def test_weekly_and_daily_rules_are_expanded() -> None:
    text = calendar(
        *event(
            "UID:yoga",
            "SUMMARY:Yoga",
            "DTSTART;TZID=Europe/Paris:20261019T080000",
            "DTEND;TZID=Europe/Paris:20261019T090000",
            "RRULE:FREQ=DAILY;COUNT=7",
            "EXDATE;TZID=Europe/Paris:20261021T080000",
        ),
        *event(
            "UID:yoga",
            "RECURRENCE-ID;TZID=Europe/Paris:20261022T080000",
            "SUMMARY:Yoga (dans le pré)",
            "DTSTART;TZID=Europe/Paris:20261022T090000",
            "DTEND;TZID=Europe/Paris:20261022T100000",
        ),
        *event(
            "UID:chant",
            "SUMMARY:Chant",
            "DTSTART;TZID=Europe/Paris:20261019T180000",
            "DURATION:PT1H",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261030T000000Z",
        ),
        *event(
            "UID:fin", "SUMMARY:Fin", "DTSTART;VALUE=DATE:20261025", "RRULE:FREQ=MONTHLY;COUNT=3"
        ),
    )
    programme = parse(text, "c.ics")
    yoga = [w for w in programme.workshops if w.title.startswith("Yoga")]
    assert [w.start.day for w in yoga] == [19, 20, 22, 23, 24, 25]
    assert yoga[2].title == "Yoga (dans le pré)" and yoga[2].start.hour == 9
    assert yoga[-1].start == datetime(2026, 10, 25, 8, tzinfo=PARIS)  # after the clocks go back
    assert yoga[-1].start.utcoffset() == timedelta(hours=1)
    chant = [w.start.day for w in programme.workshops if w.title == "Chant"]
    assert chant == [19, 22, 26, 29]
    assert len({w.id for w in programme.workshops}) == len(programme.workshops)
    assert any("MONTHLY" in w for w in programme.warnings)


def test_broken_folding_joins_the_stray_line() -> None:
    text = calendar(
        *event(
            "UID:a",
            "SUMMARY:A",
            "DTSTART:20260825T100000Z",
            "DESCRIPTION:Anmeldung",
            "unter: kielux.de",
            "DURATION:PT1H",
        )
    )
    programme = parse(text, "c.ics")
    assert programme.workshops[0].description == "Anmeldung\nunter: kielux.de"
    assert programme.warnings


def test_cancelled_events_and_calendar_owners_are_left_out() -> None:
    owner = "ORGANIZER;CN=Calendrier:mailto:cal@example.org"
    text = calendar(
        *event("UID:a", "SUMMARY:A", "DTSTART:20260825T100000Z", "DURATION:PT1H", owner),
        *event(
            "UID:b",
            "SUMMARY:B",
            "DTSTART:20260825T110000Z",
            "DURATION:PT1H",
            owner,
            "STATUS:CANCELLED",
        ),
        *event(
            "UID:c",
            "SUMMARY:C",
            "DTSTART:20260825T120000Z",
            "DURATION:PT1H",
            owner,
            "ATTENDEE;CN=Invitée;PARTSTAT=NEEDS-ACTION:mailto:i@example.org",
            "ATTENDEE;CN=Animatrice;ROLE=CHAIR:mailto:a@example.org",
        ),
    )
    a, c = parse(text, "c.ics").workshops
    assert a.facilitators == ()
    assert c.facilitators == (Facilitator("Animatrice"),)


@pytest.mark.parametrize(
    ("lines", "key", "line"),
    [
        (event("UID:a", "DTSTART:20260825T100000Z"), "missing_title", 3),
        (event("UID:a", "SUMMARY:A"), "missing_start", 3),
        (event("SUMMARY:A", "DTSTART:20260832T100000Z"), "bad_start", 5),
        (event("SUMMARY:A", "DTSTART:20260825T100000Z", "DURATION:PT1X"), "bad_duration", 6),
        (("BEGIN:VEVENT", "SUMMARY:A", *event("SUMMARY:B")), "ics_unterminated", 3),
    ],
)
def test_broken_small_calendars(lines: tuple[str, ...], key: str, line: int) -> None:
    refused_at(calendar(*lines), "c.ics", key, line)


def test_a_file_that_is_not_a_calendar() -> None:
    refused_at("hello\r\n", "c.ics", "not_ics", None)
    refused_at(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:A\r\nEND:VEVENT\r\n",
        "c.ics",
        "ics_truncated",
        1,
    )


def test_a_vtimezone_alias_nested_alarms_and_categories() -> None:
    text = calendar(
        "BEGIN:VTIMEZONE",
        "TZID:Paris maison",
        "X-LIC-LOCATION:Europe/Paris",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "END:STANDARD",
        "END:VTIMEZONE",
        *event(
            "UID:1",
            "SUMMARY:Déjeuner",
            "DTSTART;TZID=Paris maison:20260825T123000",
            "DTEND;TZID=Paris maison:20260825T133000",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-PT15M",
            "END:VALARM",
            "CATEGORIES:Repas,Cuisine",
        ),
    )
    (item,) = parse(text, "c.ics").workshops
    assert item.start == datetime(2026, 8, 25, 12, 30, tzinfo=PARIS)
    assert (item.kind, item.tags) == (Kind.MEAL, ("Repas", "Cuisine"))
