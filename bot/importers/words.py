"""Words as programmes write them: text and HTML, people and their handles, kinds of item."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from bot.domain.models import Facilitator, Kind
from bot.domain.text import fold

from .collect import TELEGRAM_PATTERN

# Text


class _TextExtractor(HTMLParser):
    """Collect the text of HTML: blocks and <br> as line breaks, <li> as bullets, links kept."""

    _BLOCKS = frozenset(("p", "div", "ul", "ol", "table", "tr", "blockquote", "pre", "hr"))
    _BLOCKS |= {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}

    def __init__(self, collapse: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.collapse = collapse
        self.parts: list[str] = []
        self._hidden = 0
        self._link: tuple[str, int] | None = None  # href, and where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and (href := dict(attrs).get("href")):
            self._link = (href, len(self.parts))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self._link is not None:
            href, start = self._link
            self._link = None
            label = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://")) and href.rstrip("/") != label.rstrip("/"):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(re.sub(r"\s+", " ", data) if self.collapse else data)


_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|ul|ol|li|a|b|i|u|em|strong|code|pre|h[1-6]|blockquote|table|tr|td)\b[^<>]*>",
    re.IGNORECASE,
)
_PARAGRAPH_TAG = re.compile(r"<(?:p|br|div)\b", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


def tidy_text(text: str) -> str:
    """Normalise line ends and blank lines, strip the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(text: str) -> str:
    """Turn HTML (or text with a few tags) into plain text; leave other text as it is."""
    if not _HTML_TAG.search(text):
        return tidy_text(unescape(text))
    # with <p>/<br> the layout is in the tags and newlines are spaces; otherwise keep newlines
    parser = _TextExtractor(collapse=bool(_PARAGRAPH_TAG.search(text)))
    parser.feed(text)
    parser.close()
    lines = (line.strip(" \t") for line in "".join(parser.parts).split("\n"))
    return tidy_text("\n".join(lines))


def unescape(text: str) -> str:
    """Decode HTML entities (`&amp;`, `&#39;`) left in text by double-escaping exports."""
    return html.unescape(text) if _ENTITY.search(text) else text


def clean_line(text: str) -> str:
    """Collapse whitespace in a one-line value (title, room, name)."""
    return " ".join(text.split())


# People

_PEOPLE_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\bet\b|\band\b|\n)\s*", re.IGNORECASE)
_HANDLE = re.compile(r"\(?(?<![\w.])@([A-Za-z0-9_]{4,32})\)?")


def split_people(text: str) -> list[str]:
    """Split `Camille, Yann et Zoé` (also `;`, `/`, `&`, `and`) into names."""
    return [name for part in _PEOPLE_SEPARATORS.split(text) if (name := clean_line(part))]


def facilitator(text: str) -> Facilitator:
    """Read `Camille Martin (@camille_m)` or `Camille Martin` into a facilitator."""
    handle = _HANDLE.search(text)
    if handle is None:
        return Facilitator(clean_line(text))
    name = clean_line(text[: handle.start()] + text[handle.end() :])
    return Facilitator(name or handle.group(1), handle.group(1))


def telegram_username(text: str) -> str | None:
    """Give a Telegram username without its @ (None when blank); raise ValueError if invalid."""
    value = text.strip().removeprefix("https://t.me/").removeprefix("t.me/").lstrip("@")
    if not value:
        return None
    if not TELEGRAM_PATTERN.fullmatch(value):
        raise ValueError(value)
    return value


def unique_people(people: Iterable[Facilitator]) -> tuple[Facilitator, ...]:
    """Drop repeated names, keeping the first mention."""
    seen: set[str] = set()
    out: list[Facilitator] = []
    for person in people:
        key = fold(person.name)
        if person.name and key not in seen:
            seen.add(key)
            out.append(person)
    return tuple(out)


# Kinds

_KIND_WORDS: dict[str, Kind] = {
    **dict.fromkeys(("workshop", "workshops", "atelier", "ateliers", "tutorial"), Kind.WORKSHOP),
    **dict.fromkeys(
        ("plenary", "pleniere", "plenieres", "pleniere generale", "assemblee", "keynote"),
        Kind.PLENARY,
    ),
    **dict.fromkeys(
        (
            "meal",
            "meals",
            "repas",
            "dejeuner",
            "diner",
            "petit dejeuner",
            "petit-dejeuner",
            "lunch",
            "dinner",
            "breakfast",
            "gouter",
        ),
        Kind.MEAL,
    ),
    **dict.fromkeys(("evening", "soiree", "soirees", "veillee", "party", "fete"), Kind.EVENING),
    **dict.fromkeys(
        (
            "kids",
            "kid",
            "enfants",
            "enfant",
            "club enfants",
            "kids club",
            "kids' club",
            "children",
            "jeunesse",
        ),
        Kind.KIDS,
    ),
    **dict.fromkeys(("other", "autre", "autres", "divers"), Kind.OTHER),
}


def kind_from_word(text: str) -> Kind | None:
    """Read a kind written by a person, in French or English (`atelier`, `plenary`...)."""
    return _KIND_WORDS.get(" ".join(fold(text).replace("’", "'").split()))


_TYPE_HINTS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"workshop|atelier|hands-on|werkstatt|laboratorio"), Kind.WORKSHOP),
    (re.compile(r"plenar|pleniere|keynote|ceremon|opening|closing"), Kind.PLENARY),
    (re.compile(r"\b(meal|lunch|dinner|breakfast|repas|dejeuner|diner)\b"), Kind.MEAL),
    (re.compile(r"\b(party|concert|soiree|evening)\b"), Kind.EVENING),
    (re.compile(r"kids|children|enfants|kinder|bambini"), Kind.KIDS),
)
_PLENARY_TITLE = re.compile(r"(opening|closing|keynote|ouverture|cloture|ceremon\w*)\b")
_MEAL_TITLE = re.compile(r"(lunch|dinner|breakfast|repas|dejeuner|diner|pranzo|cena)\b")
_KIDS_PLACE = re.compile(r"kids|enfants|kinder|bambini")


def guess_kind(type_text: str, title: str = "", room: str = "") -> Kind:
    """Guess a kind from a conference's free-text type, then from an obvious title or room.

    Titles count only when short ("Closing ceremony", "Lunch"): "Closing the gap in X" stays other.
    """
    kind_text = fold(type_text)
    for pattern, kind in _TYPE_HINTS:
        if pattern.search(kind_text):
            return kind
    folded_title = fold(title)
    if len(folded_title.split()) <= 3:
        if _PLENARY_TITLE.match(folded_title):
            return Kind.PLENARY
        if _MEAL_TITLE.match(folded_title):
            return Kind.MEAL
    if _KIDS_PLACE.search(fold(room)) or _KIDS_PLACE.search(folded_title):
        return Kind.KIDS
    return Kind.OTHER
