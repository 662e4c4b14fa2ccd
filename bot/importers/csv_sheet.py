"""A programme as a spreadsheet exports it to CSV: one row per item, French or English headers.

Decisions (see README.md here):
- Encoding: UTF-8 with or without BOM; UTF-16 with a BOM; otherwise Windows-1252 (what Excel on
  Windows writes for "CSV"), with a warning. UTF-8 is tried first, so UTF-8 is never misread.
- Delimiter: whichever of `;`, `,` and tab the header row uses most.
- A day without a year (`25/08`) takes the year of the nearest full date above it, else of the
  first one below, else a year in the file name (`programme-2026.csv`); the clock is never read,
  so a file imported in December for next summer cannot silently land in the wrong year.
- A blank day or room cell means "same as above"; write `-` for "no room".
- Without an `id` column, ids are `csv-` + a hash of day, start and title (case and accents
  folded): they stay the same when rows move, rooms or descriptions change, so sign-ups stay.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import Facilitator, Kind, Programme, Workshop
from bot.domain.text import fold

from .common import (
    ID_PATTERN,
    Collector,
    after,
    check_span,
    clean_line,
    combine,
    decode,
    digest,
    error,
    facilitator,
    kind_from_word,
    parse_duration,
    split_people,
    telegram_username,
    tidy_text,
)
from .csv_cells import Day, parse_day, split_when

# Header words, folded (lowercase, no accents, punctuation as spaces); see column_of
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": (
        *("titre", "title", "intitule", "nom de l atelier", "nom atelier", "atelier"),
        *("activite", "activity", "session", "evenement", "event", "sujet", "workshop"),
    ),
    "day": ("jour", "date", "day", "journee"),
    "start": (
        *("debut", "start", "heure", "heure de debut", "heure debut", "horaire"),
        *("start time", "begin", "begins", "starts", "from", "de"),
    ),
    "end": ("fin", "end", "heure de fin", "heure fin", "end time", "until", "to", "a", "ends"),
    "duration": ("duree", "duration", "length", "longueur", "minutes", "temps"),
    "room": ("salle", "room", "lieu", "location", "place", "espace", "where", "ou", "venue"),
    "facilitators": (
        *("animateur", "animateurs", "animatrice", "animatrices", "animation", "animateurices"),
        *("animateurs animatrices", "animatrices animateurs", "animateur animatrice"),
        *("facilitator", "facilitators", "facilitateur", "facilitateurs", "facilitatrice"),
        *("intervenant", "intervenants", "intervenante", "intervenantes", "speaker", "speakers"),
        *("host", "hosts", "qui", "who", "par", "by", "anime par", "led by", "organise par"),
        *("organisateur", "organisatrice", "referent", "referente", "responsable"),
    ),
    "telegram": ("telegram", "tg", "pseudo telegram", "compte telegram"),
    "capacity": (
        *("places", "place max", "capacity", "capacite", "jauge", "max", "seats"),
        *("nombre de places", "nb places", "nb de places", "max participants"),
    ),
    "kind": ("type", "kind", "categorie", "category", "genre", "sorte"),
    "description": (
        *("description", "resume", "details", "detail", "abstract", "summary"),
        *("presentation", "texte", "contenu"),
    ),
    "id": ("id", "identifiant", "ref", "reference", "code", "uid"),
    "language": ("langue", "language", "lang", "langues", "languages"),
    "tags": ("tags", "tag", "mots cles", "etiquettes", "themes", "theme", "track"),
}
_ALIASES = sorted(
    ((alias.split(), name) for name, aliases in COLUMNS.items() for alias in aliases),
    key=lambda pair: -len(pair[0]),
)
_HEADER_SEARCH = 10  # rows looked at for the header (a title row may stand above it)

_CAPACITY = re.compile(r"(\d+)(?:[.,]0+)?(?:\s*(?:places?|pers\w*|seats?|max))?")
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_NO_ROOM = ("-", "—", "–", "/")


def parse(data: bytes, filename: str, tz: ZoneInfo) -> Programme:
    """Read a CSV programme exported from a spreadsheet."""
    collector = Collector(filename, tz)
    text = decode(data, collector, legacy=True)
    rows = _rows(text)
    header_at, columns = _header(rows)
    _Sheet(rows, header_at, columns, collector).read()
    return collector.finish()


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    outside = re.sub(r'"[^"]*"', "", first)
    counts = {sep: outside.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ";"))


def _rows(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error:
        raise error("bad_csv", len(rows) + 1) from None
    return rows


def column_of(header: str) -> str | None:
    """Tell which field a header cell names (`Début`, `Animateur·rice`, `Durée (min)`...).

    A header matches an alias exactly, or an alias of 4 letters or more followed by one short
    word (`animateur rice`, `capacite max`): "Type de public" or "Places restantes" do not match,
    so an unrelated column cannot refuse the file.
    """
    words = re.sub(r"[^a-z0-9]+", " ", re.sub(r"\([^)]*\)", " ", fold(header))).split()
    if "telegram" in words:
        return "telegram"
    for alias, name in _ALIASES:
        if words == alias:
            return name
    for alias, name in _ALIASES:
        head, rest = words[: len(alias)], words[len(alias) :]
        if head == alias and len(alias[-1]) >= 4 and len(rest) == 1 and len(rest[0]) <= 4:
            return name
    return None


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    first: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows[:_HEADER_SEARCH]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = column_of(cell)
            if name and name not in columns:
                columns[name] = position
        if "title" in columns and "start" in columns:
            return index, columns
        if first is None and any(cell.strip() for cell in row):
            first = (index, columns)
    index, columns = first or (0, {})
    for needed in ("title", "start"):
        if needed not in columns:
            raise error(f"missing_{needed}_column", index + 1)
    raise AssertionError("unreachable")  # pragma: no cover


class _Sheet:
    def __init__(
        self, rows: list[list[str]], header_at: int, columns: dict[str, int], collector: Collector
    ) -> None:
        self.rows = rows
        self.header_at = header_at
        self.columns = columns
        self.collector = collector
        self.tz = collector.tz
        header = rows[header_at]
        for position, cell in enumerate(header):
            if cell.strip() and position not in columns.values():
                collector.warn(header_at + 1, f"column {cell.strip()!r} ignored")
        if "end" not in columns and "duration" not in columns:
            raise error("missing_end_column", header_at + 1)
        self.width = len(header)

    def cell(self, row: Sequence[str], name: str) -> str:
        position = self.columns.get(name)
        if position is None or position >= len(row):
            return ""
        return row[position].strip()

    def read(self) -> None:
        body = [
            (number, row)
            for number, row in enumerate(self.rows[self.header_at + 1 :], start=self.header_at + 2)
            if any(cell.strip() for cell in row)
        ]
        days = self._days(body)
        seen_ids: dict[str, int] = {}
        derived: dict[str, int] = {}
        previous_room: str | None = None
        for number, row in body:
            if len(row) > self.width and any(cell.strip() for cell in row[self.width :]):
                raise error("csv_extra_cells", number, cells=len(row), columns=self.width)
            room_cell = self.cell(row, "room")
            if room_cell:
                previous_room = None if room_cell in _NO_ROOM else clean_line(room_cell)
            explicit = self.cell(row, "id")
            if explicit:
                if not ID_PATTERN.fullmatch(explicit):
                    raise error("bad_id", number, value=explicit)
                if explicit in seen_ids:
                    raise error("duplicate_id", number, value=explicit, first=seen_ids[explicit])
                seen_ids[explicit] = number
            item = self._item(number, row, days[number], previous_room, explicit)
            if not explicit:
                if item.id in derived:
                    raise error("duplicate_row", number, first=derived[item.id])
                derived[item.id] = number
            self.collector.workshops.append(item)

    # Days: a first pass, since a year may come from another row

    def _days(self, body: list[tuple[int, list[str]]]) -> dict[int, date | None]:
        cells: list[tuple[int, Day | None]] = []
        previous: Day | None = None
        for number, row in body:
            text = self.cell(row, "day")
            if text:
                previous = parse_day(text, number)
            cells.append((number, previous))
        years = [(number, d.year) for number, d in cells if d is not None and d.year is not None]
        file_year = _FILE_YEAR.search(self.collector.filename)
        out: dict[int, date | None] = {}
        for number, parsed in cells:
            if parsed is None:
                out[number] = None
                continue
            year = parsed.year
            if year is None:
                above = [y for n, y in years if n < number]
                below = [y for n, y in years if n > number]
                if above:
                    year = above[-1]
                elif below:
                    year = below[0]
                elif file_year:
                    year = int(file_year.group(1))
                else:
                    raise error("no_year", number, value=parsed.text)
            try:
                out[number] = date(year, parsed.month, parsed.day)
            except ValueError:
                raise error("bad_date", number, value=parsed.text) from None
        return out

    # One row

    def _item(
        self, number: int, row: list[str], day: date | None, room: str | None, item_id: str
    ) -> Workshop:
        title = clean_line(self.cell(row, "title"))
        if not title:
            raise error("missing_title", number)
        start_text = self.cell(row, "start")
        if not start_text:
            raise error("missing_start", number)
        start_day, start_clock = split_when(start_text, number)
        if start_clock is None or (start_clock == time(0) and start_text.startswith("24")):
            raise error("bad_start_time", number, value=start_text)
        day = start_day or day
        if day is None:
            raise error("missing_day", number)
        start = combine(day, start_clock, self.tz, self.collector, number)
        end = self._end(number, row, day, start)
        kind_text = self.cell(row, "kind")
        kind = kind_from_word(kind_text) if kind_text else Kind.WORKSHOP
        if kind is None:
            raise error("unknown_kind", number, value=kind_text)
        if not item_id:
            # day, start and title name an item for people; rooms, people and texts may change
            item_id = f"csv-{digest(day.isoformat(), f'{start_clock:%H:%M}', fold(title))}"
        return Workshop(
            id=item_id,
            title=title,
            start=start,
            end=end,
            kind=kind,
            room=room,
            description=tidy_text(self.cell(row, "description")),
            facilitators=self._people(number, row),
            capacity=self._capacity(number, row),
            language=self.cell(row, "language") or None,
            tags=tuple(
                t for part in re.split(r"[,;]", self.cell(row, "tags")) if (t := part.strip())
            ),
        )

    def _end(self, number: int, row: list[str], day: date, start: datetime) -> datetime:
        end_text = self.cell(row, "end")
        duration_text = self.cell(row, "duration")
        by_duration: datetime | None = None
        if duration_text:
            duration = parse_duration(duration_text)
            if duration is None:
                raise error("bad_duration", number, value=duration_text)
            by_duration = after(start, duration, self.tz)
        if not end_text:
            if by_duration is None:
                raise error("missing_end", number)
            check_span(start, by_duration, number, self.collector)
            return by_duration
        end_day, end_clock = split_when(end_text, number)
        if end_clock is None:
            raise error("bad_end_time", number, value=end_text)
        on = end_day or day
        if end_text.startswith("24") and end_clock == time(0):
            on += timedelta(days=1)  # "24:00" is the midnight that ends the day
        end = combine(on, end_clock, self.tz, self.collector, number)
        if end < start and end_day is None and end_clock < time(6):
            # an evening that runs past midnight: "21:00 - 01:00"
            end = combine(on + timedelta(days=1), end_clock, self.tz, self.collector, number)
            self.collector.warn(number, f"ends after midnight, at {end:%Y-%m-%d %H:%M}")
        check_span(start, end, number, self.collector)
        if by_duration is not None and by_duration != end:
            self.collector.warn(
                number, f"end {end:%H:%M} and duration {duration_text!r} disagree; end kept"
            )
        return end

    def _people(self, number: int, row: list[str]) -> tuple[Facilitator, ...]:
        people = [facilitator(name) for name in split_people(self.cell(row, "facilitators"))]
        handles = [h for h in re.split(r"[\s,;]+", self.cell(row, "telegram")) if h]
        if len(handles) > len(people):
            raise error("telegram_mismatch", number, names=len(people), handles=len(handles))
        out = []
        for position, person in enumerate(people):
            handle = handles[position] if position < len(handles) else ""
            try:
                username = telegram_username(handle)
            except ValueError:
                raise error("bad_telegram", number, value=handle) from None
            out.append(Facilitator(person.name, username or person.telegram))
        return tuple(out)

    def _capacity(self, number: int, row: list[str]) -> int | None:
        text = self.cell(row, "capacity")
        if not text or text in _NO_ROOM:
            return None
        match = _CAPACITY.fullmatch(fold(text))
        if match is None or int(match.group(1)) <= 0:
            raise error("bad_capacity", number, value=text)
        return int(match.group(1))
