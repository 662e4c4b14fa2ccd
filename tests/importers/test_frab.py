"""frab/pretalx schedules: the real rC3 (JSON) and FOSDEM 2026 (XML) files, and broken copies."""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import Kind, Programme
from bot.importers import parse_programme

from .support import BERLIN, parse, refusal, schedule_bytes

BRUSSELS = ZoneInfo("Europe/Brussels")
RC3 = "pretalx-rc3-2020.schedule.json"
FOSDEM = "fosdem-2026.schedule.xml"


@pytest.fixture(scope="module")
def rc3() -> Programme:
    return parse_programme(schedule_bytes(RC3), RC3, BERLIN)


@pytest.fixture(scope="module")
def fosdem() -> Programme:
    # 2.7 MB: parsed once for the module
    return parse_programme(schedule_bytes(FOSDEM), FOSDEM, BRUSSELS)


def local_days(programme: Programme, tz: ZoneInfo) -> Counter[str]:
    return Counter(w.start.astimezone(tz).date().isoformat() for w in programme.workshops)


def test_rc3_json_is_read_whole(rc3: Programme) -> None:
    items = rc3.workshops
    assert len(items) == 48
    assert local_days(rc3, BERLIN) == {
        "2020-12-27": 12,
        "2020-12-28": 15,
        "2020-12-29": 14,
        "2020-12-30": 7,
    }
    assert Counter(w.room for w in items) == {
        "r3s - Monheim/Rhein": 31,
        "backspace / franconian.net - Bamberg": 14,
        "hacc München / about:future - München": 1,
        "ChaosTrawler Stubnitz/Gängeviertel Hamburg": 1,
        "Chaos-West TV - Ennepetal": 1,
    }
    assert len(rc3.rooms) == 5
    assert rc3.name == "rC3 Channels"
    assert len({w.id for w in items}) == 48
    assert items[0].id == "c3642671-4c1f-5109-81ba-0535c1cc8428"  # the guid


def test_rc3_times_are_in_the_event_timezone(rc3: Programme) -> None:
    first = rc3.workshops[0]
    assert first.title == "Der faule Admin automatisiert: Gluon auf echter Hardware testen"
    assert first.start == datetime(2020, 12, 27, 11, 30, tzinfo=BERLIN)
    assert first.start.tzinfo == BERLIN and first.start.utcoffset() == timedelta(hours=1)
    assert first.end == datetime(2020, 12, 27, 12, 10, tzinfo=BERLIN)
    assert first.facilitators[0].name == "Chris Fiege"
    assert max(w.end for w in rc3.workshops) <= datetime(2020, 12, 30, 23, 30, tzinfo=BERLIN)
    assert min(w.start.astimezone(BERLIN).hour for w in rc3.workshops) >= 10


def test_rc3_details(rc3: Programme) -> None:
    items = rc3.workshops
    assert Counter(w.language for w in items) == {"en": 29, "de": 19}
    assert sum(1 for w in items if not w.facilitators) == 1
    assert max(len(w.facilitators) for w in items) == 3
    assert not any("<ul>" in w.description or "<a " in w.description for w in items)
    boxes = next(w for w in items if "Boxes.py" in w.description)
    assert "Boxes.py (https://festi.info/boxes.py/?language=en)" in boxes.description
    assert all(w.kind in (Kind.OTHER, Kind.WORKSHOP) for w in items)


def test_fosdem_xml_is_read_whole(fosdem: Programme) -> None:
    items = fosdem.workshops
    assert len(items) == 883
    assert local_days(fosdem, BRUSSELS) == {"2026-01-31": 484, "2026-02-01": 399}
    assert len(fosdem.rooms) == 30
    per_day = {
        day: {w.room for w in items if w.start.date().isoformat() == day}
        for day in ("2026-01-31", "2026-02-01")
    }
    assert (len(per_day["2026-01-31"]), len(per_day["2026-02-01"])) == (29, 26)
    assert "UD2.208 (Decroly)" not in per_day["2026-01-31"]
    assert len({w.id for w in items}) == 883
    assert Counter(w.title for w in items)["Lightning Talks"] == 2
    assert fosdem.name == "FOSDEM 2026"


