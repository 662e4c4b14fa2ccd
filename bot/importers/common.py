"""What every importer shares: errors, decoding, times, people, kinds, ids and the last checks.

A location is always a 1-based line number written as a string ("12"), or "" for the whole
file: the messages in bot/locales/*/import.toml say "Ligne 12" / "Line 12" themselves.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import ProgrammeFileError
from bot.domain.models import Facilitator, Kind, Programme, Room, RotaSlot, Workshop
from bot.domain.text import fold

# The id rule of the native format; imported ids that do not fit it are hashed (see make_id)
ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
TELEGRAM_PATTERN = re.compile(r"[A-Za-z0-9_]{4,32}")


def error(name: str, line: int | None = None, **params: Any) -> ProgrammeFileError:
    """Build the error for message `import.<name>` at a line (None: the whole file)."""
    return ProgrammeFileError(f"import.{name}", "" if line is None else str(line), **params)


@dataclass
class Collector:
    """What an importer gathers before the last checks turn it into a Programme."""

    filename: str
    tz: ZoneInfo
    workshops: list[Workshop] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    rota: list[RotaSlot] = field(default_factory=list)
    name: str | None = None
    warnings: list[str] = field(default_factory=list)

    def warn(self, line: int | None, text: str) -> None:
        """Note something tolerated, in plain English, for the log."""
        self.warnings.append(
            f"{self.filename}:{line}: {text}" if line else f"{self.filename}: {text}"
        )

    def add_room(self, name: str, description: str = "") -> None:
        """Declare a room once, keeping the first description given."""
        if name and all(room.name != name for room in self.rooms):
            self.rooms.append(Room(name, description))

    def finish(self) -> Programme:
        """Check the whole and give the programme, rooms in order of first mention."""
        if not self.workshops:
            raise error("empty_programme", file=self.filename)
        for item in self.workshops:
            if item.room:
                self.add_room(item.room)
        workshops = sorted(self.workshops, key=lambda w: (w.start, w.end, w.room or "", w.title))
        rota = sorted(self.rota, key=lambda r: (r.start, r.area, r.id))
        return Programme(
            tuple(workshops), tuple(self.rooms), tuple(rota), self.name, tuple(self.warnings)
        )


# Reading bytes


def sniff_binary(data: bytes, filename: str) -> None:
    """Refuse empty files and the binary files people send by mistake (spreadsheets, PDF)."""
    if not data.strip():
        raise error("empty_file", file=filename)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        # .xlsx/.ods are zip archives, .xls an OLE2 compound file
        raise error("spreadsheet_file", file=filename)
    if data.startswith(b"%PDF"):
        raise error("not_a_programme", file=filename)


def decode(data: bytes, collector: Collector, *, legacy: bool = False) -> str:
    """Give the text of a file: UTF-8 (BOM or not), UTF-16 with a BOM, or with `legacy` cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise error("not_utf8", 1, file=collector.filename) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if not legacy:
                line = data.count(b"\n", 0, exc.start) + 1
                raise error("not_utf8", line, file=collector.filename) from None
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            collector.warn(None, "not UTF-8: read as Windows-1252 (Excel's 'CSV' on Windows)")
    if "\x00" in text:
        raise error("not_a_programme", file=collector.filename)
    return text


# Times

_DURATION_CLOCK = re.compile(r"(\d{1,3}):(\d{2})(?::(\d{2}))?")
_DURATION_HM = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*h(?:eures?|ours?|rs?)?\s*(?:(\d{1,2})\s*(?:m(?:in)?)?)?"
)
_DURATION_MIN = re.compile(r"(\d+)\s*(?:m|mn|min|mins|minutes?)?")
_DURATION_ISO = re.compile(
    r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.IGNORECASE
)


def parse_duration(text: str) -> timedelta | None:
    """Read a duration: minutes (`90`, `90 min`), `1h30`, `1:30`, `01:30:00`, ISO `PT1H30M`."""
    try:
        return _duration(text)
    except OverflowError:  # more days than a timedelta holds: not a duration either
        return None


