"""What every importer shares: errors, decoding, times, people, kinds, ids and the last checks.

A location is always a 1-based line number written as a string ("12"), or "" for the whole
file: the messages in bot/locales/*/import.toml say "Ligne 12" / "Line 12" themselves.

The parts live in `collect.py` (the collector, errors, decoding, ids), `times.py` and
`words.py` (text, people, kinds); importers take them from here.
"""

from __future__ import annotations

from .collect import (
    ID_PATTERN,
    TELEGRAM_PATTERN,
    Collector,
    Draft,
    decode,
    digest,
    error,
    make_id,
    settle_ids,
    sniff_binary,
)
from .times import (
    after,
    check_span,
    combine,
    localize,
    parse_duration,
    parse_iso_datetime,
    show,
    zone_named,
)
from .words import (
    clean_line,
    facilitator,
    guess_kind,
    html_to_text,
    kind_from_word,
    split_people,
    telegram_username,
    tidy_text,
    unescape,
    unique_people,
)

__all__ = [
    "ID_PATTERN",
    "TELEGRAM_PATTERN",
    "Collector",
    "Draft",
    "after",
    "check_span",
    "clean_line",
    "combine",
    "decode",
    "digest",
    "error",
    "facilitator",
    "guess_kind",
    "html_to_text",
    "kind_from_word",
    "localize",
    "make_id",
    "parse_duration",
    "parse_iso_datetime",
    "settle_ids",
    "show",
    "sniff_binary",
    "split_people",
    "telegram_username",
    "tidy_text",
    "unescape",
    "unique_people",
    "zone_named",
]