def test_fosdem_times_kinds_and_people(fosdem: Programme) -> None:
    items = fosdem.workshops
    first = items[0]
    assert first.title == "Welcome to FOSDEM 2026"
    assert first.start == datetime(2026, 1, 31, 9, 30, tzinfo=BRUSSELS)
    assert first.start.tzinfo == BRUSSELS
    assert first.facilitators[0].name == "FOSDEM Staff"
    assert first.description == "FOSDEM welcome and opening talk."
    assert first.tags == ("Main Track",)
    assert max(w.end for w in items) == datetime(2026, 2, 1, 18, 15, tzinfo=BRUSSELS)
    closing = next(w for w in items if w.title == "Closing FOSDEM 2026")
    assert closing.facilitators == () and closing.kind is Kind.PLENARY
    (soldering,) = [w for w in items if w.kind is Kind.WORKSHOP]
    assert soldering.title == "RVPC RISC-V retro computer Soldering workshop"
    assert soldering.room == "UA4.218"
    assert soldering.end.astimezone(UTC) - soldering.start.astimezone(UTC) == timedelta(hours=8)
    assert sum(1 for w in items if not w.facilitators) == 6
    assert max(len(w.facilitators) for w in items) == 7
    assert not any("<p>" in w.description or "&lt;" in w.description for w in items)


# Broken copies of the real files, written to temporary files


def broken_copy(tmp_path: Path, name: str, change: Callable[[str], str]) -> Path:
    path = tmp_path / name
    path.write_bytes(change(schedule_bytes(name).decode("utf-8")).encode("utf-8"))
    return path


def line_of(text: str, needle: str, before: str = "") -> int:
    """Give the line of `before` last seen ahead of `needle` (or of `needle` itself)."""
    at = text.index(needle)
    if before:
        at = text.rindex(before, 0, at)
    return text.count("\n", 0, at) + 1


def refused_file(path: Path, tz: ZoneInfo = BERLIN) -> tuple[str, str]:
    err = refusal(path.read_bytes(), path.name, tz)
    return err.key, err.location


