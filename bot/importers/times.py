"""Times as programmes write them: durations, ISO dates, local times and their gaps."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .collect import Collector, error

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
