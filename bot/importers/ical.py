"""iCalendar (.ics): VEVENTs, read leniently, since real calendars are often broken.

- Lines are unfolded as bytes (a fold may split a UTF-8 sequence), CRLF or LF; a line inside an
  event that cannot be a property (`Anmeldung: ...`) continues the previous one (a warning).
- Values: leading spaces dropped, `\\n \\, \\; \\\\` unescaped, HTML in descriptions made plain.
- Times: `Z` is UTC; TZID is a zoneinfo name (directly, via a VTIMEZONE's X-LIC-LOCATION, or the
  `Area/City` at the end of a path); an unknown TZID and floating times use X-WR-TIMEZONE when
  valid, else the event timezone. A DATE alone is an all-day item.
- Facilitators: ORGANIZER CN (unless the same on every event: that is the calendar's owner),
  ATTENDEE CN when ROLE=CHAIR or when it carries no invitation (PARTSTAT/RSVP).
- Ids: the UID when no other event has it; else a hash of UID and start, then of UID, start,
  room and title (a generator that reuses UIDs must not collapse the programme).
- RRULE: DAILY and WEEKLY (INTERVAL, COUNT, UNTIL, BYDAY, EXDATE, RECURRENCE-ID) are expanded;
  without COUNT or UNTIL up to the last day of the other events. Others: first occurrence only.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import ProgrammeFileError
from bot.domain.models import Facilitator, Programme, Workshop
from bot.domain.text import fold

from .common import (
    Collector,
    Draft,
    after,
    check_span,
    clean_line,
    digest,
    error,
    facilitator,
    guess_kind,
    html_to_text,
    localize,
    make_id,
    parse_duration,
    settle_ids,
    split_people,
    unique_people,
    zone_named,
)

KNOWN = frozenset(
    [
        "BEGIN",
        "END",
        "UID",
        "DTSTART",
        "DTEND",
        "DURATION",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "ORGANIZER",
        "ATTENDEE",
        "URL",
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
        "SEQUENCE",
        "STATUS",
        "CLASS",
        "TRANSP",
        "CATEGORIES",
        "GEO",
        "PRIORITY",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "CONTACT",
        "COMMENT",
        "ATTACH",
        "RESOURCES",
        "RELATED-TO",
        "REQUEST-STATUS",
        "METHOD",
        "PRODID",
        "VERSION",
        "CALSCALE",
        "TZID",
        "TZNAME",
        "TZOFFSETFROM",
        "TZOFFSETTO",
        "TZURL",
        "ACTION",
        "TRIGGER",
        "REPEAT",
        "IMAGE",
        "COLOR",
        "CONFERENCE",
        "NAME",
        "REFRESH-INTERVAL",
        "SOURCE",
    ]
)
_PROPERTY = re.compile(r"([A-Za-z0-9-]+)[;:]")
_TEXT_ESCAPE = re.compile(r"\\([nN,;\\])")
_DATETIME = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(?:\.\d+)?(Z)?)?", re.I
)
_PLACEHOLDER_NAMES = frozenset(("john doe", "jane doe", "tba", "tbd", "n/a", "nn", "xxx"))
# A few Windows zone names Outlook writes in TZID
_WINDOWS_ZONES = {
    "romance standard time": "Europe/Paris",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "central european standard time": "Europe/Warsaw",
    "gmt standard time": "Europe/London",
    "utc": "UTC",
    "eastern standard time": "America/New_York",
    "pacific standard time": "America/Los_Angeles",
}
MAX_OCCURRENCES = 500
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Prop:
    """One content line: NAME;PARAM=value:value."""

    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass
class Component:
    """A BEGIN/END block and its own properties (nested blocks apart)."""

    name: str
    line: int
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> Prop | None:
        """Give the first property called `name`."""
        return next((p for p in self.props if p.name == name), None)

    def all(self, name: str) -> list[Prop]:
        """List every property called `name`."""
        return [p for p in self.props if p.name == name]


def parse(data: bytes, filename: str, tz: ZoneInfo) -> Programme:
    """Read an iCalendar file."""
    collector = Collector(filename, tz)
    calendars = _components(_content_lines(data, collector), collector)
    if not calendars:
        raise error("not_ics", file=filename)
    return _Calendar(calendars, collector).read()


# Lines and components


def _content_lines(data: bytes, collector: Collector) -> Iterator[tuple[int, str]]:
    """Unfold lines as bytes, then decode each: a fold may split a UTF-8 sequence."""
    logical: list[tuple[int, bytearray]] = []
    for number, physical in enumerate(data.split(b"\n"), start=1):
        raw = physical.removesuffix(b"\r")
        if raw[:1] in (b" ", b"\t") and logical:
            logical[-1][1].extend(raw[1:])
        elif raw.strip():
            logical.append((number, bytearray(raw)))
    for index, (number, joined) in enumerate(logical):
        try:
            text = bytes(joined).decode("utf-8-sig" if index == 0 else "utf-8")
        except UnicodeDecodeError:
            raise error("not_utf8", number, file=collector.filename) from None
        yield number, text


def _is_property(line: str) -> bool:
    match = _PROPERTY.match(line)
    if match is None:
        return False
    name = match.group(1)
    return name.upper() in KNOWN or name.upper().startswith("X-") or name.isupper()


def _split(line: str, number: int) -> Prop:
    """Split a content line at the first colon outside double quotes."""
    in_quotes = False
    for position, ch in enumerate(line):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == ":" and not in_quotes:
            head, value = line[:position], line[position + 1 :]
            break
    else:
        head, value = line, ""
    name, *raw_params = _split_params(head)
    params: dict[str, str] = {}
    for raw in raw_params:
        key, _, param = raw.partition("=")
        param = param.strip()
        if len(param) >= 2 and param[0] == param[-1] == '"':
            param = param[1:-1]
        # RFC 6868 escapes in parameter values
        param = param.replace("^n", "\n").replace("^'", '"').replace("^^", "^")
        params.setdefault(key.strip().upper(), param)
    return Prop(name.strip().upper(), params, value, number)


def _split_params(head: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    in_quotes = False
    for ch in head:
        if ch == '"':
            in_quotes = not in_quotes
        if ch == ";" and not in_quotes:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _components(lines: Iterator[tuple[int, str]], collector: Collector) -> list[Component]:
    calendars: list[Component] = []
    stack: list[Component] = []
    for number, line in lines:
        if not _is_property(line):
            if stack and stack[-1].props and stack[-1].name != "VCALENDAR":
                last = stack[-1].props[-1]
                stack[-1].props[-1] = Prop(
                    last.name, last.params, f"{last.value}\n{line}", last.line
                )
                collector.warn(number, "line without a property name joined to the one above")
            else:
                collector.warn(number, "line without a property name ignored")
            continue
        prop = _split(line, number)
        if prop.name == "BEGIN":
            kind = prop.value.strip().upper()
            if not stack and kind != "VCALENDAR":
                if not calendars:
                    return []
                collector.warn(number, f"BEGIN:{kind} outside a calendar ignored")
                continue
            if stack and stack[-1].name == kind == "VEVENT":
                raise error("ics_unterminated", stack[-1].line)
            component = Component(kind, number)
            if stack:
                stack[-1].children.append(component)
            else:
                calendars.append(component)
            stack.append(component)
        elif prop.name == "END":
            kind = prop.value.strip().upper()
            if not stack:
                collector.warn(number, f"END:{kind} outside a calendar ignored")
                continue
            if stack[-1].name != kind:
                open_event = next((c for c in reversed(stack) if c.name == "VEVENT"), stack[-1])
                raise error("ics_unterminated", open_event.line)
            stack.pop()
        elif stack:
            stack[-1].props.append(prop)
        elif not calendars:
            return []  # content before BEGIN:VCALENDAR: not a calendar
    if stack:
        unclosed = next((c for c in stack if c.name == "VEVENT"), None)
        if unclosed is not None:
            raise error("ics_unterminated", unclosed.line)
        raise error("ics_truncated", stack[-1].line, file=collector.filename)
    return calendars


# Values


def unescape_text(value: str) -> str:
    """Undo iCalendar text escapes: `\\n`, `\\,`, `\\;`, `\\\\`."""
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split_list(value: str) -> list[str]:
    """Split a text list at commas that are not escaped."""
    return [unescape_text(part).strip() for part in re.split(r"(?<!\\),", value)]


@dataclass(frozen=True, slots=True)
class _When:
    instant: datetime  # aware
    all_day: bool
    zone: ZoneInfo  # where the recurrence rules count days


class _Calendar:
    def __init__(self, calendars: list[Component], collector: Collector) -> None:
        self.collector = collector
        self.tz = collector.tz
        self.calendars = calendars
        self.events = [c for cal in calendars for c in cal.children if c.name == "VEVENT"]
        self.zones: dict[str, ZoneInfo] = {}
        self.floating = collector.tz
        for calendar in calendars:
            self._calendar_props(calendar)

    def _calendar_props(self, calendar: Component) -> None:
        if (name := calendar.get("X-WR-CALNAME")) and not self.collector.name:
            self.collector.name = clean_line(unescape_text(name.value)) or None
        for prop in calendar.all("X-WR-TIMEZONE") + calendar.all("VTIMEZONE"):
            # moca-2024 writes "VTIMEZONE: Europe/Rome" as a property: the same intent
            zone = _zone(prop.value.strip())
            if zone is None:
                self.collector.warn(prop.line, f"unknown calendar timezone {prop.value.strip()!r}")
            else:
                self.floating = zone
        for component in calendar.children:
            if component.name == "VTIMEZONE" and (tzid := component.get("TZID")):
                location = component.get("X-LIC-LOCATION")
                zone = _zone(tzid.value.strip()) or (
                    _zone(location.value.strip()) if location else None
                )
                if zone is not None:
                    self.zones[tzid.value.strip()] = zone

    def read(self) -> Programme:
        if not self.events:
            raise error("ics_no_events", file=self.collector.filename)
        organisers = Counter(self._organiser(e) for e in self.events)
        owner = None
        if len(self.events) > 2 and len(organisers) == 1:
            owner = next(iter(organisers))  # the calendar's owner, not a facilitator
        masters: dict[str, list[Component]] = defaultdict(list)
        overrides: dict[str, list[Component]] = defaultdict(list)
        for event in self.events:
            uid = self._uid(event)
            (overrides if event.get("RECURRENCE-ID") else masters)[uid].append(event)
        for uid, events in masters.items():
            if uid and len(events) > 1:
                self.collector.warn(
                    events[0].line,
                    f"UID {uid!r} is on {len(events)} events: their ids come from UID and start",
                )
        last_day = self._last_day()
        drafts: list[Draft] = []
        for uid, events in masters.items():
            for event in events:
                drafts.extend(self._series(uid, event, overrides.pop(uid, []), owner, last_day))
        for uid, events in overrides.items():  # moved occurrences whose series is missing
            for event in events:
                drafts.extend(self._item(uid, event, owner))
        self.collector.workshops.extend(settle_ids(drafts, _name_id, self.collector))
        return self.collector.finish()

    # Times

    def _when(self, prop: Prop, bad: str) -> _When:
        value = prop.value.strip()
        match = _DATETIME.fullmatch(value)
        if match is None:
            raise error(bad, prop.line, value=value)
        year, month, day, hour, minute, second, utc = match.groups()
        try:
            if hour is None or prop.params.get("VALUE", "").upper() == "DATE":
                local_day = date(int(year), int(month), int(day))
                start = datetime.combine(local_day, datetime.min.time())
                return _When(
                    localize(start, self.floating, self.collector, prop.line), True, self.floating
                )
            naive = datetime.combine(
                date(int(year), int(month), int(day)),
                time(int(hour), int(minute), int(second or 0)),
            )
        except ValueError:
            raise error(bad, prop.line, value=value) from None
        zone = _UTC if utc else self._tzid(prop)
        return _When(localize(naive, zone, self.collector, prop.line), False, zone)

    def _tzid(self, prop: Prop) -> ZoneInfo:
        tzid = prop.params.get("TZID", "").strip()
        if not tzid:
            return self.floating
        zone = self.zones.get(tzid) or _zone(tzid)
        if zone is None:
            self.collector.warn(prop.line, f"unknown TZID {tzid!r}: read in {self.floating.key}")
            self.zones[tzid] = zone = self.floating
        return zone

    def _span(self, event: Component) -> tuple[_When, datetime]:
        start_prop = event.get("DTSTART")
        if start_prop is None:
            raise error("missing_start", event.line)
        start = self._when(start_prop, "bad_start")
        if end_prop := event.get("DTEND"):
            end = self._when(end_prop, "bad_end").instant
            line = end_prop.line
        elif duration_prop := event.get("DURATION"):
            duration = parse_duration(duration_prop.value.strip().lstrip("+"))
            if duration is None:
                raise error("bad_duration", duration_prop.line, value=duration_prop.value.strip())
            end = after(start.instant, duration, self.tz)
            line = duration_prop.line
        else:
            # RFC 5545: a day for a DATE, nothing for a DATE-TIME
            end = after(start.instant, timedelta(days=1 if start.all_day else 0), self.tz)
            line = start_prop.line
        check_span(start.instant, end, line, self.collector)
        if start.all_day:
            self.collector.warn(start_prop.line, "all-day item")
        return start, end

    def _last_day(self) -> date | None:
        days = []
        for event in self.events:
            if event.get("RRULE") is None and (prop := event.get("DTSTART")):
                try:
                    days.append(self._when(prop, "bad_start").instant.astimezone(self.tz).date())
                except ProgrammeFileError:
                    continue  # reported when the event itself is read
        return max(days, default=None)

    # People and text

    def _organiser(self, event: Component) -> str:
        prop = event.get("ORGANIZER")
        return prop.params.get("CN", "").strip() if prop else ""

    def _people(self, event: Component, owner: str | None) -> tuple[Facilitator, ...]:
        names: list[str] = []
        organiser = self._organiser(event)
        if organiser and organiser != owner:
            names.extend(split_people(organiser.replace("\\n", " ")))
        for attendee in event.all("ATTENDEE"):
            params = attendee.params
            invited = "PARTSTAT" in params or "RSVP" in params
            if params.get("CN") and (params.get("ROLE", "").upper() == "CHAIR" or not invited):
                names.extend(split_people(params["CN"].replace("\\n", " ")))
        people = []
        for name in names:
            if fold(name) in _PLACEHOLDER_NAMES:
                self.collector.warn(event.line, f"placeholder name {name!r} left out")
            else:
                people.append(facilitator(name))
        return unique_people(people)

    def _uid(self, event: Component) -> str:
        prop = event.get("UID")
        return prop.value.strip() if prop else ""

    def _text(self, event: Component, name: str) -> str:
        prop = event.get(name)
        return unescape_text(prop.value).strip() if prop else ""

    # Events and occurrences

    def _series(
        self,
        uid: str,
        event: Component,
        overrides: list[Component],
        owner: str | None,
        last_day: date | None,
    ) -> list[Draft]:
        start, end = self._span(event)
        length = end - start.instant
        moved: dict[datetime, Component] = {}
        for override in overrides:
            prop = override.get("RECURRENCE-ID")
            assert prop is not None
            moved[self._when(prop, "bad_start").instant.astimezone(UTC)] = override
        slots: list[tuple[datetime, datetime]] = []
        drafts: list[Draft] = []
        for when in self._recurrence(event, start, last_day):
            replacement = moved.pop(when.astimezone(UTC), None)
            if replacement is None:
                slots.append((when, after(when, length, self.tz)))
            else:
                drafts.extend(self._item(uid, replacement, owner))
        drafts[:0] = self._item(uid, event, owner, slots)
        for replacement in moved.values():
            drafts.extend(self._item(uid, replacement, owner))
        return drafts

    def _item(
        self,
        uid: str,
        event: Component,
        owner: str | None,
        slots: list[tuple[datetime, datetime]] | None = None,
    ) -> list[Draft]:
        """Give the drafts of one VEVENT: its own span, or the given occurrences."""
        if self._text(event, "STATUS").upper() == "CANCELLED":
            self.collector.warn(event.line, "cancelled event left out")
            return []
        title = clean_line(self._text(event, "SUMMARY"))
        if not title:
            raise error("missing_title", event.line)
        if slots is None:
            start, end = self._span(event)
            slots = [(start.instant, end)]
        room = clean_line(self._text(event, "LOCATION"))
        description = html_to_text(self._text(event, "DESCRIPTION"))
        categories = [c for p in event.all("CATEGORIES") for c in _split_list(p.value) if c]
        summary = event.get("SUMMARY")
        language = (summary.params.get("LANGUAGE") if summary else None) or None
        people = self._people(event, owner)
        kind = guess_kind(" ".join(categories), title, room)
        drafts = []
        for slot_start, slot_end in slots:
            workshop = partial(
                _workshop,
                title=title,
                start=slot_start.astimezone(self.tz),
                end=slot_end.astimezone(self.tz),
                kind=kind,
                room=room or None,
                description=description,
                facilitators=people,
                language=language,
                tags=tuple(categories),
            )
            at = slot_start.astimezone(UTC).isoformat()
            keys = ((uid,) if uid else None, (uid, at), (uid, at, room, title))
            drafts.append(Draft(event.line, keys, workshop))
        return drafts

    def _recurrence(self, event: Component, start: _When, last_day: date | None) -> list[datetime]:
        rule_prop = event.get("RRULE")
        if rule_prop is None:
            return [start.instant]
        rule = dict(
            part.partition("=")[::2] for part in rule_prop.value.strip().upper().split(";") if part
        )
        freq = rule.get("FREQ", "")
        byday = [d for d in rule.get("BYDAY", "").split(",") if d]
        weekdays = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        if (
            freq not in ("DAILY", "WEEKLY")
            or set(rule) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}
            or (freq == "DAILY" and byday)
            or any(d not in weekdays for d in byday)  # "1MO", "-1FR": monthly forms
        ):
            self.collector.warn(
                rule_prop.line,
                f"RRULE {rule_prop.value.strip()!r} not expanded: first occurrence only",
            )
            return [start.instant]
        try:
            interval = max(1, int(rule.get("INTERVAL", "1")))
            count = int(rule["COUNT"]) if "COUNT" in rule else None
        except ValueError:
            self.collector.warn(rule_prop.line, "RRULE with a bad number: first occurrence only")
            return [start.instant]
        until = self._until(rule.get("UNTIL"), rule_prop)
        if count is None and until is None:
            if last_day is None:
                self.collector.warn(
                    rule_prop.line, "endless RRULE and no other event: first occurrence only"
                )
                return [start.instant]
            self.collector.warn(rule_prop.line, f"endless RRULE expanded up to {last_day}")
            until = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), self.tz)
        zone = start.zone
        local = start.instant.astimezone(zone)
        excluded = self._excluded(event)
        days = {weekdays.index(d) for d in byday} or {local.weekday()}
        out: list[datetime] = []
        step = 0
        produced = 0
        while produced < MAX_OCCURRENCES:
            if freq == "DAILY":
                candidates = [local.date() + timedelta(days=step * interval)]
            else:
                week_start = (
                    local.date()
                    - timedelta(days=local.weekday())
                    + timedelta(weeks=step * interval)
                )
                candidates = [week_start + timedelta(days=d) for d in sorted(days)]
            step += 1
            finished = False
            for day in candidates:
                if day < local.date():
                    continue
                when = localize(
                    datetime.combine(day, local.time()), zone, self.collector, rule_prop.line
                )
                if (until is not None and when > until) or (
                    count is not None and produced >= count
                ):
                    finished = True
                    break
                produced += 1
                if when.astimezone(UTC) not in excluded and when.date() not in excluded:
                    out.append(when)
            if finished:
                break
        else:
            self.collector.warn(
                rule_prop.line, f"RRULE stopped after {MAX_OCCURRENCES} occurrences"
            )
        return out

    def _until(self, text: str | None, rule_prop: Prop) -> datetime | None:
        if not text:
            return None
        until = self._when(
            Prop("UNTIL", {"TZID": rule_prop.params.get("TZID", "")}, text, rule_prop.line),
            "bad_end",
        )
        if until.all_day:  # a DATE: the whole of that day
            return until.instant + timedelta(days=1) - timedelta(microseconds=1)
        return until.instant

    def _excluded(self, event: Component) -> set[object]:
        excluded: set[object] = set()
        for prop in event.all("EXDATE"):
            for value in prop.value.split(","):
                when = self._when(Prop("EXDATE", prop.params, value, prop.line), "bad_start")
                excluded.add(
                    when.instant.astimezone(self.floating).date()
                    if when.all_day
                    else when.instant.astimezone(UTC)
                )
        return excluded


def _workshop(item_id: str, **fields: Any) -> Workshop:
    return Workshop(id=item_id, **fields)


def _name_id(level: int, key: tuple[Hashable, ...]) -> str:
    return make_id("ics", str(key[0])) if level == 0 else f"ics-{digest(*key)}"


def _zone(name: str) -> ZoneInfo | None:
    """Find a zoneinfo zone for a TZID: a name, a path ending in one, or a Windows name."""
    candidates = [name.strip('"').lstrip("/")]
    path = re.search(r"([A-Za-z_]+/[A-Za-z_+-]+(?:/[A-Za-z_+-]+)?)$", name)
    if path:
        candidates.append(path.group(1))
    if name.strip().lower() in _WINDOWS_ZONES:
        candidates.append(_WINDOWS_ZONES[name.strip().lower()])
    return next((zone for c in candidates if (zone := zone_named(c)) is not None), None)
