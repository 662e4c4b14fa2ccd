"""Damaged programme files are refused whole, naming the place, or read whole; never half.

The seeds are small whole files of every format, so that a damage is the only reason a file
can be refused: the project's own (samples/, CC0, see samples/SOURCES.md), and, when the real
exports are at hand (`RENCONTRE_SHARED_DIR`, else `shared/` beside the repository), a few whole
events of each, cut in memory at test time and never written anywhere (their licence does not
let them be redistributed). Without the real exports those seeds are skipped, the own ones run.

Most damage is done inside the structure, as a person or an exporter would do it: a field
changed, a date or a time out of range, a key or an element missing or there twice, a value of
the wrong type, a huge value, another encoding. Some is done to the bytes. Then:

- refused: a ProgrammeFileError whose message exists in both languages and names a line of
  the file (or, for the messages about the whole file, no line);
- read: the programme is consistent (unique ids that fit the id rule, end >= start, aware
  times in the event's timezone, rooms declared, capacities above zero...) and whole (as many
  items as the file has, when that can be counted independently);
- through the storage: a database that holds a programme keeps it untouched after a refusal,
  and holds exactly the new one after an import.

Each test prints, per seed, how many damaged files were read and how many refused (`pytest -s`)
and fails if fewer than a third of those damaged in their structure alone (not in their bytes,
which are meant to break) were read for any seed: damage that always breaks the file would
test nothing but the parsers' first line.
"""

from __future__ import annotations

import asyncio
import codecs
import copy
import csv
import io
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.domain.errors import ProgrammeFileError
from bot.domain.models import Programme
from bot.i18n import Translator
from bot.importers.common import ID_PATTERN, TELEGRAM_PATTERN
from bot.services.programme import ProgrammeService
from storage.db import Database
from tests.importers.support import PARIS, parse, shared_dir

SAMPLES = Path(__file__).resolve().parent / "samples"
SEEDS = {  # the project's own seeds: name -> (format, items)
    "bigre-extrait.toml": ("toml", 7),
    "bigre-extrait.csv": ("csv", 12),
    "bigre-extrait.schedule.xml": ("xml", 9),
    "bigre-extrait.frab.json": ("json", 9),
    "bigre-extrait.pretalx.json": ("json", 7),
    "bigre-extrait.ics": ("ics", 5),
}
ENOUGH_READ = 1 / 3
DAMAGES = (1, 1, 2)  # how many structural changes a file gets
TRANSLATE = Translator.load()

# --- values a damaged file may hold ------------------------------------------------------

TEXTS = [
    "",
    " ",
    "x" * 20_000,
    "Écoute É\u0301 ß ǅ",
    "😀 \u202e \u200b",
    "<b>gras</b> &amp; &lt;p&gt; <script>x</script>",
    "a\nb",
    "a\r\nb\tc",
    '"; DROP TABLE outbox; --',
    "\\",
    "@camille_m",
    "Camille Martin (@camille_m), Yann et Zoé",
    "\x00",
    "\x7f\x1b[31m",
]
WHENS = [
    "2026-08-25T10:00:00",
    "2026-08-25 10:00",
    "2026-08-25T25:00:00",
    "2026-02-30T10:00:00",
    "2026-08-25",
    "10:00",
    "2026-03-29T02:30:00",  # does not exist in Paris
    "2026-10-25T02:30:00",  # happens twice in Paris
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00",
    "2026-08-25T10:00:00+14:00",
    "2026-08-25T10:00:00Z",
    "20260825T100000Z",
    "demain",
]
CLOCKS = ["09:00", "9h", "00:00", "23:59", "24:00", "25:00", "12:60", "7pm", "midi", "-1:00"]
DURATIONS = ["00:00", "0:40", "01:30:00", "-01:00", "99:99", "9999:00", "PT0S", "P9999D", "1h30"]
NUMBERS: list[Any] = [0, -1, 1, 3, 10**30, 2**63, 1.5, True]


