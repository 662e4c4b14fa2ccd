"""Programme files in every supported format, read into one Programme, all or nothing.

Formats: the native TOML, CSV from a spreadsheet, frab/pretalx schedule.json and schedule.xml,
iCalendar. Any broken element raises ProgrammeFileError with a key under `import.` and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.models import Programme

from . import csv_sheet, frab_json, frab_xml, ical, native
from .common import error, sniff_binary

__all__ = ["Format", "detect_format", "parse_programme"]

Format = Literal["toml", "csv", "frab-json", "frab-xml", "ics"]

EXTENSIONS: dict[str, Format] = {
    ".toml": "toml",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "frab-json",
    ".xml": "frab-xml",
    ".ics": "ics",
    ".ical": "ics",
    ".icalendar": "ics",
    ".ifb": "ics",
}
PARSERS: dict[Format, Callable[[bytes, str, ZoneInfo], Programme]] = {
    "toml": native.parse,
    "csv": csv_sheet.parse,
    "frab-json": frab_json.parse,
    "frab-xml": frab_xml.parse,
    "ics": ical.parse,
}

_TOML_START = re.compile(r"\[\[?\s*[A-Za-z0-9_.-]+\s*\]\]?\s*(#.*)?$|[A-Za-z0-9_-]+\s*=")


def detect_format(data: bytes, filename: str) -> Format:
    """Tell a file's format from its extension, else from its first lines."""
    found = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if found is not None:
        return found
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:15].upper() == b"BEGIN:VCALENDAR":
        return "ics"
    if head.startswith(b"<"):
        return "frab-xml"
    if head.startswith(b"{"):
        return "frab-json"
    lines = head.decode("utf-8", "replace").splitlines()
    first = next((line.strip() for line in lines if line.strip() and not line.startswith("#")), "")
    if _TOML_START.match(first):
        return "toml"
    if any(sep in first for sep in (";", ",", "\t")):
        return "csv"
    raise error("not_a_programme", file=filename)


def parse_programme(data: bytes, filename: str, tz: ZoneInfo) -> Programme:
    """Parse a programme file of any supported format; raise ProgrammeFileError if it is broken."""
    sniff_binary(data, filename)
    return PARSERS[detect_format(data, filename)](data, filename, tz)
