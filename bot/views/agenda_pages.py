"""Long lists of the programme (a day, a room's day, a search) cut into pages before they are made.

A day of 3,000 items has 500 lines and 12 pages, and one page is sent: only its lines are made,
and only its items' places need reading. Pages are cut from what each line takes at most (its
places at their longest, whoever reads them), so they stay the same when places are taken or
given back: a page pressed later shows the same items.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from bot.domain.booking import Seats, Status
from bot.domain.models import Workshop
from bot.i18n import Translator
from bot.views.common import MAX_PAGE_BUTTONS, PAGE_BUDGET, Page, Renderer, pack, units
from bot.views.items import places_said

WAITING_AT_MOST = 99_999
"""The longest waiting list a page leaves room for (a week has a few hundred people); a
longer one still fits, in the 596 units a page keeps spare below Telegram's 4,096."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a long answer, made when its page is: at most `size` UTF-16 units."""

    size: int
    make: Callable[[Seats], Markup]
    items: tuple[Workshop, ...] = ()


Block = tuple[Line, ...]
"""Lines that stay on one page if they can (a slot: its time, then its items)."""


class Layout:
    """A long answer cut into pages; a page's text is made when asked for."""

    def __init__(self, head: Markup, pages: Sequence[Sequence[Block]]) -> None:
        self._head = head
        self._pages = pages

    def __len__(self) -> int:
        return len(self._pages)

    def items(self, page: int) -> tuple[Workshop, ...]:
        """Give the items a page shows (to read their places before making it)."""
        return tuple(item for block in self._pages[page] for line in block for item in line.items)

    def page(self, page: int, seats: Seats) -> Page:
        """Make one page."""
        # Joined as str: every piece is Markup already (Markup's join escapes each again)
        blocks = ["\n".join([line.make(seats) for line in block]) for block in self._pages[page]]
        shown = [self._head, *blocks] if self._head else blocks  # no head: one text made whole
        return Page(Markup("\n\n".join(shown)), self.items(page))

    def pages(self, seats: Seats) -> list[Page]:
        """Make every page."""
        return [self.page(n, seats) for n in range(len(self))]


def lay_out(
    head: Markup,
    blocks: Sequence[Block],
    budget: int = PAGE_BUDGET,
    buttons: int = MAX_PAGE_BUTTONS,
    blocks_per_page: int | None = None,
) -> Layout:
    """Cut blocks into pages of at most `budget` units, the head on each (`pack`, as `paginate`).

    buttons: at most this many items that take sign-ups on a page (each has its button). A
    block too big for a page, or with too many such items, is cut at its lines.
    blocks_per_page: at most this many blocks on a page, instead of `buttons` (blocks of one
    item each, as search results).
    """

    def size(block: Block) -> int:
        return sum(line.size for line in block) + len(block) - 1

    def weight(block: Block) -> int:
        return sum(1 for line in block for w in line.items if w.takes_signups)

    top = units(head)
    pieces: list[Block] = []
    for block in blocks:
        if top + size(block) + 2 > budget or weight(block) > buttons:
            pieces.extend((line,) for line in block)
        else:
            pieces.append(block)
    if blocks_per_page is not None:  # blocks of one item each: at most as many buttons
        return Layout(head, pack(pieces, size, lambda _: 1, top, budget, blocks_per_page))
    return Layout(head, pack(pieces, size, weight, top, budget, buttons))


_KEPT = 32
_layouts: OrderedDict[tuple[object, ...], Layout] = OrderedDict()


def remembered(
    r: Renderer,
    head: Markup,
    items: Sequence[Workshop],
    cancelled: Collection[str],
    make: Callable[[], Layout],
) -> Layout:
    """Give the layout `make` gives, made once for the same items, head, reader and cancellations.

    A list is asked for again and again (today's programme, a page pressed): its layout is
    kept for the last _KEPT lists. Items are told apart by identity: a new programme has new
    items, and an item kept here cannot be freed, so its id is not given to another.
    The layout keeps the renderer of its first reader: only its language and zone are read.
    """
    key = (r.t, r.lang, r.tz, str(head), tuple(map(id, items)), frozenset(cancelled))
    found = _layouts.get(key)
    if found is None:
        found = _layouts[key] = make()
        while len(_layouts) > _KEPT:
            _layouts.popitem(last=False)
    else:
        _layouts.move_to_end(key)
    return found


def places_at_most(r: Renderer, item: Workshop, cancelled: Collection[str]) -> int:
    """Give the most UTF-16 units `items.places` can say of an item, whatever its sign-ups."""
    if item.id in cancelled:
        return units(r("cancelled.label"))
    return _at_most(r.t, r.lang, item.capacity) if item.capacity is not None else 0


@lru_cache(maxsize=1024)
def _at_most(t: Translator, lang: str, capacity: int) -> int:
    lefts = {n for n in (0, 1, 2, capacity - 1, capacity) if 0 <= n <= capacity}
    said = [
        places_said(t, lang, capacity, left, status, waiting, is_open)
        for left in lefts
        for waiting in ((0, 1, 2, WAITING_AT_MOST) if left == 0 else (0,))
        for status in (None, Status.IN, Status.WAITING)
        for is_open in (True, False)
    ]
    return max(units(text) for text in said)