def any_value(draw: st.DrawFn, *, null: bool = True) -> Any:
    """A value of any type: a text, a time, a number, a list, a table (and null where allowed)."""
    kinds = ["text", "when", "clock", "duration", "number", "list", "table"]
    kind = draw(st.sampled_from([*kinds, "null"] if null else kinds))
    if kind == "text":
        return draw(st.sampled_from(TEXTS) | st.text(max_size=30))
    if kind == "when":
        return draw(st.sampled_from(WHENS))
    if kind == "clock":
        return draw(st.sampled_from(CLOCKS))
    if kind == "duration":
        return draw(st.sampled_from(DURATIONS))
    if kind == "number":
        return draw(st.sampled_from(NUMBERS))
    if kind == "list":
        return draw(st.lists(st.sampled_from(["Camille", "", 3]), max_size=3))
    if kind == "table":
        return {"name": draw(st.sampled_from(TEXTS[:4]))}
    return None


_CLOCK = re.compile(r"(\d{1,2})[:h](\d{2})")
_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def similar(draw: st.DrawFn, value: Any) -> Any:
    """A value of the same kind, as a person editing the file would write: another time,
    another number, another text."""
    try:
        return _similar(draw, value)
    except OverflowError:  # a time already at the end of the calendar
        return value


def _similar(draw: st.DrawFn, value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.integers(-2, 120))
    if isinstance(value, datetime):
        return value + timedelta(minutes=draw(st.integers(-600, 600)))
    if isinstance(value, list):
        if value and draw(st.booleans()):  # type: ignore[arg-type]  # inferred from the `and`
            return value[1:]
        return [*value, *value[:1]]
    if not isinstance(value, str):
        return value
    if (when := _parse_when(value)) is not None:
        return (when + timedelta(minutes=draw(st.integers(-600, 600)))).isoformat()
    if not value.strip():
        return value  # a blank cell stays blank: "same as above"
    if value.isdigit():
        return str(draw(st.integers(0, 120)))
    if _CLOCK.fullmatch(value):
        return f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from(['00', '15', '30']))}"
    if match := _DAY.fullmatch(value):
        return f"{draw(st.integers(1, 31)):02d}/{match[2]}/{match[3]}"
    edits = [value + "-2", value.upper(), value[: max(1, len(value) // 2)], "É" + value]
    return draw(st.sampled_from(edits) | st.sampled_from(TEXTS) | st.text(max_size=30))


def _parse_when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if len(text) >= 16 else None
    except ValueError:
        return None


# --- trees (TOML, JSON): a place, and what to do there -----------------------------------

Place = tuple[Any, Any]  # (a dict or a list, a key or an index in it)


def places(node: Any) -> Iterator[Place]:
    """Every place in a tree of dicts and lists, parents first."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        yield node, key
        if isinstance(value, dict | list):
            yield from places(value)


def damage_tree(draw: st.DrawFn, tree: Any, value: Callable[[st.DrawFn], Any]) -> None:
    """Change one place of a tree: remove it, repeat it, rename it or put another value there."""
    found = list(places(tree))
    if not found:
        return
    container, key = draw(st.sampled_from(found))
    how = draw(st.sampled_from([*["similar"] * 10, "remove", "repeat", "rename", "value", "swap"]))
    if how == "remove":
        del container[key]
    elif how == "repeat" and isinstance(container, list):
        container.insert(key, copy.deepcopy(container[key]))
    elif how == "rename" and isinstance(container, dict):
        new = draw(st.sampled_from([key.upper(), key + "s", key[:-1], "", "é"]))
        container[new] = container.pop(key)
    elif how == "swap":
        keys = list(container.keys()) if isinstance(container, dict) else range(len(container))
        other = draw(st.sampled_from(list(keys)))
        container[key], container[other] = container[other], container[key]
    elif how == "similar":
        container[key] = similar(draw, container[key])
    else:
        container[key] = value(draw)


# --- native TOML ------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if value != value else repr(value)
    if isinstance(value, str):
        # JSON's escapes are TOML's; TOML also wants DEL escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def dump_toml(document: dict[str, Any]) -> str:
    """Write a tree as TOML: plain keys, then tables, then arrays of tables."""
    lines = []
    tables = {k: v for k, v in document.items() if isinstance(v, dict)}
    arrays = {
        k: v
        for k, v in document.items()
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
    }
    for key, value in document.items():
        if key not in tables and key not in arrays:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, table in tables.items():
        lines += ["", f"[{toml_key(key)}]"] + [
            f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()
        ]
    for key, array in arrays.items():
        for table in array:
            lines += ["", f"[[{toml_key(key)}]]"] + [
                f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()
            ]
    return "\n".join(lines) + "\n"


TOML_WHENS = [
    datetime(2026, 8, 25, 10, 0),
    datetime(2026, 8, 25, 10, 0, tzinfo=UTC),
    datetime(2026, 8, 25, 10, 0, tzinfo=timezone(timedelta(hours=-11))),
    datetime(2026, 3, 29, 2, 30),
    datetime(9999, 12, 31, 23, 59),
    date(2026, 8, 25),
    time(10, 0),
]


def toml_specific(draw: st.DrawFn) -> Any:
    """TOML has its own dates and times, and no null."""
    if draw(st.booleans()):
        return draw(st.sampled_from(TOML_WHENS))
    return any_value(draw, null=False)


def damaged_toml(draw: st.DrawFn, data: bytes) -> tuple[bytes, int | None]:
    document = tomllib.loads(data.decode("utf-8"))
    for _ in range(draw(st.sampled_from(DAMAGES))):
        damage_tree(draw, document, toml_specific)
    items = document.get("workshop")
    count = len(items) if isinstance(items, list) else None
    return dump_toml(document).encode("utf-8"), count


# --- frab / pretalx JSON --------------------------------------------------------------------


def json_events(document: Any) -> int | None:
    """Count the events of a schedule.json, or None when its shape is not the usual one."""
    try:
        days = document["schedule"]["conference"]["days"]
        return sum(len(events) for day in days for events in day["rooms"].values())
    except (KeyError, TypeError, AttributeError):
        return None


def damaged_json(draw: st.DrawFn, data: bytes) -> tuple[bytes, int | None]:
    document = json.loads(data)
    for _ in range(draw(st.sampled_from(DAMAGES))):
        damage_tree(draw, document, any_value)
    count = json_events(document)
    if count is not None and not all(
        isinstance(e, dict)
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for e in events
    ):
        count = None
    text = json.dumps(document, indent=1, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8"), count


# --- frab XML ---------------------------------------------------------------------------


def damaged_xml(draw: st.DrawFn, data: bytes) -> tuple[bytes, int | None]:
    root = ET.fromstring(data)
    for _ in range(draw(st.sampled_from(DAMAGES))):
        parents = {child: parent for parent in root.iter() for child in parent}
        element = draw(st.sampled_from(list(root.iter())))
        parent = parents.get(element)
        how = draw(
            st.sampled_from([*["similar"] * 6, "remove", "repeat", "text", "attribute", "rename"])
        )
        if how == "remove" and parent is not None:
            parent.remove(element)
        elif how == "repeat" and parent is not None:
            parent.insert(list(parent).index(element), copy.deepcopy(element))
        elif how == "attribute":
            name = draw(st.sampled_from([*element.attrib, "guid", "id", "date", "start", "name"]))
            if draw(st.booleans()) and name in element.attrib:
                del element.attrib[name]
            else:
                element.set(name, str(any_value(draw)))
        elif how == "rename":
            element.tag = draw(st.sampled_from(["event", "room", "day", "evnt", "title", "x"]))
        elif how == "similar":
            if element.attrib and draw(st.booleans()):  # type: ignore[arg-type]  # as above
                name = draw(st.sampled_from(sorted(element.attrib)))
                element.set(name, str(similar(draw, element.attrib[name])))
            else:
                element.text = str(similar(draw, element.text or ""))
        else:
            element.text = str(any_value(draw))
    count = sum(
        1
        for day in root.findall("day")
        for event in [*day.findall("event"), *day.findall("room/event")]
    )
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    return text.encode("utf-8"), count if root.tag == "schedule" else None


# --- CSV --------------------------------------------------------------------------------

CELLS = [*CLOCKS, "31/02/2026", "25/08", "mardi", "25/08/2026 10:00", "-", "atelier", "truc"]


def damaged_csv(draw: st.DrawFn, data: bytes) -> tuple[bytes, int | None]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for _ in range(draw(st.sampled_from(DAMAGES))):
        at = draw(st.integers(0, len(rows) - 1)) if rows else 0
        how = draw(
            st.sampled_from(
                [*["similar"] * 8, "cell", "remove row", "repeat row", "remove column", "swap"]
            )
        )
        if not rows:
            break
        row = rows[at]
        if how == "cell" and row:
            value = any_value(draw) if draw(st.booleans()) else draw(st.sampled_from(CELLS))
            row[draw(st.integers(0, len(row) - 1))] = "" if value is None else str(value)
        elif how == "similar" and row:
            cell = draw(st.integers(0, len(row) - 1))
            row[cell] = str(similar(draw, row[cell]))
        elif how == "remove row":
            del rows[at]
        elif how == "repeat row":
            rows.insert(at, list(row))
        elif how == "remove column" and rows[0]:
            column = draw(st.integers(0, len(rows[0]) - 1))
            for each in rows:
                del each[column : column + 1]
        elif how == "swap" and len(row) > 1:
            i, j = draw(st.integers(0, len(row) - 1)), draw(st.integers(0, len(row) - 1))
            row[i], row[j] = row[j], row[i]
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=draw(st.sampled_from([";", ",", "\t"])), lineterminator="\r\n"
    )
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), None


# --- iCalendar --------------------------------------------------------------------------

ICS_LINES = [
    "STATUS:CANCELLED",
    "RRULE:FREQ=DAILY;COUNT=3",
    "RRULE:FREQ=YEARLY",
    "DURATION:PT1H",
    "DURATION:P9999D",
    "X-WR-TIMEZONE:Europe/Nowhere",
    "DTSTART;VALUE=DATE:20260825",
    "DTSTART;TZID=Mars/Olympus:20260825T100000",
    "DTEND:20260825T250000",
    "BEGIN:VEVENT",
    "END:VEVENT",
    "BEGIN:VALARM",
]
ICS_WHENS = ["20260825T100000", "20260825T100000Z", "20260825", "20260230T100000", "x", ""]


def unfold(text: str) -> list[str]:
    return re.sub(r"\r?\n[ \t]", "", text).splitlines()


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a character."""
    parts, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            parts.append(current)
            current = " "
        current += char
    return "\r\n".join([*parts, current])


def ics_events(lines: list[str]) -> int | None:
    """Count the events that make an item, or None when recurrence or nesting makes it unclear."""
    if any(
        line.split(":")[0].split(";")[0] in ("RRULE", "RDATE", "RECURRENCE-ID") for line in lines
    ):
        return None
    count, depth, status = 0, 0, None
    for line in lines:
        if line == "BEGIN:VEVENT":
            depth, status = depth + 1, None
        elif line == "END:VEVENT":
            depth -= 1
            count += status != "CANCELLED"
        elif depth == 1 and status is None and line.upper().startswith("STATUS:"):
            status = line.partition(":")[2].strip().upper()  # a repeated STATUS: the first
        if depth not in (0, 1):
            return None
    return count


def _ics_when(value: str) -> datetime | None:
    try:
        return datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")  # noqa: DTZ007
    except ValueError:
        return None


def damaged_ics(draw: st.DrawFn, data: bytes) -> tuple[bytes, int | None]:
    lines = unfold(data.decode("utf-8"))
    for _ in range(draw(st.sampled_from(DAMAGES))):
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        head, colon, value = line.partition(":")
        how = draw(
            st.sampled_from([*["similar"] * 6, "value", "remove", "repeat", "insert", "event"])
        )
        if how in ("value", "similar") and colon and head not in ("BEGIN", "END"):
            if head.split(";")[0] in ("DTSTART", "DTEND", "DTSTAMP"):
                if how == "similar" and (when := _ics_when(value)) is not None:
                    shifted = when + timedelta(minutes=draw(st.integers(-600, 600)))  # 2020 ± 10 h
                    value = shifted.strftime("%Y%m%dT%H%M%S") + ("Z" if value.endswith("Z") else "")
                else:
                    value = draw(st.sampled_from(ICS_WHENS))
            elif how == "similar":
                value = str(similar(draw, value))
            else:
                value = str(any_value(draw, null=False))
            lines[at] = f"{head}:{value}".replace("\r", "").replace("\n", "\\n")
        elif how == "remove":
            del lines[at]
        elif how == "repeat":
            lines.insert(at, line)
        elif how == "insert":
            lines.insert(at, draw(st.sampled_from(ICS_LINES)))
        elif how == "event":  # an event once more, or not at all
            starts = [i for i, x in enumerate(lines) if x == "BEGIN:VEVENT"]
            if starts:
                begin = draw(st.sampled_from(starts))
                end = next((i for i in range(begin, len(lines)) if lines[i] == "END:VEVENT"), None)
                if end is not None:
                    block = lines[begin : end + 1]
                    if draw(st.booleans()):
                        del lines[begin : end + 1]
                    else:
                        lines[end + 1 : end + 1] = block
    folded = draw(st.booleans())
    text = "\r\n".join(fold(line) if folded else line for line in lines) + "\r\n"
    return text.encode("utf-8"), ics_events(lines)


# --- encodings and bytes ----------------------------------------------------------------

STRUCTURE = {
    "toml": damaged_toml,
    "json": damaged_json,
    "xml": damaged_xml,
    "csv": damaged_csv,
    "ics": damaged_ics,
}


def encode_again(draw: st.DrawFn, data: bytes) -> bytes:
    """Write the same text in another encoding, as another editor would."""
    how = draw(st.sampled_from([*["utf-8"] * 10, "bom", "utf-16", "cp1252", "crlf"]))
    text = data.decode("utf-8")
    if how == "bom":
        return codecs.BOM_UTF8 + data
    if how == "utf-16":  # with its BOM, as editors write it
        if draw(st.booleans()):
            return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if how == "cp1252":
        return text.encode("cp1252", errors="replace")
    if how == "crlf":
        return re.sub(r"\r?\n", "\r\n", text).encode("utf-8")
    return data


def damage_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(0, len(out) - 1)))
        how = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "repeat"]))
        if how == "delete":
            del out[at : at + draw(st.integers(1, 40))]
        elif how == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif how == "replace" and out:
            out[at] = draw(st.integers(0, 255))
        elif how == "truncate":
            del out[at:]
        else:
            out[at:at] = out[at : at + draw(st.integers(1, 200))]
    return bytes(out)


