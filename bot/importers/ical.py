"""iCalendar (.ics): VEVENTs, read leniently, since real calendars are often broken.

- Values: leading spaces dropped, `\\n \\, \\; \\\\` unescaped, HTML in descriptions made plain.
- Facilitators: ORGANIZER CN (unless the same on every event: that is the calendar's owner),
  ATTENDEE CN when ROLE=CHAIR or when it carries no invitation (PARTSTAT/RSVP).
- Ids: the UID when no other event has it; else a hash of UID and start, then of UID, start,
  room and title (a generator that reuses UIDs must not collapse the programme).
- Occurrences: RECURRENCE-ID moves one occurrence of a series.

The syntax is read by `ical_syntax.py`, times and recurrence rules by `ical_time.py`; this
module maps the events to the programme's items.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.models import Facilitator, Programme, Workshop
from bot.domain.text import fold

from .common import (
    Collector,
    Draft,
    after,
    clean_line,
    digest,
    error,
    facilitator,
    guess_kind,
    html_to_text,
    make_id,
    settle_ids,
    split_people,
    unique_people,
)
from .ical_syntax import Component, read_components, split_list, unescape_text
from .ical_time import CalendarTime

_PLACEHOLDER_NAMES = frozenset(("john doe", "jane doe", "tba", "tbd", "n/a", "nn", "xxx"))


def parse(data: bytes, filename: str, tz: ZoneInfo) -> Programme:
    """Read an iCalendar file."""
    collector = Collector(filename, tz)
    calendars = read_components(data, collector)
    if not calendars:
        raise error("not_ics", file=filename)
    return _Calendar(calendars, collector).read()


class _Calendar:
    def __init__(self, calendars: list[Component], collector: Collector) -> None:
        self.collector = collector
        self.tz = collector.tz
        self.time = CalendarTime(collector)
        self.events = [c for cal in calendars for c in cal.children if c.name == "VEVENT"]
        for calendar in calendars:
            if (name := calendar.get("X-WR-CALNAME")) and not self.collector.name:
                self.collector.name = clean_line(unescape_text(name.value)) or None
            self.time.read_zones(calendar)

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
        last_day = self.time.last_day(self.events)
        drafts: list[Draft] = []
        for uid, events in masters.items():
            for event in events:
                drafts.extend(self._series(uid, event, overrides.pop(uid, []), owner, last_day))
        for uid, events in overrides.items():  # moved occurrences whose series is missing
            for event in events:
                drafts.extend(self._item(uid, event, owner))
        self.collector.workshops.extend(settle_ids(drafts, _name_id, self.collector))
        return self.collector.finish()

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

    def _series(
        self,
        uid: str,
        event: Component,
        overrides: list[Component],
        owner: str | None,
        last_day: date | None,
    ) -> list[Draft]:
        start, end = self.time.span(event)
        length = end - start.instant
        moved: dict[datetime, Component] = {}
        for override in overrides:
            prop = override.get("RECURRENCE-ID")
            assert prop is not None
            moved[self.time.when(prop, "bad_start").instant.astimezone(UTC)] = override
        slots: list[tuple[datetime, datetime]] = []
        drafts: list[Draft] = []
        for when in self.time.recurrence(event, start, last_day):
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
            start, end = self.time.span(event)
            slots = [(start.instant, end)]
        room = clean_line(self._text(event, "LOCATION"))
        description = html_to_text(self._text(event, "DESCRIPTION"))
        categories = [c for p in event.all("CATEGORIES") for c in split_list(p.value) if c]
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


def _workshop(item_id: str, **fields: Any) -> Workshop:
    return Workshop(id=item_id, **fields)


def _name_id(level: int, key: tuple[Hashable, ...]) -> str:
    return make_id("ics", str(key[0])) if level == 0 else f"ics-{digest(*key)}"
