"""What schedule.json and schedule.xml share (frab, pretalx, pentabarf): events to workshops.

Rules, for both:
- `date` (ISO with an offset) is the start; without it, the `<day>`'s date plus `start`, in the
  conference timezone (else the event's), on the next calendar day when `start` is before the
  day's `start` time or the conference's `day_change` (a day runs 09:00 -> 08:59 the next day).
- The end is start + `duration` (`0:40`, `00:40:00`), else `end`.
- Id: the `guid` when it is unique in the file; else `frab-<id>` when that is unique; else a hash
  of start, room and title. pretalx reuses `id` across slots, so it only comes second.
- Kind: guessed from the free-text `type` ("workshop" -> workshop...), else other.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import Facilitator, Programme, Workshop

from .common import (
    Collector,
    Draft,
    after,
    check_span,
    clean_line,
    digest,
    error,
    guess_kind,
    html_to_text,
    localize,
    make_id,
    parse_duration,
    parse_iso_datetime,
    settle_ids,
    unescape,
    unique_people,
    zone_named,
)


@dataclass
class FrabEvent:
    """One event as the file gives it, every field as text ("" when absent)."""

    line: int
    title: str = ""
    guid: str = ""
    event_id: str = ""
    date: str = ""
    start: str = ""
    duration: str = ""
    end: str = ""
    room: str = ""
    subtitle: str = ""
    type: str = ""
    track: str = ""
    language: str = ""
    abstract: str = ""
    description: str = ""
    persons: list[str] = field(default_factory=list)
    day_date: str = ""
    day_start: str = ""
    day_line: int = 0


@dataclass
class FrabSchedule:
    """The parts of a schedule file the bot keeps."""

    name: str | None = None
    time_zone: str = ""
    day_change: str = ""
    rooms: list[str] = field(default_factory=list)
    events: list[FrabEvent] = field(default_factory=list)


def build(schedule: FrabSchedule, collector: Collector) -> Programme:
    """Turn a read schedule into the programme, all or nothing."""
    collector.name = clean_line(unescape(schedule.name)) if schedule.name else None
    local = _conference_tz(schedule.time_zone, collector)
    day_change = _clock(schedule.day_change)
    for room in schedule.rooms:
        collector.add_room(clean_line(unescape(room)))
    drafts = [_draft(event, local, day_change, collector) for event in schedule.events]
    collector.workshops.extend(settle_ids(drafts, _name_id, collector))
    return collector.finish()


def _name_id(level: int, key: tuple[Hashable, ...]) -> str:
    if level == 0:
        return make_id("frab", str(key[0]))
    if level == 1:
        return make_id("frab", f"frab-{key[0]}")
    return f"frab-{digest(*key)}"


def _conference_tz(name: str, collector: Collector) -> ZoneInfo:
    if not name.strip():
        return collector.tz
    zone = zone_named(name)
    if zone is None:
        collector.warn(
            None, f"unknown time_zone_name {name!r}: local times read in {collector.tz.key}"
        )
        return collector.tz
    return zone


def _clock(text: str) -> time | None:
    try:
        return time.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _start(
    event: FrabEvent, local: ZoneInfo, day_change: time | None, collector: Collector
) -> datetime:
    if event.date.strip():
        when = parse_iso_datetime(event.date)
        if when is None:
            raise error("bad_start", event.line, value=event.date)
        if when.tzinfo is None:
            return localize(when, local, collector, event.line).astimezone(collector.tz)
        return when.astimezone(collector.tz)
    if not event.start.strip():
        raise error("missing_start", event.line)
    clock = _clock(event.start)
    if clock is None:
        raise error("bad_start", event.line, value=event.start)
    try:
        day = date.fromisoformat(event.day_date.strip()[:10])
    except ValueError:
        raise error("bad_date", event.day_line or event.line, value=event.day_date) from None
    day_start = parse_iso_datetime(event.day_start)
    turn = day_start.time() if day_start is not None else day_change
    if turn is not None and clock < turn:
        day += timedelta(days=1)  # listed under the day it belongs to, after midnight
    return localize(datetime.combine(day, clock), local, collector, event.line).astimezone(
        collector.tz
    )


def _end(event: FrabEvent, start: datetime, local: ZoneInfo, collector: Collector) -> datetime:
    if event.duration.strip():
        duration = parse_duration(event.duration)
        if duration is None:
            raise error("bad_duration", event.line, value=event.duration)
        return after(start, duration, collector.tz)
    if event.end.strip():
        end = parse_iso_datetime(event.end)
        if end is None:
            raise error("bad_end", event.line, value=event.end)
        if end.tzinfo is None:
            end = localize(end, local, collector, event.line)
        return end.astimezone(collector.tz)
    raise error("missing_end", event.line)


def _draft(
    event: FrabEvent, local: ZoneInfo, day_change: time | None, collector: Collector
) -> Draft:
    title = clean_line(unescape(event.title))
    if not title:
        raise error("missing_title", event.line)
    start = _start(event, local, day_change, collector)
    end = _end(event, start, local, collector)
    check_span(start, end, event.line, collector)
    room = clean_line(unescape(event.room))
    texts = (html_to_text(t) for t in (event.subtitle, event.abstract, event.description))
    description = "\n\n".join(dict.fromkeys(t for t in texts if t))
    people = unique_people(Facilitator(clean_line(unescape(p))) for p in event.persons)
    track = clean_line(unescape(event.track))

    def workshop(item_id: str) -> Workshop:
        return Workshop(
            id=item_id,
            title=title,
            start=start,
            end=end,
            kind=guess_kind(event.type, title, room),
            room=room or None,
            description=description,
            facilitators=people,
            language=clean_line(event.language) or None,
            tags=(track,) if track else (),
        )

    keys = (
        (event.guid.strip(),) if event.guid.strip() else None,
        (event.event_id.strip(),) if event.event_id.strip() else None,
        (start.isoformat(), room, title),
    )
    return Draft(event.line, keys, workshop)