Seed = tuple[str, bytes, int]  # format, whole valid bytes, items they hold
Seeds = dict[str, Seed]


def seed_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def own_seeds() -> Seeds:
    return {name: (fmt, seed_bytes(name), items) for name, (fmt, items) in SEEDS.items()}


# --- the real exports, cut in memory: a few whole events each, nothing written ----------------

REAL = {  # file in shared/schedules -> how to cut it
    "fosdem-2026.schedule.xml": "xml",
    "pretalx-rc3-2020.schedule.json": "json",
    "kielux-2020.ics": "ics",
    "moca-2024.ics": "ics",
}


def cut_xml(data: bytes) -> tuple[bytes, int]:
    """Per day: the first 2 events of the first 2 rooms that have some, and the first empty room;
    the top-level persons and tracks those events use. Whole elements only."""
    root = ET.fromstring(data)
    for day in root.findall("day"):
        full = [r for r in day.findall("room") if r.find("event") is not None][:2]
        empty = [r for r in day.findall("room") if r.find("event") is None][:1]
        for room in day.findall("room"):
            if room not in full and room not in empty:
                day.remove(room)
        for room in full:
            for event in room.findall("event")[2:]:
                room.remove(event)
    events = [e for day in root.findall("day") for e in day.iter("event")]
    people = {p.get("id") for e in events for p in e.iter("person")}
    tracks = {e.findtext("track") for e in events}
    for persons in root.findall("persons"):
        for person in persons.findall("person"):
            if person.get("id") not in people:
                persons.remove(person)
    for listed in root.findall("tracks"):
        for track in listed.findall("track"):
            if track.text not in tracks:
                listed.remove(track)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    return text.encode("utf-8"), len(events)