def _duration(text: str) -> timedelta | None:
    value = text.strip().lower()
    if match := _DURATION_ISO.fullmatch(value.upper()):
        if value.upper() in ("P", "PT") or value.upper().endswith("T"):
            return None
        weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if match := _DURATION_CLOCK.fullmatch(value):
        hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        if minutes > 59 or seconds > 59:
            return None
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if match := _DURATION_HM.fullmatch(value):
        hours_text, minutes_text = match.groups()
        minutes = int(minutes_text) if minutes_text else 0
        if minutes > 59 or (("," in hours_text or "." in hours_text) and minutes_text):
            return None
        return timedelta(hours=float(hours_text.replace(",", ".")), minutes=minutes)
    if match := _DURATION_MIN.fullmatch(value):
        return timedelta(minutes=int(match.group(1)))
    return None


def parse_iso_datetime(text: str) -> datetime | None:
    """Read `2026-08-25T10:00`, `2026-08-25 10:00:00+02:00`, `...Z`; naive when no offset."""
    value = text.strip()
    if len(value) < 16 or not value[:4].isdigit():
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def localize(naive: datetime, tz: ZoneInfo, collector: Collector, line: int | None) -> datetime:
    """Attach the event timezone to a wall-clock time; say so when that time does not exist."""
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        # a spring-forward gap: 02:30 does not exist, zoneinfo reads it with the offset before
        collector.warn(
            line, f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key}, read as {back:%H:%M}"
        )
        return back
    return aware


def zone_named(name: str) -> ZoneInfo | None:
    """Give the zoneinfo zone of a name a file gives, None when there is none."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory
        return None


def after(start: datetime, duration: timedelta, tz: ZoneInfo) -> datetime:
    """Add a real duration (not a wall-clock one: across a DST change 2 h stay 2 h)."""
    return (start.astimezone(UTC) + duration).astimezone(tz)


def show(when: datetime) -> str:
    """Give a time for a message: `2026-08-25 10:00`, the same in every language."""
    return f"{when:%Y-%m-%d %H:%M}"


def check_span(start: datetime, end: datetime, line: int | None, collector: Collector) -> None:
    """Refuse an end before the start; note a zero-length item."""
    if end < start:
        raise error("end_before_start", line, start=show(start), end=show(end))
    if end == start:
        collector.warn(line, f"zero-length item at {show(start)}")


def combine(
    day: date, clock: time, tz: ZoneInfo, collector: Collector, line: int | None
) -> datetime:
    """Give the aware instant of a wall-clock time on a day."""
    return localize(datetime.combine(day, clock), tz, collector, line)


# Text


class _TextExtractor(HTMLParser):
    """Collect the text of HTML: blocks and <br> as line breaks, <li> as bullets, links kept."""

    _BLOCKS = frozenset(("p", "div", "ul", "ol", "table", "tr", "blockquote", "pre", "hr"))
    _BLOCKS |= {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}

    def __init__(self, collapse: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.collapse = collapse
        self.parts: list[str] = []
        self._hidden = 0
        self._link: tuple[str, int] | None = None  # href, and where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and (href := dict(attrs).get("href")):
            self._link = (href, len(self.parts))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self._link is not None:
            href, start = self._link
            self._link = None
            label = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://")) and href.rstrip("/") != label.rstrip("/"):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(re.sub(r"\s+", " ", data) if self.collapse else data)


_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|ul|ol|li|a|b|i|u|em|strong|code|pre|h[1-6]|blockquote|table|tr|td)\b[^<>]*>",
    re.IGNORECASE,
)
_PARAGRAPH_TAG = re.compile(r"<(?:p|br|div)\b", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


def tidy_text(text: str) -> str:
    """Normalise line ends and blank lines, strip the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(text: str) -> str:
    """Turn HTML (or text with a few tags) into plain text; leave other text as it is."""
    if not _HTML_TAG.search(text):
        return tidy_text(unescape(text))
    # with <p>/<br> the layout is in the tags and newlines are spaces; otherwise keep newlines
    parser = _TextExtractor(collapse=bool(_PARAGRAPH_TAG.search(text)))
    parser.feed(text)
    parser.close()
    lines = (line.strip(" \t") for line in "".join(parser.parts).split("\n"))
    return tidy_text("\n".join(lines))


