"""What every view shares: the Renderer (one person's language, zone and now), HTML pieces, pages.

Views turn domain results into text and buttons; nothing here knows Telegram's wire format.
Text is HTML made by construction: `html()` and the Translator escape what they are given
unless it is Markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.domain.models import Workshop
from bot.domain.schedule import local_day
from bot.i18n import Translator
from bot.reply import Button

# Telegram allows 4096 characters; a page stays well below so that headers and markup fit
PAGE_BUDGET = 3500
MAX_LISTED_BUTTONS = 8
MAX_PAGE_BUTTONS = 20
"""Sign-up buttons on one page of a day's list: every item on the page has its own."""
FOUND_PER_PAGE = 10
"""Search results on a page, best first: a phone's screen or two, ten buttons (bench.questions,
issue 13: 31 results and 20 buttons a page, 3,000 characters, took the emulator and
python-telegram-bot 1.1-1.65 x a short answer's time)."""
MAX_TITLE = 200
MAX_ROOM = 80
MAX_NOTE = 300
NOOP = "noop"


class Renderer:
    """Say things in one person's language: messages, times, dates."""

    def __init__(self, t: Translator, lang: str, tz: ZoneInfo, now: datetime | None = None) -> None:
        self.t = t
        self.lang = lang
        self.tz = tz
        self.now = now or datetime.min.replace(tzinfo=tz)

    def __call__(self, key: str, /, **params: object) -> Markup:
        """Give a message in this renderer's language, as HTML (parameters escaped)."""
        return self.t(self.lang, key, **params)

    def plain(self, key: str, /, **params: object) -> str:
        """Give a message in this renderer's language, as plain text (a label, an alert)."""
        return self.t.plain(self.lang, key, **params)

    def time(self, when: datetime) -> str:
        """Give a 24-hour local time."""
        return _clock_time(when, self.tz)

    def date(self, day: date) -> Markup:
        """Give a day as people say it: 'mardi 25 août'."""
        return _date(self.t, self.lang, day)

    def span(self, start: datetime, end: datetime) -> Markup:
        """Give '10:00–12:00'."""
        return _span(self.t, self.lang, self.time(start), self.time(end))

    def when(self, start: datetime, end: datetime) -> Markup:
        """Give 'mardi 25 août, 10:00–12:00'."""
        return html("{}, {}", self.date(local_day(start, self.tz)), self.span(start, end))


# A long list says the same dates, times and spans many times over, for every reader: each is
# made once (a message costs ~20 µs to fill in, and a day of 3,000 items has 500 lines)


@lru_cache(maxsize=4096)
def _clock_time(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%H:%M")


@lru_cache(maxsize=1024)
def _date(t: Translator, lang: str, day: date) -> Markup:
    return t(
        lang,
        "common.date",
        weekday=t(lang, f"common.weekday_{day.weekday()}"),
        day=t(lang, "common.first_of_month") if day.day == 1 else day.day,
        month=t(lang, f"common.month_{day.month}"),
    )


@lru_cache(maxsize=4096)
def _span(t: Translator, lang: str, start: str, end: str) -> Markup:
    return t(lang, "agenda.span", start=start, end=end)


def html(template: str, /, *args: object) -> Markup:
    """Fill an HTML template the bot wrote: every argument but Markup is escaped."""
    return Markup(template).format(*args)


NL = Markup("\n")
PARAGRAPHS = Markup("\n\n")


def units(text: str) -> int:
    """Count characters as Telegram does: in UTF-16 code units (an emoji may take two)."""
    return len(text.encode("utf-16-le")) // 2


def latest_first(items: Sequence[Workshop]) -> list[Workshop]:
    """Order running items: what started last first, then what ends soonest."""
    return sorted(items, key=lambda w: (-w.start.timestamp(), w.end))


def escape_within(text: str, limit: int) -> Markup:
    """Escape text, cut so that the escaped result takes at most `limit` UTF-16 units."""
    cut = truncate(text, max(1, limit))
    while units(html("{}", cut)) > limit and len(cut) > 1:
        cut = truncate(cut, max(1, len(cut) - (units(html("{}", cut)) - limit) // 2 - 1))
    return html("{}", cut)


def _names(names: Sequence[str]) -> Markup:
    """List people's names, escaped, in their order."""
    return Markup(", ").join(truncate(n, 40) for n in names)


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of a long answer and the items it shows; `header` blocks start with a heading."""

    text: Markup
    items: tuple[Workshop, ...] = ()
    header: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """One message of a long answer, and the items it shows."""

    text: Markup
    items: tuple[Workshop, ...] = ()


def _split(block: Block) -> list[Block]:
    """Split a block at its lines (never inside a tag): a heading, then one line per item."""
    lines = block.text.split("\n")
    heading = [Block(lines[0])] if block.header else []
    body = lines[1:] if block.header else lines
    if len(body) == len(block.items):
        return heading + [
            Block(line, (item,)) for line, item in zip(body, block.items, strict=True)
        ]
    return heading + [Block(line) for line in body[:-1]] + [Block(body[-1], block.items)]


def paginate(
    head: Markup,
    blocks: Sequence[Block],
    budget: int = PAGE_BUDGET,
    *,
    buttons: int | None = None,
) -> list[Page]:
    """Split blocks into pages that each fit in one message, the head on every page.

    buttons: at most this many items that take sign-ups on a page, so that each of them can
    have its button there.
    """

    def weight(block: Block) -> int:
        return sum(1 for w in block.items if w.takes_signups) if buttons else 0

    pieces: list[Block] = []
    for block in blocks:
        too_big = units(head) + units(block.text) + 2 > budget
        too_many = buttons is not None and weight(block) > buttons
        pieces.extend(_split(block) if too_big or too_many else [block])
    filled = pack(pieces, lambda b: units(b.text), weight, units(head), budget, buttons)
    return [_page(head, page) for page in filled]


P = TypeVar("P")


def pack(
    pieces: Sequence[P],
    size: Callable[[P], int],
    weight: Callable[[P], int],
    top: int,
    budget: int,
    buttons: int | None,
) -> list[list[P]]:
    """Fill pages with pieces in order, a new page when the next would not fit.

    A page holds a head of `top` units, then each piece (`size` units) after a blank line, within
    `budget`; and at most `buttons` in weight (no bound when None). A piece alone on a page
    stays there whatever its size.
    """
    pages: list[list[P]] = []
    current: list[P] = []
    filled, count = top, 0
    for piece in pieces:
        full = buttons is not None and count + weight(piece) > buttons
        if current and (filled + size(piece) + 2 > budget or full):
            pages.append(current)
            current, filled, count = [], top, 0
        current.append(piece)
        filled += size(piece) + 2
        count += weight(piece)
    pages.append(current)
    return pages


def _page(head: Markup, blocks: Sequence[Block]) -> Page:
    return Page(
        PARAGRAPHS.join([head, *(b.text for b in blocks)]),
        tuple(item for b in blocks for item in b.items),
    )


def pager(pages: int, page: int, data: Callable[[int], str]) -> tuple[Button, ...]:
    """Give the row of buttons that moves between pages."""
    if pages <= 1:
        return ()
    row = []
    if page > 0:
        row.append(Button("◀️", data(page - 1)))
    row.append(Button(f"{page + 1}/{pages}", NOOP))
    if page < pages - 1:
        row.append(Button("▶️", data(page + 1)))
    return tuple(row)
