"""Text as Telegram counts it: entities, UTF-16 lengths, trimming, and what it detects itself."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_ASCII_WORD = frozenset(string.ascii_letters + string.digits + "_")
_TRIMMED = " \t\r\n"

Entity = dict[str, Any]
UserLookup = Callable[[int], dict[str, Any] | None]


class EntityParseError(ValueError):
    """Text that Telegram refuses with "can't parse entities: <reason>"."""


@dataclass(frozen=True)
class FormattedText:
    """Text after parsing, with its entities (offsets and lengths in UTF-16 code units)."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit of Telegram's lengths and offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def trim(formatted: FormattedText) -> FormattedText:
    """Strip leading and trailing blanks as Telegram does, moving the entities with the text."""
    text = formatted.text
    stripped = text.strip(_TRIMMED)
    if stripped == text:
        return formatted
    shift = utf16_len(text[: len(text) - len(text.lstrip(_TRIMMED))])
    size = utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _ascii_word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] in _ASCII_WORD:
        end += 1
    return end


def _bot_commands(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    i = text.find("/")
    while i != -1:
        if i > 0 and (_is_word(text[i - 1]) or text[i - 1] in "/<>"):
            i = text.find("/", i + 1)
            continue
        end = _ascii_word_end(text, i + 1)
        after = end
        if not 1 <= end - i - 1 <= 64:
            i = text.find("/", after)
            continue
        if end < len(text) and text[end] == "@":
            after = _ascii_word_end(text, end + 1)
            if not 3 <= after - end - 1 <= 32:
                i = text.find("/", after)
                continue
            end = after
        following = text[after] if after < len(text) else ""
        if not (following and (_is_word(following) or following in "/<>")):
            found.append((i, end))
        i = text.find("/", after)
    return found


def _mentions(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    i = text.find("@")
    while i != -1:
        if i > 0 and _is_word(text[i - 1]):
            i = text.find("@", i + 1)
            continue
        end = _ascii_word_end(text, i + 1)
        following = text[end] if end < len(text) else ""
        if 2 <= end - i - 1 <= 32 and not (following and _is_word(following)):
            found.append((i, end))
        i = text.find("@", max(end, i + 1))
    return found


def detect_entities(text: str) -> list[Entity]:
    """Find the bot_command and mention entities Telegram adds to a user's text."""
    spans = [("bot_command", span) for span in _bot_commands(text)]
    spans += [("mention", span) for span in _mentions(text)]
    entities: list[Entity] = [
        {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        for kind, (start, end) in spans
    ]
    entities.sort(key=lambda e: e["offset"])
    return entities