def unescape(text: str) -> str:
    """Decode HTML entities (`&amp;`, `&#39;`) left in text by double-escaping exports."""
    return html.unescape(text) if _ENTITY.search(text) else text


def clean_line(text: str) -> str:
    """Collapse whitespace in a one-line value (title, room, name)."""
    return " ".join(text.split())


# People

_PEOPLE_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\bet\b|\band\b|\n)\s*", re.IGNORECASE)
_HANDLE = re.compile(r"\(?(?<![\w.])@([A-Za-z0-9_]{4,32})\)?")


def split_people(text: str) -> list[str]:
    """Split `Camille, Yann et Zoé` (also `;`, `/`, `&`, `and`) into names."""
    return [name for part in _PEOPLE_SEPARATORS.split(text) if (name := clean_line(part))]


def facilitator(text: str) -> Facilitator:
    """Read `Camille Martin (@camille_m)` or `Camille Martin` into a facilitator."""
    handle = _HANDLE.search(text)
    if handle is None:
        return Facilitator(clean_line(text))
    name = clean_line(text[: handle.start()] + text[handle.end() :])
    return Facilitator(name or handle.group(1), handle.group(1))


def telegram_username(text: str) -> str | None:
    """Give a Telegram username without its @ (None when blank); raise ValueError if invalid."""
    value = text.strip().removeprefix("https://t.me/").removeprefix("t.me/").lstrip("@")
    if not value:
        return None
    if not TELEGRAM_PATTERN.fullmatch(value):
        raise ValueError(value)
    return value


def unique_people(people: Iterable[Facilitator]) -> tuple[Facilitator, ...]:
    """Drop repeated names, keeping the first mention."""
    seen: set[str] = set()
    out: list[Facilitator] = []
    for person in people:
        key = fold(person.name)
        if person.name and key not in seen:
            seen.add(key)
            out.append(person)
    return tuple(out)


# Kinds

_KIND_WORDS: dict[str, Kind] = {
    **dict.fromkeys(("workshop", "workshops", "atelier", "ateliers", "tutorial"), Kind.WORKSHOP),
    **dict.fromkeys(
        ("plenary", "pleniere", "plenieres", "pleniere generale", "assemblee", "keynote"),
        Kind.PLENARY,
    ),
    **dict.fromkeys(
        (
            "meal",
            "meals",
            "repas",
            "dejeuner",
            "diner",
            "petit dejeuner",
            "petit-dejeuner",
            "lunch",
            "dinner",
            "breakfast",
            "gouter",
        ),
        Kind.MEAL,
    ),
    **dict.fromkeys(("evening", "soiree", "soirees", "veillee", "party", "fete"), Kind.EVENING),
    **dict.fromkeys(
        (
            "kids",
            "kid",
            "enfants",
            "enfant",
            "club enfants",
            "kids club",
            "kids' club",
            "children",
            "jeunesse",
        ),
        Kind.KIDS,
    ),
    **dict.fromkeys(("other", "autre", "autres", "divers"), Kind.OTHER),
}


def kind_from_word(text: str) -> Kind | None:
    """Read a kind written by a person, in French or English (`atelier`, `plenary`...)."""
    return _KIND_WORDS.get(" ".join(fold(text).replace("’", "'").split()))