def cut_json(data: bytes) -> tuple[bytes, int]:
    """The first 2 days, the first 2 events of each room; escaped as the export is."""
    document = json.loads(data)
    conference = document["schedule"]["conference"]
    conference["days"] = conference["days"][:2]
    for day in conference["days"]:
        day["rooms"] = {room: events[:2] for room, events in day["rooms"].items()}
    count = json_events(document)
    assert count is not None
    return json.dumps(document, indent=4, ensure_ascii=True).encode("utf-8"), count


def cut_ics(data: bytes) -> tuple[bytes, int]:
    """The calendar's header as written, then its first 6 VEVENTs as written (bytes unchanged)."""
    head, *events = data.split(b"BEGIN:VEVENT")
    kept = events[:6]
    assert all(e.rstrip().endswith(b"END:VEVENT") for e in kept), "a VEVENT ends the calendar"
    newline = b"\r\n" if b"\r\n" in head else b"\n"
    body = b"".join(b"BEGIN:VEVENT" + event for event in kept)
    return head + body + b"END:VCALENDAR" + newline, len(kept)


CUT = {"xml": cut_xml, "json": cut_json, "ics": cut_ics}


@cache
def real_seeds() -> Seeds | None:
    """The real exports cut in memory, or None when they are not on this machine."""
    folder = shared_dir() / "schedules"
    if not folder.is_dir():
        return None
    seeds = {}
    for name, fmt in REAL.items():
        data, items = CUT[fmt]((folder / name).read_bytes())
        seeds[f"real {name}"] = (fmt, data, items)
    return seeds


