"""The native programme format: TOML with fixed key names (see README.md here)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.children import MAX_AGE
from bot.domain.models import Facilitator, Programme, RotaSlot, Workshop

from .common import (
    ID_PATTERN,
    Collector,
    check_span,
    clean_line,
    decode,
    error,
    kind_from_word,
    localize,
    parse_iso_datetime,
    telegram_username,
    tidy_text,
)

WORKSHOP_FIELDS = frozenset(
    (
        *("id", "title", "start", "end", "room", "kind", "facilitators", "telegram"),
        *("capacity", "language", "description", "tags"),
        *("min_age", "max_age"),
    )
)
ROTA_FIELDS = frozenset(("id", "area", "start", "end", "places", "description"))
ROOM_FIELDS = frozenset(("name", "description"))
SECTIONS = ("event", "room", "workshop", "rota")

_TABLE = re.compile(r"""\s*\[\[?\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*\]\]?\s*(?:#.*)?$""")
_KEY = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")
_SYNTAX_WHERE = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")


@dataclass
class _Lines:
    """Where each table and key of the file stands, since tomllib does not say."""

    tables: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)
    top_keys: dict[str, int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> _Lines:
        found = cls()
        counts: dict[str, int] = {}
        current: tuple[str, int] | None = None
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is None and (match := _TABLE.match(line)):
                name = match.group(1).strip("\"'")  # ["quoted"] names the table quoted
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (name, index)
                found.tables[current] = number
            elif in_string is None and (match := _KEY.match(line)):
                if current is None:
                    found.top_keys.setdefault(match.group(1), number)
                else:
                    found.keys.setdefault((*current, match.group(1)), number)
            for quote in ('"""', "'''"):
                # a multi-line string may hold lines that look like tables or keys
                if line.count(quote) % 2 and in_string in (None, quote):
                    in_string = None if in_string else quote
        return found

    def at(self, section: str, index: int, key: str | None = None) -> int | None:
        if key is not None and (line := self.keys.get((section, index, key))):
            return line
        return self.tables.get((section, index)) or self.top_keys.get(section)


def parse(data: bytes, filename: str, tz: ZoneInfo) -> Programme:
    """Read a native TOML programme."""
    collector = Collector(filename, tz)
    text = decode(data, collector)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _SYNTAX_WHERE.search(message)
        line = int(where.group(1)) if where and where.group(1) else len(text.splitlines()) or 1
        detail = message[: where.start()] if where else message
        raise error("toml_syntax", line, detail=detail) from None
    _Reader(document, _Lines.scan(text), collector).read()
    return collector.finish()


class _Reader:
    def __init__(self, document: dict[str, Any], lines: _Lines, collector: Collector) -> None:
        self.document = document
        self.lines = lines
        self.collector = collector
        self.tz = collector.tz

    def read(self) -> None:
        for name in self.document:
            if name not in SECTIONS:
                raise error("unknown_section", self.lines.at(name, 0), field=name)
        event = self.document.get("event", {})
        if not isinstance(event, dict):
            raise error("not_a_table", self.lines.at("event", 0), field="event")
        if "name" in event:
            self.collector.name = self._text(event, "name", self.lines.at("event", 0, "name"))
        for key in event.keys() - {"name"}:
            self.collector.warn(self.lines.at("event", 0, key), f"[event] key {key!r} ignored")
        for index, table in enumerate(self._tables("room")):
            self._room(index, table)
        seen: dict[str, int] = {}
        for index, table in enumerate(self._tables("workshop")):
            self.collector.workshops.append(self._workshop(index, table, seen))
        seen = {}
        for index, table in enumerate(self._tables("rota")):
            self.collector.rota.append(self._rota(index, table, seen))

    def _tables(self, section: str) -> list[dict[str, Any]]:
        value = self.document.get(section, [])
        if isinstance(value, dict):
            value = [value]  # [room] written for [[room]]: one table is fine
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            raise error("not_a_table", self.lines.at(section, 0), field=section)
        return value

    # One value each

    def _check_fields(
        self, section: str, index: int, table: dict[str, Any], known: frozenset[str]
    ) -> None:
        for key in table:
            if key not in known:
                raise error(
                    "unknown_field",
                    self.lines.at(section, index, key),
                    field=key,
                    known=", ".join(sorted(known)),
                )

    def _required(self, section: str, index: int, table: dict[str, Any], key: str) -> Any:
        value = table.get(key)
        if value is None or value == "":
            raise error("missing_field", self.lines.at(section, index), field=key)
        return value

    def _text(
        self, table: dict[str, Any], key: str, line: int | None, *, one_line: bool = True
    ) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise error("not_text", line, field=key, value=_show(value))
        return clean_line(value) if one_line else tidy_text(value)

    def _texts(self, table: dict[str, Any], key: str, line: int | None) -> list[str]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise error("not_text_list", line, field=key, value=_show(value))
        return [clean_line(v) for v in value]

    def _when(self, table: dict[str, Any], key: str, line: int | None) -> datetime:
        value = table[key]
        parsed: datetime | None = None
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            parsed = parse_iso_datetime(value)
        if parsed is None:
            raise error(f"bad_{key}", line, value=_show(value))
        if parsed.tzinfo is None:
            return localize(parsed, self.tz, self.collector, line)
        return parsed.astimezone(self.tz)

    def _positive(self, table: dict[str, Any], key: str, line: int | None) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise error("bad_capacity", line, value=_show(value))
        return value

    def _age(self, table: dict[str, Any], key: str, line: int | None) -> int | None:
        """Read the youngest or oldest age a kids' item is for (0 to 17), if given."""
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AGE:
            raise error("bad_age", line, field=key, value=_show(value), max=MAX_AGE)
        return value

    def _id(self, section: str, index: int, table: dict[str, Any], seen: dict[str, int]) -> str:
        line = self.lines.at(section, index, "id")
        value = self._required(section, index, table, "id")
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            raise error("bad_id", line, value=_show(value))
        if value in seen:
            raise error("duplicate_id", line, value=value, first=seen[value])
        seen[value] = line or 0
        return value

    def _span(self, section: str, index: int, table: dict[str, Any]) -> tuple[datetime, datetime]:
        at = partial(self.lines.at, section, index)
        self._required(section, index, table, "start")
        self._required(section, index, table, "end")
        start = self._when(table, "start", at("start"))
        end = self._when(table, "end", at("end"))
        check_span(start, end, at("end"), self.collector)
        return start, end

    # One table each

    def _room(self, index: int, table: dict[str, Any]) -> None:
        self._check_fields("room", index, table, ROOM_FIELDS)
        name = self._text(table, "name", self.lines.at("room", index, "name"))
        if not name:
            raise error("missing_field", self.lines.at("room", index), field="name")
        description = self._text(table, "description", self.lines.at("room", index, "description"))
        for other_index, other in enumerate(self.collector.rooms):
            if other.name == name:
                line = self.lines.at("room", index, "name")
                raise error(
                    "duplicate_room",
                    line,
                    value=name,
                    first=self.lines.at("room", other_index, "name"),
                )
        self.collector.add_room(name, description)

    def _workshop(self, index: int, table: dict[str, Any], seen: dict[str, int]) -> Workshop:
        at = partial(self.lines.at, "workshop", index)
        self._check_fields("workshop", index, table, WORKSHOP_FIELDS)
        item_id = self._id("workshop", index, table, seen)
        self._required("workshop", index, table, "title")
        title = self._text(table, "title", at("title"))
        start, end = self._span("workshop", index, table)
        kind_text = self._text(table, "kind", at("kind")) or "workshop"
        kind = kind_from_word(kind_text)
        if kind is None:
            raise error("unknown_kind", at("kind"), value=kind_text)
        names = self._texts(table, "facilitators", at("facilitators"))
        handles = self._texts(table, "telegram", at("telegram"))
        if len(handles) > len(names):
            raise error("telegram_mismatch", at("telegram"), names=len(names), handles=len(handles))
        people = []
        for position, name in enumerate(names):
            handle = handles[position] if position < len(handles) else ""
            try:
                username = telegram_username(handle)
            except ValueError:
                raise error("bad_telegram", at("telegram"), value=handle) from None
            if name or username:  # a blank name is the account's, as in a CSV; blank both: none
                people.append(Facilitator(name or username or "", username))
        min_age = self._age(table, "min_age", at("min_age"))
        max_age = self._age(table, "max_age", at("max_age"))
        if min_age is not None and max_age is not None and min_age > max_age:
            raise error("ages_reversed", at("max_age"), youngest=min_age, oldest=max_age)
        return Workshop(
            id=item_id,
            title=title,
            start=start,
            end=end,
            kind=kind,
            room=self._text(table, "room", at("room")) or None,
            description=self._text(table, "description", at("description"), one_line=False),
            facilitators=tuple(people),
            capacity=self._positive(table, "capacity", at("capacity")),
            language=self._text(table, "language", at("language")) or None,
            tags=tuple(t for t in self._texts(table, "tags", at("tags")) if t),
            min_age=min_age,
            max_age=max_age,
        )

    def _rota(self, index: int, table: dict[str, Any], seen: dict[str, int]) -> RotaSlot:
        at = partial(self.lines.at, "rota", index)
        self._check_fields("rota", index, table, ROTA_FIELDS)
        item_id = self._id("rota", index, table, seen)
        self._required("rota", index, table, "area")
        area = self._text(table, "area", at("area"))
        start, end = self._span("rota", index, table)
        self._required("rota", index, table, "places")
        places = self._positive(table, "places", at("places"))
        assert places is not None
        description = self._text(table, "description", at("description"), one_line=False)
        return RotaSlot(item_id, area, start, end, places, description)


def _show(value: object) -> str:
    """Give a value as the organiser wrote it, more or less."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
