"""Questions about the programme: what runs now, what comes next, what a day holds."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.models import Workshop
from bot.domain.text import fold

WEEKDAYS = {
    # French and English names and their usual short forms, Monday = 0
    **dict.fromkeys(("lundi", "lun", "monday", "mon"), 0),
    **dict.fromkeys(("mardi", "mar", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("mercredi", "mer", "wednesday", "wed"), 2),
    **dict.fromkeys(("jeudi", "jeu", "thursday", "thu", "thurs"), 3),
    **dict.fromkeys(("vendredi", "ven", "friday", "fri"), 4),
    **dict.fromkeys(("samedi", "sam", "saturday", "sat"), 5),
    **dict.fromkeys(("dimanche", "dim", "sunday", "sun"), 6),
}
MONTHS = {
    # French and English names (folded) and their usual short forms, January = 1
    **dict.fromkeys(("janvier", "janv", "january", "jan"), 1),
    **dict.fromkeys(("fevrier", "fevr", "february", "feb"), 2),
    **dict.fromkeys(("mars", "march", "mar"), 3),
    **dict.fromkeys(("avril", "avr", "april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "june", "jun"), 6),
    **dict.fromkeys(("juillet", "juil", "july", "jul"), 7),
    **dict.fromkeys(("aout", "august", "aug"), 8),
    **dict.fromkeys(("septembre", "sept", "september", "sep"), 9),
    **dict.fromkeys(("octobre", "oct", "october"), 10),
    **dict.fromkeys(("novembre", "nov", "november"), 11),
    **dict.fromkeys(("decembre", "dec", "december"), 12),
}
TODAY_WORDS = frozenset(("aujourd'hui", "aujourdhui", "auj", "today"))
TOMORROW_WORDS = frozenset(("demain", "tomorrow"))
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# "26 août", "mercredi 26 aout", "1er août", "26th August", "August 26", "Wed 26 Aug 2026"
_NAMED = re.compile(
    r"^(?:[a-z]+,? )?(?:(?P<d1>\d{1,2})(?:er|re|e|st|nd|rd|th)? (?P<m1>[a-z]+)"
    r"|(?P<m2>[a-z]+) (?P<d2>\d{1,2})(?:st|nd|rd|th)?),?(?: (?P<y>\d{4}))?$"
)


class Part(StrEnum):
    """A part of a day people ask about, by the local time an item starts."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# Where each part starts and ends, in local hours (an evening runs past midnight)
_PART_HOURS = {Part.MORNING: (5, 12), Part.AFTERNOON: (12, 18), Part.EVENING: (18, 29)}


def in_part(items: Iterable[Workshop], part: Part, tz: ZoneInfo) -> tuple[Workshop, ...]:
    """Keep the items that start in a part of their day."""
    first, last = _PART_HOURS[part]
    kept = []
    for w in items:
        local = w.start.astimezone(tz)
        hour = local.hour + (24 if local.hour < 5 else 0)
        if first <= hour < last:
            kept.append(w)
    return tuple(kept)


class Phase(StrEnum):
    """Where the clock stands against the week."""

    EMPTY = "empty"
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class Slot:
    """Items that start at the same moment (parallel rooms)."""

    start: datetime
    items: tuple[Workshop, ...]


def local_day(when: datetime, tz: ZoneInfo) -> date:
    """Give the calendar day of an instant in the event's timezone."""
    return when.astimezone(tz).date()


def phase(workshops: Sequence[Workshop], now: datetime) -> Phase:
    """Tell whether the week is ahead, under way or over."""
    if not workshops:
        return Phase.EMPTY
    if now < min(w.start for w in workshops):
        return Phase.BEFORE
    if now >= max(w.end for w in workshops):
        return Phase.AFTER
    return Phase.DURING


def running(workshops: Iterable[Workshop], now: datetime) -> list[Workshop]:
    """List what is on at `now`."""
    return [w for w in workshops if w.start <= now < w.end]


def next_slot(workshops: Sequence[Workshop], now: datetime) -> Slot | None:
    """Give every item of the next starting time after `now`."""
    upcoming = [w for w in workshops if w.start > now]
    if not upcoming:
        return None
    first = min(w.start for w in upcoming)
    return Slot(first, tuple(sorted((w for w in upcoming if w.start == first), key=_place)))


def on_day(workshops: Iterable[Workshop], day: date, tz: ZoneInfo) -> list[Workshop]:
    """List the items that start on `day` (local), in time order."""
    return sorted(
        (w for w in workshops if local_day(w.start, tz) == day), key=lambda w: (w.start, w.title)
    )


def _place(w: Workshop) -> tuple[str, str]:
    return (w.room or "", w.title)