def need_real() -> Seeds:
    seeds = real_seeds()
    if seeds is None:
        folder = shared_dir() / "schedules"
        pytest.skip(f"no {folder}: the real exports are not fuzzed (set RENCONTRE_SHARED_DIR)")
    return seeds


@pytest.fixture(params=["own", "real"])
def seeds(request: pytest.FixtureRequest) -> tuple[str, Seeds]:
    """The project's own seeds, or the real exports cut in memory (skipped without them)."""
    return request.param, own_seeds() if request.param == "own" else need_real()


Case = tuple[str, bytes, int | None, bool]  # seed, damaged bytes, items or None, bytes broken


@st.composite
def damaged(draw: st.DrawFn, seeds: Seeds, *, bytes_too: bool = True) -> Case:
    """A seed damaged inside its structure, in its bytes, or both."""
    name = draw(st.sampled_from(sorted(seeds)))
    fmt, data, _ = seeds[name]
    count = None
    where = draw(st.sampled_from([*["structure"] * 10, *(["bytes", "both"] if bytes_too else [])]))
    if where != "bytes":
        data, count = STRUCTURE[fmt](draw, data)
        encoded = encode_again(draw, data)
        if encoded.decode("utf-8", "replace") != data.decode("utf-8"):
            count = None  # cp1252 (or UTF-16) may change what the importer reads
        data = encoded
    if where != "structure":
        data, count = damage_bytes(draw, data), None
    return name, data, count, where != "structure"


