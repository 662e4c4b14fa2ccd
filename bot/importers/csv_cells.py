"""Day and time cells as people type them in a spreadsheet, in French or English.

`25/08`, `mardi 25 août`, `Aug 25th, 2026`, `2026-08-25`; `9h30`, `14:00`, `2 pm`, `midi`,
and the whole date and time a spreadsheet may write in a time cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.domain.schedule import WEEKDAYS
from bot.domain.text import fold

from .common import error

_MONTHS = {
    **dict.fromkeys(("janvier", "janv", "jan", "january"), 1),
    **dict.fromkeys(("fevrier", "fevr", "fev", "february", "feb"), 2),
    **dict.fromkeys(("mars", "march", "mar"), 3),
    **dict.fromkeys(("avril", "avr", "april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "june", "jun"), 6),
    **dict.fromkeys(("juillet", "juil", "july", "jul"), 7),
    **dict.fromkeys(("aout", "august", "aug"), 8),
    **dict.fromkeys(("septembre", "sept", "sep", "september"), 9),
    **dict.fromkeys(("octobre", "oct", "october"), 10),
    **dict.fromkeys(("novembre", "nov", "november"), 11),
    **dict.fromkeys(("decembre", "dec", "december"), 12),
}
_WEEKDAY = r"(?:(?P<wd>[a-z]+)\.?,?\s+)?"
_DAY_FORMS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ t]00:00(?::00)?)?"),
    re.compile(_WEEKDAY + r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?"),
    re.compile(
        _WEEKDAY + r"(?P<d>\d{1,2})(?:er|st|nd|rd|th)?\s+(?P<mn>[a-z]+)\.?(?:\s+(?P<y>\d{4}))?"
    ),
    re.compile(
        _WEEKDAY + r"(?P<mn>[a-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(?P<y>\d{4}))?"
    ),
)
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})\s*(?:(?:[:h.]|heures?)\s*(?P<m>\d{2})?(?::(?P<s>\d{2}))?)?\s*(?P<ampm>am|pm)?"
)
_NOON = {"midi": time(12), "noon": time(12), "minuit": time(0), "midnight": time(0)}


@dataclass(frozen=True, slots=True)
class Day:
    """A day cell: day and month, and the year when written."""

    day: int
    month: int
    year: int | None
    text: str


def parse_day(text: str, number: int) -> Day:
    """Read a day cell, or refuse it (a weekday alone names no day)."""
    folded = " ".join(fold(text).split())
    for form in _DAY_FORMS:
        match = form.fullmatch(folded)
        if match is None:
            continue
        parts = match.groupdict()
        weekday = parts.get("wd")
        if weekday and weekday not in WEEKDAYS:
            continue
        month = _MONTHS.get(parts["mn"]) if parts.get("mn") else int(parts["m"])
        if month is None:
            continue
        year = int(parts["y"]) if parts.get("y") else None
        if year is not None and year < 100:
            year += 2000
        return Day(int(parts["d"]), month, year, text)
    if folded.split(" ")[0].rstrip(".,") in WEEKDAYS:
        raise error("weekday_only", number, value=text)
    raise error("bad_date", number, value=text)


def parse_clock(text: str) -> time | None:
    """Read a clock time, or give None."""
    folded = fold(text).replace(" ", "")
    if folded in _NOON:
        return _NOON[folded]
    match = _CLOCK.fullmatch(folded.replace("a.m.", "am").replace("p.m.", "pm"))
    if match is None:
        return None
    hour, minute, second = (int(match.group(g) or 0) for g in ("h", "m", "s"))
    if match.group("ampm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match.group("ampm") == "pm" else 0)
    if hour == 24 and minute == 0 and second == 0:
        return time(0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def split_when(text: str, number: int) -> tuple[date | None, time | None]:
    """Read a time cell, which a spreadsheet may have written as a whole date and time."""
    clock = parse_clock(text)
    if clock is not None:
        return None, clock
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        # LibreOffice writes a bare time cell as 1899-12-30 10:00:00
        return (None if parsed.year < 1950 else parsed.date()), parsed.time()
    head, _, tail = value.rpartition(" ")
    if head and (clock := parse_clock(tail)) is not None:
        day = parse_day(head, number)
        if day.year is not None:
            try:
                return date(day.year, day.month, day.day), clock
            except ValueError:
                raise error("bad_date", number, value=head) from None
    return None, None
