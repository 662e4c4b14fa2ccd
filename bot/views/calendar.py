"""Calendars as iCalendar files: events in, bytes out (no I/O, no services)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

from bot.domain.calendar import CalendarEvent, EventStatus, Why

PRODID = "-//Rencontre//Calendar//FR"

Say = Callable[..., str]
"""A translator bound to one language: say(key, **params)."""


@lru_cache(maxsize=16)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """Give a VTIMEZONE covering the years of the events (made once, kept)."""
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    zone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    return bytes(zone.to_ical())


def _description(e: CalendarEvent, say: Say) -> str:
    lines = []
    if e.status is EventStatus.CANCELLED:
        lines.append(say("calendar.why_cancelled"))
    elif e.why is Why.WAITING or e.why is Why.ROTA_WAITING:
        lines.append(say("calendar.why_waiting", position=e.position or "?"))
    elif e.why is not Why.PROGRAMME:
        lines.append(say(f"calendar.why_{e.why.value}"))
    if e.description:
        lines.append(e.description)
    return "\n\n".join(lines)


def ics(
    events: Sequence[CalendarEvent], *, name: str, tz: ZoneInfo, now: datetime, say: Say
) -> bytes:
    """Write events as an iCalendar file: times in the event's timezone with its VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tz.key)
    stamp = now.astimezone(ZoneInfo("UTC"))
    for e in events:
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("sequence", e.sequence)
        rota = e.why in (Why.ROTA, Why.ROTA_WAITING)
        title = say("calendar.rota_title", area=e.title) if rota else e.title
        event.add("summary", title)
        event.add("dtstart", e.start.astimezone(tz))
        event.add("dtend", e.end.astimezone(tz))
        event.add("status", e.status.value)
        if e.room:
            event.add("location", e.room)
        description = _description(e, say)
        if description:
            event.add("description", description)
        if e.alarm_minutes is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", title)
            alarm.add("trigger", timedelta(minutes=-e.alarm_minutes))
            event.add_component(alarm)
        calendar.add_component(event)
    body = bytes(calendar.to_ical())
    if not events:
        return body
    years = [e.start.astimezone(tz).year for e in events]
    zone = _vtimezone(tz.key, min(years) - 1, max(years) + 1)
    # The VTIMEZONE goes before the events, as readers that read in one pass prefer
    head, sep, rest = body.partition(b"BEGIN:VEVENT")
    return head + zone + sep + rest