# --- what must hold -----------------------------------------------------------------------


def check_refusal(refusal: ProgrammeFileError, data: bytes) -> None:
    """The message exists in both languages and names a line of the file, or the whole file."""
    assert refusal.key.startswith("import."), refusal.key
    # lines as an editor counts them (\r, \n or both), or as str.splitlines does (more)
    text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", "replace")
    lines = max(len(re.split(r"\r\n|\r|\n", text)), len(text.splitlines()) + 1)
    for lang in ("fr", "en"):
        assert TRANSLATE(lang, refusal.key, **refusal.params).strip()  # placeholders filled
    template = str(TRANSLATE("en", refusal.key, **{**refusal.params, "location": "{location}"}))
    if "{location}" in template:
        assert refusal.location.isdigit(), refusal
        assert 1 <= int(refusal.location) <= lines, (refusal, lines)
    else:
        assert refusal.location == "", refusal  # a message about the whole file


def check_consistent(programme: Programme, items: int | None) -> None:
    workshops = programme.workshops
    assert workshops, "an empty programme is refused"
    ids = [w.id for w in workshops]
    assert len(set(ids)) == len(ids), "unique ids"
    assert all(ID_PATTERN.fullmatch(i) for i in ids), ids
    rooms = [room.name for room in programme.rooms]
    assert len(set(rooms)) == len(rooms) and all(rooms), rooms
    for item in workshops:
        assert item.title and item.title == item.title.strip(), item.title
        for when in (item.start, item.end):
            assert when.tzinfo == PARIS and when.utcoffset() == PARIS.utcoffset(when), item
        assert item.end >= item.start, item
        assert item.room is None or item.room in rooms, (item.room, rooms)
        assert item.capacity is None or item.capacity > 0, item
        for person in item.facilitators:
            assert person.name.strip(), item
            assert person.telegram is None or TELEGRAM_PATTERN.fullmatch(person.telegram)
    slots = [slot.id for slot in programme.rota]
    assert len(set(slots)) == len(slots)
    for slot in programme.rota:
        assert slot.end >= slot.start and slot.places > 0, slot
    if items is not None:
        assert len(workshops) == items, "read whole: every item of the file"