def by_start(items: Iterable[Workshop]) -> list[Slot]:
    """Group items by their start time; parallel items in the order of their rooms."""
    slots: dict[datetime, list[Workshop]] = {}
    for item in sorted(items, key=lambda w: (w.start, *_place(w))):
        slots.setdefault(item.start, []).append(item)
    return [Slot(start, tuple(items)) for start, items in slots.items()]


@dataclass(frozen=True, slots=True)
class Days:
    """A programme's items by local day, worked out once (a day's list in time order)."""

    by_day: Mapping[date, tuple[Workshop, ...]]
    days: tuple[date, ...]
    tz: ZoneInfo
    first: datetime | None = None
    """The earliest start of all (None without items)."""
    last: datetime | None = None
    """The latest end of all."""

    @classmethod
    def of(cls, workshops: Iterable[Workshop], tz: ZoneInfo) -> Days:
        """Sort the items into their days."""
        grouped: dict[date, list[Workshop]] = {}
        for w in workshops:
            grouped.setdefault(local_day(w.start, tz), []).append(w)
        by_day = {
            day: tuple(sorted(items, key=lambda w: (w.start, w.title)))
            for day, items in grouped.items()
        }
        everything = [w for items in by_day.values() for w in items]
        return cls(
            by_day,
            tuple(sorted(by_day)),
            tz,
            min((w.start for w in everything), default=None),
            max((w.end for w in everything), default=None),
        )

    def phase(self, now: datetime) -> Phase:
        """Tell whether the week is ahead, under way or over (as phase() does, without a scan)."""
        if self.first is None or self.last is None:
            return Phase.EMPTY
        if now < self.first:
            return Phase.BEFORE
        if now >= self.last:
            return Phase.AFTER
        return Phase.DURING

    def next_slot(self, now: datetime) -> Slot | None:
        """Give every item of the next starting time after `now` (as next_slot() does).

        Only the days from today on are read, each from the first item after `now`.
        """
        for day in self.days[bisect.bisect_left(self.days, local_day(now, self.tz)) :]:
            items = self.by_day[day]
            index = bisect.bisect_right(items, now, key=lambda w: w.start)
            if index < len(items):
                first = items[index].start
                end = bisect.bisect_right(items, first, lo=index, key=lambda w: w.start)
                return Slot(first, tuple(sorted(items[index:end], key=_place)))
        return None

    def first_slot(self, day: date) -> Slot | None:
        """Give every item of a day's first starting time (as by_start(on(day))[0] does)."""
        items = self.by_day.get(day, ())
        if not items:
            return None
        end = bisect.bisect_right(items, items[0].start, key=lambda w: w.start)
        return Slot(items[0].start, tuple(sorted(items[:end], key=_place)))

    def on(self, day: date) -> tuple[Workshop, ...]:
        """List the items that start on `day`, in time order."""
        return self.by_day.get(day, ())

    def after(self, day: date) -> date | None:
        """Give the first day after `day` that has items."""
        index = bisect.bisect_right(self.days, day)
        return self.days[index] if index < len(self.days) else None


def parse_day(text: str, today: date, week: Sequence[date] = ()) -> date | None:
    """Read a day as people write it: 'mardi', 'tue', '27/08', '26 août', 'demain'."""
    word = " ".join(fold(text).replace(".", " ").split())
    if not word:
        return None
    if word in TODAY_WORDS:
        return today
    if word in TOMORROW_WORDS:
        return today + timedelta(days=1)
    if word in WEEKDAYS:
        target = WEEKDAYS[word]
        # Prefer the matching day of the programme's week, then the next such day from today
        for candidate in week:
            if candidate.weekday() == target and (candidate >= today or week[-1] < today):
                return candidate
        for candidate in week:
            if candidate.weekday() == target:
                return candidate
        return today + timedelta(days=(target - today.weekday()) % 7)
    if match := _YMD.match(word):
        year, month, day_ = (int(g) for g in match.groups())
        return _safe_date(year, month, day_)
    if (match := _NAMED.match(word)) and (match["m1"] or match["m2"]) in MONTHS:
        month = MONTHS[match["m1"] or match["m2"]]
        day_ = int(match["d1"] or match["d2"])
        year = int(match["y"]) if match["y"] else (week[0].year if week else today.year)
        return _safe_date(year, month, day_)
    if match := _DMY.match(word):
        day_, month = int(match.group(1)), int(match.group(2))
        year_text = match.group(3)
        if year_text is None:
            year = week[0].year if week else today.year
        else:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _safe_date(year, month, day_)
    return None


def _safe_date(year: int, month: int, day_: int) -> date | None:
    try:
        return date(year, month, day_)
    except ValueError:
        return None


def in_room(workshops: Iterable[Workshop], room: str) -> list[Workshop]:
    """List the items held in `room` (case and accents ignored)."""
    wanted = fold(room)
    return [w for w in workshops if w.room is not None and fold(w.room) == wanted]
