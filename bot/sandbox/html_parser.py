"""Telegram's HTML subset, parsed into plain text and entities.

`parse_html` follows Telegram's parser (tdlib's parse_html): the same tags, the same
attribute rules and the same error messages with byte offsets, with one deliberate
difference: an `&` that does not start &lt; &gt; &amp; &quot; or a numeric reference is
refused here, where Telegram would keep it as a literal `&`. A bot that escapes its text
never notices; one that forgets to escape is caught before a `<` in someone's name breaks it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from bot.sandbox.entities import Entity, EntityParseError, FormattedText, UserLookup, utf16_len

_SPACES = frozenset(b" \t\r\n\0\v\f")
_NAME_TOKEN = frozenset((string.ascii_letters + string.digits + ".-").encode())
_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "code",
        "pre",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_INTEGER = re.compile(r"-?\d+")
_MARKUP = re.compile(rb"[&<]")


def _decode_reference(data: bytes, pos: int) -> tuple[int, int] | None:
    """Decode the character reference at data[pos] == '&' as tdlib does: (code point, end)."""
    n = len(data)
    end = pos + 1
    code = 0
    if end < n and data[end] == ord("#"):
        end += 1
        if end < n and data[end] == ord("x"):
            end += 1
            start = end
            while end < n and chr(data[end]) in string.hexdigits:
                end += 1
            code = int(data[start:end], 16) if end > start else 0
        else:
            start = end
            while end < n and chr(data[end]) in string.digits:
                end += 1
            code = int(data[start:end]) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
    else:
        while end < n and chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(data[pos + 1 : end])
        if named is None:
            return None
        code = ord(named)
    if end < n and data[end] == ord(";"):
        end += 1
    return code, end


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    byte_start: int
    extra: dict[str, str] = field(default_factory=dict)


def _at(data: bytes, i: int) -> int:
    return data[i] if i < len(data) else 0


def _normalize_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ftp"):
        host = parts.hostname or ""
        if "." not in host and host != "localhost":
            return None
        return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, parts.fragment))
    if scheme in ("tg", "ton"):
        return url
    return None


class _HtmlParser:
    def __init__(self, text: str, lookup_user: UserLookup | None) -> None:
        try:
            self.data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise EntityParseError("Strings must be encoded in UTF-8") from None
        self.lookup_user = lookup_user
        self.out = bytearray()
        self.utf16 = 0
        self.entities: list[Entity] = []
        self.stack: list[_Open] = []

    def parse(self) -> FormattedText:
        data = self.data
        i = 0
        while i < len(data):
            c = data[i]
            if c == ord("&"):
                i = self._reference(i)
            elif c != ord("<"):
                # A run of plain text up to the next '&' or '<' (ASCII: never inside a character)
                found = _MARKUP.search(data, i)
                end = found.start() if found else len(data)
                run = data[i:end]
                self.utf16 += utf16_len(run.decode("utf-8"))
                self.out += run
                i = end
            elif _at(data, i + 1) == ord("/"):
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText(self.out.decode("utf-8"), self.entities)

    def _reference(self, i: int) -> int:
        decoded = _decode_reference(self.data, i)
        if decoded is None:
            raise EntityParseError(
                f"Character '&' at byte offset {i} does not start an HTML entity; "
                "it must be escaped as &amp;"
            )
        code, end = decoded
        if 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        self.utf16 += 2 if code > 0xFFFF else 1
        self.out += chr(code).encode("utf-8")
        return end

    def _start_tag(self, begin: int) -> int:
        data = self.data
        i = begin + 1
        while not (_at(data, i) in _SPACES or _at(data, i) == ord(">")):
            i += 1
        if _at(data, i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
        if tag not in _TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        extra: dict[str, str] = {}
        while _at(data, i) != ord(">"):
            while _at(data, i) != 0 and _at(data, i) in _SPACES:
                i += 1
            if _at(data, i) == ord(">"):
                break
            if _at(data, i) == 0:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            name_start = i
            while not (_at(data, i) in _SPACES or _at(data, i) in b"=>"):
                i += 1
            name = data[name_start:i].decode("utf-8", "replace")
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            while _at(data, i) != 0 and _at(data, i) in _SPACES:
                i += 1
            if _at(data, i) == 0:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if _at(data, i) != ord("="):
                if tag == "blockquote" and name == "expandable":
                    extra["expandable"] = "1"
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin}'
                )
            i += 1
            while _at(data, i) != 0 and _at(data, i) in _SPACES:
                i += 1
            if _at(data, i) == 0:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self._attribute_value(i)
            if _at(data, i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif (tag, name) in (("tg-emoji", "emoji-id"), ("tg-time", "unix")):
                argument = value
            elif tag == "tg-time" and name == "format":
                extra["format"] = value
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        self.stack.append(_Open(tag, argument, self.utf16, len(self.out), extra))
        return i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        data = self.data
        quote = _at(data, i)
        if quote not in (ord("'"), ord('"')):
            start = i
            while _at(data, i) in _NAME_TOKEN:
                i += 1
            if not (_at(data, i) in _SPACES or _at(data, i) == ord(">")):
                raise EntityParseError(f"Unexpected end of name token at byte offset {start}")
            return data[start:i].decode("ascii").lower(), i
        i += 1
        value = bytearray()
        while _at(data, i) not in (quote, 0):
            if _at(data, i) == ord("&"):
                decoded = _decode_reference(data, i)
                if decoded is not None:  # inside attributes a bare & stays literal, as Telegram
                    code, i = decoded
                    value += chr(code).encode("utf-8", "surrogatepass")
                    continue
            value.append(data[i])
            i += 1
        if _at(data, i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _end_tag(self, begin: int) -> int:
        data = self.data
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while not (_at(data, i) in _SPACES or _at(data, i) == ord(">")):
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", "replace")
        while _at(data, i) != 0 and _at(data, i) in _SPACES:
            i += 1
        if _at(data, i) != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        opened = self.stack.pop()
        if end_name and end_name != opened.tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {begin}, "
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
        if self.utf16 > opened.offset:
            self._close(opened, self.utf16 - opened.offset)
        return i + 1

    def _close(self, opened: _Open, length: int) -> None:
        offset = opened.offset
        tag = opened.tag
        simple = _SIMPLE_TAGS.get(tag)
        if simple is not None:
            self.entities.append({"type": simple, "offset": offset, "length": length})
        elif tag == "a":
            self._close_link(opened, length)
        elif tag == "blockquote":
            kind = "expandable_blockquote" if "expandable" in opened.extra else "blockquote"
            self.entities.append({"type": kind, "offset": offset, "length": length})
        elif tag == "tg-emoji":
            if not opened.argument.isdigit() or int(opened.argument) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            self.entities.append(
                {
                    "type": "custom_emoji",
                    "offset": offset,
                    "length": length,
                    "custom_emoji_id": opened.argument,
                }
            )
        elif tag == "tg-time":
            if not _INTEGER.fullmatch(opened.argument):
                raise EntityParseError("Invalid Unix time specified")
            entity: Entity = {
                "type": "date_time",
                "offset": offset,
                "length": length,
                "unix_time": int(opened.argument),
            }
            if opened.extra.get("format"):
                entity["date_time_format"] = opened.extra["format"]
            self.entities.append(entity)
        else:
            self._close_code(opened, length)

    def _close_link(self, opened: _Open, length: int) -> None:
        url = opened.argument or self.out[opened.byte_start :].decode("utf-8")
        user = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
        if user is not None:
            found = self.lookup_user(int(user.group(1))) if self.lookup_user else None
            if found is not None:
                self.entities.append(
                    {
                        "type": "text_mention",
                        "offset": opened.offset,
                        "length": length,
                        "user": found,
                    }
                )
            return
        normalized = _normalize_url(url)
        if normalized is not None:
            self.entities.append(
                {"type": "text_link", "offset": opened.offset, "length": length, "url": normalized}
            )

    def _close_code(self, opened: _Open, length: int) -> None:
        offset = opened.offset
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == offset and last["length"] == length
        if opened.tag == "pre":
            if same_span and last is not None and last["type"] == "code" and last.get("language"):
                last["type"] = "pre"
                return
            self.entities.append({"type": "pre", "offset": offset, "length": length})
            return
        if same_span and last is not None and last["type"] == "pre" and opened.argument:
            last["language"] = opened.argument
            return
        entity: Entity = {"type": "code", "offset": offset, "length": length}
        if opened.argument:
            entity["language"] = opened.argument  # kept only if a <pre> closes around it
        self.entities.append(entity)

    def finish_codes(self) -> None:
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)


def parse_html(text: str, lookup_user: UserLookup | None = None) -> FormattedText:
    """Parse Telegram's HTML subset into plain text and entities, or raise EntityParseError."""
    parser = _HtmlParser(text, lookup_user)
    result = parser.parse()
    parser.finish_codes()
    return result
