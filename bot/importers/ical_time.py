"""Times in a calendar: DATE and DATE-TIME values, TZIDs, VTIMEZONEs, and RRULE expansion.

`Z` is UTC; TZID is a zoneinfo name (directly, via a VTIMEZONE's X-LIC-LOCATION, or the
`Area/City` at the end of a path); an unknown TZID and floating times use X-WR-TIMEZONE when
valid, else the event timezone. A DATE alone is an all-day item. RRULE: DAILY and WEEKLY
(INTERVAL, COUNT, UNTIL, BYDAY, EXDATE) are expanded; without COUNT or UNTIL up to the last day
of the other events. Others: first occurrence only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import ProgrammeFileError

from .common import Collector, after, check_span, error, localize, parse_duration, zone_named
from .ical_syntax import Component, Prop

_DATETIME = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(?:\.\d+)?(Z)?)?", re.I
)
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
class When:
    """A DTSTART-like value read: the instant, whether it was a DATE, and its zone."""

    instant: datetime  # aware
    all_day: bool
    zone: ZoneInfo  # where the recurrence rules count days


class CalendarTime:
    """Read a calendar's times in its zones; expand its recurrence rules."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.tz = collector.tz
        self.zones: dict[str, ZoneInfo] = {}
        self.floating = collector.tz

    def read_zones(self, calendar: Component) -> None:
        """Learn the calendar's own timezone and its VTIMEZONE blocks."""
        for prop in calendar.all("X-WR-TIMEZONE") + calendar.all("VTIMEZONE"):
            # moca-2024 writes "VTIMEZONE: Europe/Rome" as a property: the same intent
            zone = zone_for(prop.value.strip())
            if zone is None:
                self.collector.warn(prop.line, f"unknown calendar timezone {prop.value.strip()!r}")
            else:
                self.floating = zone
        for component in calendar.children:
            if component.name == "VTIMEZONE" and (tzid := component.get("TZID")):
                location = component.get("X-LIC-LOCATION")
                zone = zone_for(tzid.value.strip()) or (
                    zone_for(location.value.strip()) if location else None
                )
                if zone is not None:
                    self.zones[tzid.value.strip()] = zone

    def when(self, prop: Prop, bad: str) -> When:
        """Read a DATE or DATE-TIME property in its zone; refuse a bad one with `bad`."""
        value = prop.value.strip()
        match = _DATETIME.fullmatch(value)
        if match is None:
            raise error(bad, prop.line, value=value)
        year, month, day, hour, minute, second, utc = match.groups()
        try:
            if hour is None or prop.params.get("VALUE", "").upper() == "DATE":
                local_day = date(int(year), int(month), int(day))
                start = datetime.combine(local_day, datetime.min.time())
                return When(
                    localize(start, self.floating, self.collector, prop.line), True, self.floating
                )
            naive = datetime.combine(
                date(int(year), int(month), int(day)),
                time(int(hour), int(minute), int(second or 0)),
            )
        except ValueError:
            raise error(bad, prop.line, value=value) from None
        zone = _UTC if utc else self._tzid(prop)
        return When(localize(naive, zone, self.collector, prop.line), False, zone)

    def _tzid(self, prop: Prop) -> ZoneInfo:
        tzid = prop.params.get("TZID", "").strip()
        if not tzid:
            return self.floating
        zone = self.zones.get(tzid) or zone_for(tzid)
        if zone is None:
            self.collector.warn(prop.line, f"unknown TZID {tzid!r}: read in {self.floating.key}")
            self.zones[tzid] = zone = self.floating
        return zone

    def span(self, event: Component) -> tuple[When, datetime]:
        """Give an event's start and end (DTEND, DURATION, or RFC 5545's default)."""
        start_prop = event.get("DTSTART")
        if start_prop is None:
            raise error("missing_start", event.line)
        start = self.when(start_prop, "bad_start")
        if end_prop := event.get("DTEND"):
            end = self.when(end_prop, "bad_end").instant
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

    def last_day(self, events: list[Component]) -> date | None:
        """Give the last day of the events that do not repeat (where endless rules stop)."""
        days = []
        for event in events:
            if event.get("RRULE") is None and (prop := event.get("DTSTART")):
                try:
                    days.append(self.when(prop, "bad_start").instant.astimezone(self.tz).date())
                except ProgrammeFileError:
                    continue  # reported when the event itself is read
        return max(days, default=None)

    def recurrence(self, event: Component, start: When, last_day: date | None) -> list[datetime]:
        """List an event's occurrences (its start alone if it has no rule we expand)."""
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
        until = self.when(
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
                when = self.when(Prop("EXDATE", prop.params, value, prop.line), "bad_start")
                excluded.add(
                    when.instant.astimezone(self.floating).date()
                    if when.all_day
                    else when.instant.astimezone(UTC)
                )
        return excluded


def zone_for(name: str) -> ZoneInfo | None:
    """Find a zoneinfo zone for a TZID: a name, a path ending in one, or a Windows name."""
    candidates = [name.strip('"').lstrip("/")]
    path = re.search(r"([A-Za-z_]+/[A-Za-z_+-]+(?:/[A-Za-z_+-]+)?)$", name)
    if path:
        candidates.append(path.group(1))
    if name.strip().lower() in _WINDOWS_ZONES:
        candidates.append(_WINDOWS_ZONES[name.strip().lower()])
    return next((zone for c in candidates if (zone := zone_named(c)) is not None), None)
