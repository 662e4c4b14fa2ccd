"""frab/pretalx/pentabarf `schedule.xml`: conference, then days -> rooms -> events.

Old pentabarf files (FOSDEM before 2024) put events straight under `<day>`, have no `<date>`,
no `guid` and no timezone: frab.py deals with that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from xml.parsers import expat
from zoneinfo import ZoneInfo

from bot.domain.models import Programme

from .common import Collector, decode, error
from .frab import FrabEvent, FrabSchedule, build

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class Node:
    """An XML element with the line it starts on (ElementTree does not keep it)."""

    tag: str
    attrs: dict[str, str]
    line: int
    content: list[str | Node] = field(default_factory=list)

    def children(self, tag: str) -> list[Node]:
        """List the child elements called `tag`."""
        return [c for c in self.content if isinstance(c, Node) and c.tag == tag]

    def child(self, tag: str) -> Node | None:
        """Give the first child element called `tag`."""
        return next(iter(self.children(tag)), None)

    def text(self) -> str:
        """Give the text directly inside."""
        return "".join(c for c in self.content if isinstance(c, str))

    def inner(self) -> str:
        """Give the content as markup, for abstracts that hold real (X)HTML elements."""
        parts = []
        for c in self.content:
            if isinstance(c, str):
                parts.append(escape(c, quote=False))
            else:
                parts.append(f"<{c.tag}>{c.inner()}</{c.tag}>")
        return "".join(parts)

    def field(self, tag: str) -> str:
        """Give the text of a child element, "" when there is none."""
        found = self.child(tag)
        if found is None:
            return ""
        if any(isinstance(c, Node) for c in found.content):
            return found.inner()
        return found.text()


class _Refused(Exception):
    """An entity declaration: refused, so no file can blow up in memory."""


def read_xml(data: bytes, collector: Collector) -> Node:
    """Parse XML into nodes with line numbers; raise `import.bad_xml` with the line."""
    declared = _DECLARED_ENCODING.match(data)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        decode(data, collector)  # a precise "not UTF-8, line N" before expat's "invalid token"
    parser = expat.ParserCreate()
    parser.buffer_text = True
    stack: list[Node] = []
    root: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].content if stack else root).append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].content.append(data)

    def refuse(*args: object) -> None:
        raise _Refused

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise error("bad_xml", exc.lineno, detail=expat.ErrorString(exc.code)) from None
    except _Refused:
        raise error("bad_xml", parser.CurrentLineNumber, detail="entity declarations") from None
    except LookupError:  # <?xml ... encoding="TF-8"?>: an encoding nobody knows
        raise error("bad_xml", 1, detail="unknown encoding") from None
    return root[0]


def parse(data: bytes, filename: str, tz: ZoneInfo) -> Programme:
    """Read a frab, pretalx or pentabarf schedule.xml."""
    collector = Collector(filename, tz)
    root = read_xml(data, collector)
    if root.tag != "schedule":
        raise error("not_a_schedule_xml", file=filename)
    conference = root.child("conference")
    schedule = FrabSchedule()
    if conference is not None:
        schedule.name = conference.field("title") or conference.field("acronym") or None
        schedule.time_zone = conference.field("time_zone_name")
        schedule.day_change = conference.field("day_change")
    for day in root.children("day"):
        for room in day.children("room"):
            name = room.attrs.get("name", "")
            if name:
                schedule.rooms.append(name)
            schedule.events.extend(_event(e, name, day) for e in room.children("event"))
        schedule.events.extend(_event(e, "", day) for e in day.children("event"))
    return build(schedule, collector)


def _event(event: Node, room: str, day: Node) -> FrabEvent:
    persons_node = event.child("persons")
    persons = [p.text() for p in persons_node.children("person")] if persons_node else []
    return FrabEvent(
        line=event.line,
        title=event.field("title"),
        guid=event.attrs.get("guid", "") or event.field("guid"),
        event_id=event.attrs.get("id", ""),
        date=event.field("date"),
        start=event.field("start"),
        duration=event.field("duration"),
        end=event.field("end"),
        room=event.field("room") or room,
        subtitle=event.field("subtitle"),
        type=event.field("type"),
        track=event.field("track"),
        language=event.field("language"),
        abstract=event.field("abstract"),
        description=event.field("description"),
        persons=persons,
        day_date=day.attrs.get("date", ""),
        day_start=day.attrs.get("start", ""),
        day_line=day.line,
    )
