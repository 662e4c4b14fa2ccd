"""Message text as Telegram sees it: the HTML subset, entities, UTF-16 lengths.

The parser lives in `html_parser.py`, the entities and lengths in `entities.py`; this module
gathers what the emulator and the tests use.
"""

from __future__ import annotations

from bot.sandbox.entities import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    Entity,
    EntityParseError,
    FormattedText,
    UserLookup,
    detect_entities,
    trim,
    utf16_len,
)
from bot.sandbox.html_parser import parse_html

__all__ = [
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "Entity",
    "EntityParseError",
    "FormattedText",
    "UserLookup",
    "detect_entities",
    "parse_html",
    "trim",
    "utf16_len",
]