Tally = Counter[tuple[str, bool]]  # (seed, bytes broken) -> how many


def report(title: str, seeds: Seeds, read: Tally, refused: Tally) -> None:
    """Print, per seed, how many damaged files were read and refused; fail if fewer than a third
    of those damaged in their structure alone were read (broken bytes are meant to be refused)."""
    print(f"\n{title}")
    thin = {}
    for name in sorted(seeds):
        r, f = read[name, False], refused[name, False]
        total_r, total_f = r + read[name, True], f + refused[name, True]
        print(
            f"  {name:38} {total_r + total_f:4} examples: {total_r:4} read, {total_f:4} refused;"
            f" structure only: {r:4} read, {f:4} refused"
        )
        if r < ENOUGH_READ * (r + f):
            thin[name] = (r, f)
        assert r + f, f"{name} was never tried"
    assert thin == {}, f"fewer than a third read: the damage tests little else than parsing {thin}"


def test_every_seed_is_a_whole_valid_file(seeds: tuple[str, Seeds]) -> None:
    _, found = seeds
    assert {fmt for fmt, _, _ in found.values()} >= ({"xml", "json", "ics"}), "every format"
    for name, (_, data, items) in found.items():
        check_consistent(parse(data, name), items)


def test_the_own_seeds_cover_every_format() -> None:
    assert {fmt for fmt, _ in SEEDS.values()} == set(STRUCTURE)
    assert all(SAMPLES.joinpath(name).is_file() for name in SEEDS)


EXAMPLES = {"own": 800, "real": 400}  # parsing: 130 a seed, 100 a real one
# a failing real example would be kept in .hypothesis/: not even there
DATABASE = {"own": settings().database, "real": None}


def test_a_damaged_file_is_refused_whole_or_read_whole(seeds: tuple[str, Seeds]) -> None:
    group, found = seeds
    read: Tally = Counter()
    refused: Tally = Counter()

    @seed(20260824)
    @settings(
        max_examples=EXAMPLES[group],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=DATABASE[group],
    )
    @given(damaged(found))
    def one(case: Case) -> None:
        name, data, items, broken = case
        try:
            programme = parse(data, name)
        except ProgrammeFileError as refusal:
            refused[name, broken] += 1
            check_refusal(refusal, data)
            return
        read[name, broken] += 1
        check_consistent(programme, items)

    one()
    report(f"damaged files, parsed ({group} seeds)", found, read, refused)


def summary(programme: Programme) -> tuple[object, ...]:
    """What the storage must give back of a programme."""
    return (
        sorted(
            (w.id, w.title, w.start, w.end, w.room, w.kind, w.capacity) for w in programme.workshops
        ),
        sorted(room.name for room in programme.rooms),
        sorted((s.id, s.area, s.start, s.end, s.places) for s in programme.rota),
    )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, ProgrammeService]]:
    loop = asyncio.new_event_loop()
    db = loop.run_until_complete(Database.open(tmp_path / "fuzz.sqlite3"))
    yield loop, ProgrammeService(db, PARIS)
    loop.run_until_complete(db.close())
    loop.close()