RC3_GUID = '"guid": "c3642671-4c1f-5109-81ba-0535c1cc8428"'


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('"date": "2020-12-27T11:30:00+01:00"', '"date": "2020-12-27T25:30:00+01:00"', "bad_start"),
        ('"duration": "00:40"', '"duration": "forty"', "bad_duration"),
        ('"duration": "00:40"', '"duration": ""', "missing_end"),
        (
            '"title": "Der faule Admin automatisiert: Gluon auf echter Hardware testen"',
            '"title": " "',
            "missing_title",
        ),
    ],
)
def test_a_broken_rc3_event_is_refused_at_its_line(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    path = broken_copy(tmp_path, RC3, lambda text: text.replace(old, new, 1))
    text = path.read_text(encoding="utf-8")
    assert refused_file(path) == (f"import.{key}", str(line_of(text, RC3_GUID, "{")))


def test_a_truncated_rc3_file_is_bad_json(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, RC3, lambda text: text[: len(text) // 2])
    key, location = refused_file(path)
    assert key == "import.bad_json"
    assert int(location) == path.read_text(encoding="utf-8").count("\n") + 1


def test_json_that_is_not_a_schedule_is_refused() -> None:
    err = refusal('{"hello": "world"}', "schedule.json")
    assert err.key == "import.not_a_schedule_json"
    assert (
        refusal('{"schedule": {"conference": {"days": 3}}}', "s.json").key == "import.bad_element"
    )


FOSDEM_EVENT = '<event guid="9c3ebb8c-7716-5130-b9fe-ff8544f5636d" id="8376">'


def test_a_broken_fosdem_event_is_refused_at_its_line(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        FOSDEM,
        lambda text: text.replace(
            "<date>2026-01-31T09:30:00+01:00</date>", "<date>2026-01-31T9h30</date>", 1
        ),
    )
    text = path.read_text(encoding="utf-8")
    assert refused_file(path, BRUSSELS) == ("import.bad_start", str(line_of(text, FOSDEM_EVENT)))


def test_a_truncated_fosdem_file_is_bad_xml(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, FOSDEM, lambda text: text[:200_000])
    key, location = refused_file(path, BRUSSELS)
    assert key == "import.bad_xml"
    assert int(location) == path.read_text(encoding="utf-8").count("\n") + 1


def test_a_mismatched_tag_is_bad_xml_at_its_line() -> None:
    text = '<?xml version="1.0"?>\n<schedule>\n<conference>\n</schedule>\n'
    err = refusal(text, "schedule.xml")
    assert (err.key, err.location) == ("import.bad_xml", "4")
    assert "mismatched" in err.params["detail"]


def test_an_entity_declaration_is_refused() -> None:
    text = '<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY a "aaaa">]>\n<schedule>&a;</schedule>\n'
    assert refusal(text, "schedule.xml").key == "import.bad_xml"


# Old pentabarf XML (FOSDEM before 2024): no <date>, no guid, no room elements, no timezone

PENTABARF = """\
<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <conference>
    <title>Old Conf</title>
    <start>2010-02-06</start>
    <day_change>09:00:00</day_change>
  </conference>
  <day index="1" date="2010-02-06">
  <event id="20">
      <start>16:40</start>
      <duration>00:15</duration>
      <room>Ferrer</room>
      <title>asterisk: An &amp;#39;introduction&amp;#39;</title>
      <type></type>
      <abstract>&#xA;&lt;p&gt;A brief PBX&amp;#39;s intro.&#xA;&lt;/p&gt;&#xA;  </abstract>
      <persons><person id="201">Mark Michelson</person></persons>
      <end></end>
  </event>  <event id="21">
      <start>01:00</start>
      <duration>01:00</duration>
      <room>Bar</room>
      <title>Night hack</title>
      <type>workshop</type>
  </event>
  </day>
</schedule>
"""


def test_old_pentabarf_files_take_the_day_and_the_day_change() -> None:
    intro, night = parse(PENTABARF, "fosdem-2010.xml", BRUSSELS).workshops
    assert intro.start == datetime(2010, 2, 6, 16, 40, tzinfo=BRUSSELS)
    assert intro.end == datetime(2010, 2, 6, 16, 55, tzinfo=BRUSSELS)
    assert intro.title == "asterisk: An 'introduction'"
    assert intro.description == "A brief PBX's intro."
    assert intro.id == "frab-20"
    assert night.start == datetime(2010, 2, 7, 1, tzinfo=BRUSSELS)  # after the day change
    assert night.kind is Kind.WORKSHOP


def test_repeated_guids_fall_back_to_other_ids() -> None:
    text = PENTABARF.replace('<event id="20">', '<event id="20" guid="g">').replace(
        '<event id="21">', '<event id="20" guid="g">'
    )
    ids = [w.id for w in parse(text, "s.xml", BRUSSELS).workshops]
    assert len(set(ids)) == 2 and all(i.startswith("frab-") for i in ids)


def test_a_local_date_without_offset_is_read_in_the_conference_timezone() -> None:
    text = (
        '{"schedule": {"conference": {"title": "T", "time_zone_name": "America/New_York", "days": '
        '[{"date": "2026-08-25", "rooms": {"R": [{"guid": "x", "title": "A", '
        '"date": "2026-08-25T10:00:00", "duration": "1:00", "persons": [{"name": "Ann"}]}]}}]}}}'
    )
    (item,) = parse(text, "s.json", BERLIN).workshops
    assert item.start == datetime(2026, 8, 25, 14, tzinfo=UTC)
    assert item.start.tzinfo == BERLIN
    assert item.facilitators[0].name == "Ann"


def test_json_without_date_or_guid_uses_the_day_and_start() -> None:
    text = (
        '{"schedule": {"conference": {"title": "T", "days": [{"date": "2026-08-25", "rooms": '
        '{"R": [{"id": 7, "title": "A", "start": "10:00", "duration": "01:30:00", '
        '"persons": ["Ann", "Bob"], "type": "Workshop"}]}}]}}}'
    )
    (item,) = parse(text, "s.json", BERLIN).workshops
    assert (item.id, item.kind) == ("frab-7", Kind.WORKSHOP)
    assert item.start == datetime(2026, 8, 25, 10, tzinfo=BERLIN)
    assert item.end == datetime(2026, 8, 25, 11, 30, tzinfo=BERLIN)
    assert [f.name for f in item.facilitators] == ["Ann", "Bob"]


@pytest.mark.parametrize("zone", ["Europe", "Mars/Olympus", "../../etc/passwd"])
def test_an_unknown_conference_timezone_is_a_warning(zone: str) -> None:
    text = PENTABARF.replace("<title>Old Conf</title>", f"<time_zone_name>{zone}</time_zone_name>")
    programme = parse(text, "s.xml", BRUSSELS)
    assert programme.workshops[0].start == datetime(2010, 2, 6, 16, 40, tzinfo=BRUSSELS)
    assert any("time_zone_name" in w for w in programme.warnings)
