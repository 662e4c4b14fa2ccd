"""iCalendar's syntax, read leniently: content lines, properties, components, text values.

Lines are unfolded as bytes (a fold may split a UTF-8 sequence), CRLF or LF; a line inside an
event that cannot be a property (`Anmeldung: ...`) continues the previous one (a warning).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .common import Collector, error

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


def read_components(data: bytes, collector: Collector) -> list[Component]:
    """Give the VCALENDAR blocks of a file (none if it is not a calendar)."""
    return _components(_content_lines(data, collector), collector)


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


def unescape_text(value: str) -> str:
    """Undo iCalendar text escapes: `\\n`, `\\,`, `\\;`, `\\\\`."""
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def split_list(value: str) -> list[str]:
    """Split a text list at commas that are not escaped."""
    return [unescape_text(part).strip() for part in re.split(r"(?<!\\),", value)]
