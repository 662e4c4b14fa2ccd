"""What an importer gathers and how it fails: the collector, errors, decoding, and ids.

A location is always a 1-based line number written as a string ("12"), or "" for the whole
file: the messages in bot/locales/*/import.toml say "Ligne 12" / "Line 12" themselves.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import ProgrammeFileError
from bot.domain.models import Programme, Room, RotaSlot, Workshop

# The id rule of the native format; imported ids that do not fit it are hashed (see make_id)
ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
TELEGRAM_PATTERN = re.compile(r"[A-Za-z0-9_]{4,32}")


def error(name: str, line: int | None = None, **params: Any) -> ProgrammeFileError:
    """Build the error for message `import.<name>` at a line (None: the whole file)."""
    return ProgrammeFileError(f"import.{name}", "" if line is None else str(line), **params)


@dataclass
class Collector:
    """What an importer gathers before the last checks turn it into a Programme."""

    filename: str
    tz: ZoneInfo
    workshops: list[Workshop] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    rota: list[RotaSlot] = field(default_factory=list)
    name: str | None = None
    warnings: list[str] = field(default_factory=list)

    def warn(self, line: int | None, text: str) -> None:
        """Note something tolerated, in plain English, for the log."""
        self.warnings.append(
            f"{self.filename}:{line}: {text}" if line else f"{self.filename}: {text}"
        )

    def add_room(self, name: str, description: str = "") -> None:
        """Declare a room once, keeping the first description given."""
        if name and all(room.name != name for room in self.rooms):
            self.rooms.append(Room(name, description))

    def finish(self) -> Programme:
        """Check the whole and give the programme, rooms in order of first mention."""
        if not self.workshops:
            raise error("empty_programme", file=self.filename)
        for item in self.workshops:
            if item.room:
                self.add_room(item.room)
        workshops = sorted(self.workshops, key=lambda w: (w.start, w.end, w.room or "", w.title))
        rota = sorted(self.rota, key=lambda r: (r.start, r.area, r.id))
        return Programme(
            tuple(workshops), tuple(self.rooms), tuple(rota), self.name, tuple(self.warnings)
        )


# Reading bytes


def sniff_binary(data: bytes, filename: str) -> None:
    """Refuse empty files and the binary files people send by mistake (spreadsheets, PDF)."""
    if not data.strip():
        raise error("empty_file", file=filename)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        # .xlsx/.ods are zip archives, .xls an OLE2 compound file
        raise error("spreadsheet_file", file=filename)
    if data.startswith(b"%PDF"):
        raise error("not_a_programme", file=filename)


def decode(data: bytes, collector: Collector, *, legacy: bool = False) -> str:
    """Give the text of a file: UTF-8 (BOM or not), UTF-16 with a BOM, or with `legacy` cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise error("not_utf8", 1, file=collector.filename) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if not legacy:
                line = data.count(b"\n", 0, exc.start) + 1
                raise error("not_utf8", line, file=collector.filename) from None
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            collector.warn(None, "not UTF-8: read as Windows-1252 (Excel's 'CSV' on Windows)")
    if "\x00" in text:
        raise error("not_a_programme", file=collector.filename)
    return text


# Ids


def digest(*parts: object) -> str:
    """Give a short stable hash of some values (10 hex digits: collisions are checked anyway)."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def make_id(prefix: str, raw: str) -> str:
    """Keep an external id that fits the native rule, else hash it: `ics-3fa2c19e0b`."""
    return raw if ID_PATTERN.fullmatch(raw) else f"{prefix}-{digest(raw)}"


@dataclass(frozen=True, slots=True)
class Draft:
    """An item before its id is settled: the keys that may name it, best first."""

    line: int
    keys: tuple[tuple[Hashable, ...] | None, ...]
    build: Callable[[str], Workshop]


def settle_ids(
    drafts: Sequence[Draft],
    naming: Callable[[int, tuple[Hashable, ...]], str],
    collector: Collector,
) -> list[Workshop]:
    """Give each item the first of its keys that no other item shares.

    `naming(level, key)` turns a key into an id. Items that share every key are the same event
    listed twice or more: they are numbered in file order, with a warning.
    """
    ids: dict[int, str] = {}
    pending = list(range(len(drafts)))
    for level in range(max((len(d.keys) for d in drafts), default=0)):
        groups: dict[tuple[Hashable, ...], list[int]] = defaultdict(list)
        carried: list[int] = []  # items without this key go on to the next level
        for index in pending:
            keys = drafts[index].keys
            key = keys[level] if level < len(keys) else None
            if key is None:
                carried.append(index)
            else:
                groups[key].append(index)
        pending = carried
        for key, members in groups.items():
            if len(members) == 1:
                ids[members[0]] = naming(level, key)
            else:
                pending.extend(members)
    repeats: dict[str, int] = defaultdict(int)
    for index in sorted(pending):
        keys = drafts[index].keys
        level = max(lv for lv, k in enumerate(keys) if k is not None)
        base = naming(level, keys[level] or ())
        repeats[base] += 1
        ids[index] = base if repeats[base] == 1 else f"{base[:36]}-{repeats[base]}"
        if repeats[base] > 1:
            collector.warn(drafts[index].line, f"the same item again: id {ids[index]}")
    taken: set[str] = set()
    out: list[Workshop] = []
    for index, draft in enumerate(drafts):
        item_id = ids[index]
        while item_id in taken:  # a hashed id meeting a kept one: astronomically rare
            item_id = f"x-{digest(item_id, index)}"
        taken.add(item_id)
        out.append(draft.build(item_id))
    return out