_TYPE_HINTS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"workshop|atelier|hands-on|werkstatt|laboratorio"), Kind.WORKSHOP),
    (re.compile(r"plenar|pleniere|keynote|ceremon|opening|closing"), Kind.PLENARY),
    (re.compile(r"\b(meal|lunch|dinner|breakfast|repas|dejeuner|diner)\b"), Kind.MEAL),
    (re.compile(r"\b(party|concert|soiree|evening)\b"), Kind.EVENING),
    (re.compile(r"kids|children|enfants|kinder|bambini"), Kind.KIDS),
)
_PLENARY_TITLE = re.compile(r"(opening|closing|keynote|ouverture|cloture|ceremon\w*)\b")
_MEAL_TITLE = re.compile(r"(lunch|dinner|breakfast|repas|dejeuner|diner|pranzo|cena)\b")
_KIDS_PLACE = re.compile(r"kids|enfants|kinder|bambini")


def guess_kind(type_text: str, title: str = "", room: str = "") -> Kind:
    """Guess a kind from a conference's free-text type, then from an obvious title or room.

    Titles count only when short ("Closing ceremony", "Lunch"): "Closing the gap in X" stays other.
    """
    kind_text = fold(type_text)
    for pattern, kind in _TYPE_HINTS:
        if pattern.search(kind_text):
            return kind
    folded_title = fold(title)
    if len(folded_title.split()) <= 3:
        if _PLENARY_TITLE.match(folded_title):
            return Kind.PLENARY
        if _MEAL_TITLE.match(folded_title):
            return Kind.MEAL
    if _KIDS_PLACE.search(fold(room)) or _KIDS_PLACE.search(folded_title):
        return Kind.KIDS
    return Kind.OTHER


# Ids


def digest(*parts: object) -> str:
    """Give a short stable hash of some values (10 hex digits: collisions are checked anyway)."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def make_id(prefix: str, raw: str) -> str:
    """Keep an external id that fits the native rule, else hash it: `ics-3fa2c19e0b`."""
    return raw if ID_PATTERN.fullmatch(raw) else f"{prefix}-{digest(raw)}"


@dataclass(frozen=True, slots=True)
class Draft:
    """An item before its id is settled: the keys that may name it, best first."""

    line: int
    keys: tuple[tuple[Hashable, ...] | None, ...]
    build: Callable[[str], Workshop]


def settle_ids(
    drafts: Sequence[Draft],
    naming: Callable[[int, tuple[Hashable, ...]], str],
    collector: Collector,
) -> list[Workshop]:
    """Give each item the first of its keys that no other item shares.

    `naming(level, key)` turns a key into an id. Items that share every key are the same event
    listed twice or more: they are numbered in file order, with a warning.
    """
    ids: dict[int, str] = {}
    pending = list(range(len(drafts)))
    for level in range(max((len(d.keys) for d in drafts), default=0)):
        groups: dict[tuple[Hashable, ...], list[int]] = defaultdict(list)
        carried: list[int] = []  # items without this key go on to the next level
        for index in pending:
            keys = drafts[index].keys
            key = keys[level] if level < len(keys) else None
            if key is None:
                carried.append(index)
            else:
                groups[key].append(index)
        pending = carried
        for key, members in groups.items():
            if len(members) == 1:
                ids[members[0]] = naming(level, key)
            else:
                pending.extend(members)
    repeats: dict[str, int] = defaultdict(int)
    for index in sorted(pending):
        keys = drafts[index].keys
        level = max(lv for lv, k in enumerate(keys) if k is not None)
        base = naming(level, keys[level] or ())
        repeats[base] += 1
        ids[index] = base if repeats[base] == 1 else f"{base[:36]}-{repeats[base]}"
        if repeats[base] > 1:
            collector.warn(drafts[index].line, f"the same item again: id {ids[index]}")
    taken: set[str] = set()
    out: list[Workshop] = []
    for index, draft in enumerate(drafts):
        item_id = ids[index]
        while item_id in taken:  # a hashed id meeting a kept one: astronomically rare
            item_id = f"x-{digest(item_id, index)}"
        taken.add(item_id)
        out.append(draft.build(item_id))
    return out