def test_a_damaged_file_replaces_the_stored_programme_whole_or_not_at_all(
    service: tuple[asyncio.AbstractEventLoop, ProgrammeService], seeds: tuple[str, Seeds]
) -> None:
    loop, programmes = service
    group, found = seeds
    good = seed_bytes("bigre-extrait.toml")
    read: Tally = Counter()
    refused: Tally = Counter()

    @seed(20260825)
    @settings(
        max_examples=EXAMPLES[group] * 7 // 16,  # 350 own, 175 real
        deadline=None,
        database=DATABASE[group],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(damaged(found, bytes_too=False))  # broken bytes never reach the storage: see above
    def one(case: Case) -> None:
        loop.run_until_complete(programmes.import_bytes(good, "bigre-extrait.toml"))
        programmes.forget()
        before = summary(loop.run_until_complete(programmes.current()))
        name, data, _, broken = case
        try:
            loop.run_until_complete(programmes.import_bytes(data, name))
        except ProgrammeFileError:
            refused[name, broken] += 1
            programmes.forget()
            assert summary(loop.run_until_complete(programmes.current())) == before
            return
        read[name, broken] += 1
        programmes.forget()
        stored = loop.run_until_complete(programmes.current())
        assert summary(stored) == summary(parse(data, name)), "the new programme, whole"

    one()
    title = f"damaged files, imported into a database that has a programme ({group} seeds)"
    report(title, found, read, refused)


# --- what the fuzzing found, kept as plain examples ----------------------------------------


def a_seed(name: str) -> tuple[str, bytes]:
    """An own seed by name, or a real export cut in memory ("real ..."; skipped without it)."""
    if name.startswith("real "):
        return name, need_real()[name][1]
    return name, seed_bytes(name)


def changed(data: bytes, old: bytes | re.Pattern[bytes], new: bytes) -> bytes:
    """Change the first occurrence, which must be there."""
    pattern = old if isinstance(old, re.Pattern) else re.compile(re.escape(old))
    out, done = pattern.subn(new, data, count=1)
    assert done == 1, f"{pattern.pattern!r} is not in the seed"
    return out


@pytest.mark.parametrize(
    "seed_name",
    [
        "bigre-extrait.pretalx.json",
        "bigre-extrait.frab.json",
        "real pretalx-rc3-2020.schedule.json",
    ],
)
def test_found_a_wrong_type_for_persons_is_refused_not_a_crash(seed_name: str) -> None:
    name, data = a_seed(seed_name)
    data = changed(data, re.compile(rb'"persons": \[(?=\s*\{)'), b'"persons": 3, "x": [')
    with pytest.raises(ProgrammeFileError) as caught:
        parse(data, name)
    assert caught.value.key == "import.bad_element" and caught.value.location.isdigit()


XML_SEEDS = ["bigre-extrait.schedule.xml", "real fosdem-2026.schedule.xml"]


@pytest.mark.parametrize("seed_name", XML_SEEDS)
def test_found_a_duration_beyond_the_calendar_is_refused_not_a_crash(seed_name: str) -> None:
    name, data = a_seed(seed_name)
    huge = b"<duration>" + b"9" * 31 + b"</duration>"
    data = changed(data, re.compile(rb"<duration>[^<]*</duration>"), huge)
    with pytest.raises(ProgrammeFileError) as caught:
        parse(data, name)
    assert caught.value.key == "import.bad_duration"


@pytest.mark.parametrize("seed_name", XML_SEEDS)
def test_found_an_unknown_xml_encoding_is_refused_at_line_1(seed_name: str) -> None:
    name, data = a_seed(seed_name)
    data = changed(data, b'encoding="UTF-8"', b'encoding="TF-8"')
    with pytest.raises(ProgrammeFileError) as caught:
        parse(data, name)
    assert (caught.value.key, caught.value.location) == ("import.bad_xml", "1")


def test_found_a_quoted_unknown_section_is_refused_at_its_line() -> None:
    name = "bigre-extrait.toml"
    data = seed_bytes(name).replace(b"[event]", b'[""]', 1)
    with pytest.raises(ProgrammeFileError) as caught:
        parse(data, name)
    line = data.split(b"\n").index(b'[""]') + 1
    assert (caught.value.key, caught.value.location) == ("import.unknown_section", str(line))


def test_found_a_blank_facilitator_name_takes_the_account_or_is_left_out() -> None:
    name = "bigre-extrait.toml"
    text = seed_bytes(name).decode("utf-8")
    text = text.replace(
        'facilitators = ["Hélène Vidal", "Wouter Claes"]', 'facilitators = [" ", ""]'
    )
    programme = parse(text, name)
    (opening,) = [w for w in programme.workshops if w.id == "lun-10-pleniere-ouverture"]
    assert [(p.name, p.telegram) for p in opening.facilitators] == [
        ("helene_vidal", "helene_vidal")
    ]
