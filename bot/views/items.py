"""Pieces every programme view uses: an item's line, its places, its booking buttons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup

from bot.domain.booking import Seats, Status, ref
from bot.domain.models import Kind, Workshop
from bot.domain.schedule import Slot, local_day
from bot.domain.text import fold
from bot.i18n import Count, Translator
from bot.reply import Button
from bot.views.buttons import BookingOp, BookingPress, DetailsPress, KidsPress
from bot.views.common import (
    MAX_LISTED_BUTTONS,
    MAX_ROOM,
    MAX_TITLE,
    NL,
    PAGE_BUDGET,
    Renderer,
    html,
    truncate,
    units,
)
from bot.views.favourites import star_button


def places(r: Renderer, item: Workshop, seats: Seats) -> Markup:
    """Say how many places are left, if the item takes sign-ups (or that it is cancelled)."""
    if seats.is_cancelled(item):
        return r("cancelled.label")
    left = seats.left(item)
    if item.capacity is None or left is None:
        return Markup()
    status = seats.status(item)
    waiting = seats.waiting(item) if left <= 0 and status is not Status.IN else 0
    return places_said(r.t, r.lang, item.capacity, left, status, waiting, seats.is_open(item))


@lru_cache(maxsize=4096)
def places_said(
    t: Translator,
    lang: str,
    capacity: int,
    left: int,
    status: Status | None,
    waiting: int,
    is_open: bool,
) -> Markup:
    """Say the places of an item in this state (the same words for many items: made once)."""
    if status is Status.IN:
        return t(lang, "bookings.you_are_in")
    if left <= 0:
        if waiting:
            text = t(lang, "agenda.full_waiting", waiting=Count(waiting))
        else:
            text = t(lang, "agenda.full")
    else:
        text = t(lang, "agenda.places_left", left=Count(left), capacity=Count(capacity))
    if status is not Status.WAITING and not is_open:
        # No sign-up button will show: say why, next to the places
        return t(lang, "agenda.places_closed", places=text)
    return text


def booking_button(
    r: Renderer, item: Workshop, seats: Seats, *, titled: bool, tag: str = ""
) -> Button | None:
    """Offer the one booking move that fits: sign up, join the waiting list, or cancel.

    tag: what tells the item apart from others of the same title on the message (its day).
    """
    if item.capacity is None or seats.is_cancelled(item):
        return None
    status = seats.status(item)
    code = ref(item.id)
    if item.kind is Kind.KIDS and status is None:
        # The kids' club: signed up for a child, chosen in a private message (issue 14, part 5)
        if not seats.is_open(item):
            return None
        label = r.plain("children.button_for_whom")
        return Button(
            f"{label} · {truncate(item.title, 28)}" if titled else label,
            KidsPress("who", code).pack(),
        )
    if status is Status.IN:
        key, data = "bookings.button_cancel", BookingPress(BookingOp.CANCEL, code).pack()
    elif status is Status.WAITING:
        key, data = "bookings.button_leave", BookingPress(BookingOp.CANCEL, code).pack()
    elif not seats.is_open(item):
        return None
    elif (seats.left(item) or 0) > 0:
        key, data = "bookings.button_sign_up", BookingPress(BookingOp.SIGN_UP, code).pack()
    else:
        key, data = "bookings.button_wait", BookingPress(BookingOp.SIGN_UP, code).pack()
    label = r.plain(key, position=seats.position(item) or seats.waiting(item) + 1)
    if not titled:
        return Button(label, data)
    return Button(" · ".join(x for x in (label, truncate(item.title, 28), tag) if x), data)


def booking_rows(
    r: Renderer, items: Sequence[Workshop], seats: Seats, limit: int | None = MAX_LISTED_BUTTONS
) -> list[tuple[Button, ...]]:
    """Give one row per item that takes sign-ups (`limit` at most): its booking button, and
    the favourites star beside it."""
    tags = apart(r, items)
    rows: list[tuple[Button, ...]] = []
    for w in items:
        booking = booking_button(r, w, seats, titled=True, tag=tags.get(w.id, ""))
        if booking is None:
            continue
        star = star_button(r, w, seats.starred(w), short=True)  # favourites, beside it
        rows.append((booking,) if star is None else (booking, star))
    return rows[:limit]


def apart(r: Renderer, items: Sequence[Workshop]) -> dict[str, str]:
    """Tell apart the items of a message that share a title: by their day, else by their time.

    Gives, by item id, the short day ("mar.", "Tue"), the time, or both, for those items only.
    """
    by_title: dict[str, list[Workshop]] = {}
    for w in items:
        by_title.setdefault(_folded(w.title), []).append(w)
    tags: dict[str, str] = {}
    for same in by_title.values():
        if len({w.id for w in same}) < 2:
            continue
        days = [local_day(w.start, r.tz) for w in same]
        on_day = Counter(days)  # once, not item by item: a search page had 31 alike
        for w, day in zip(same, days, strict=True):
            short = r.plain(f"screens.weekday_{day.weekday()}")
            if len(on_day) == 1:
                tags[w.id] = r.time(w.start)
            elif on_day[day] == 1:
                tags[w.id] = short
            else:
                tags[w.id] = f"{short} {r.time(w.start)}"
    return tags


@lru_cache(maxsize=8192)
def _folded(title: str) -> str:
    """Fold a title, once: a /today page of 39 items folded them letter by letter for every
    answer, 0.22 ms (timed alone; cProfile found it on 1,000 items, bench/README.md, sixth
    session)."""
    return fold(title)


def item_line(
    r: Renderer, item: Workshop, seats: Seats | None, *, with_time: bool = False
) -> Markup:
    """Give one line for an item: title, room, places."""
    named = _named(item.title, item.room, item.kind is Kind.MEAL)
    left = places(r, item, seats) if seats is not None else Markup()
    span = (r.span(item.start, item.end), " ") if with_time else ()
    # Joined as str (every piece is Markup already): Markup's own + and join escape each piece
    return Markup("".join(("• ", *span, named, *((" · ", left) if left else ()))))


@lru_cache(maxsize=8192)
def _named(title: str, room: str | None, meal: bool) -> Markup:
    """Give an item's title (bold, but for a meal) and room as its line shows them.

    The same for every reader: made once per item (a day of 3,000 items has 500 lines).
    """
    named = html("{}" if meal else "<b>{}</b>", truncate(title, MAX_TITLE))
    if room:
        named += html(" · 📍 {}", truncate(room, MAX_ROOM))
    return named


def slot_block(r: Renderer, slot: Slot, seats: Seats) -> Markup:
    """Give a time heading and the items that start then."""
    lines = [html("<b>{}</b>", r.time(slot.start))]
    lines += [item_line(r, item, seats) for item in slot.items]
    return Markup("\n".join(lines))  # every line is Markup


def fit(
    r: Renderer, head: Markup, lines: Sequence[Markup], command: str, budget: int = PAGE_BUDGET
) -> Markup:
    """Join `head` and the `lines` that fit in `budget`, then "and N more: <command>".

    Sizes are counted on the HTML, which is never shorter than what Telegram counts.
    """
    size = units(head)
    sizes = [units(line) + 1 for line in lines]
    if size + sum(sizes) <= budget:  # all of them: no "and N more" to size, line by line
        return NL.join([head, *lines]) if head else NL.join(lines)
    kept: list[Markup] = []
    for shown, line in enumerate(lines):
        left = len(lines) - shown - 1
        more = units(r("agenda.more", count=Count(left), command=command)) + 1 if left else 0
        if size + sizes[shown] + more > budget:
            kept.append(r("agenda.more", count=Count(len(lines) - shown), command=command))
            break
        kept.append(line)
        size += sizes[shown]
    return NL.join([head, *kept]) if head else NL.join(kept)


def item_buttons(
    r: Renderer, items: Sequence[Workshop], seats: Seats
) -> tuple[tuple[Button, ...], ...]:
    """Offer, for each item shown, its details and its booking move."""
    rows = []
    shown = [w for w in items if w.kind is not Kind.MEAL][:MAX_LISTED_BUTTONS]
    tags = apart(r, shown)
    for item in shown:
        label = " · ".join(x for x in ("ℹ️ " + truncate(item.title, 32), tags.get(item.id)) if x)
        row = [Button(label, DetailsPress(ref(item.id)).pack())]
        booking = booking_button(r, item, seats, titled=False)
        if booking is not None:
            row.append(booking)
        star = star_button(r, item, seats.starred(item), short=True)  # favourites
        if star is not None and not seats.is_cancelled(item):
            row.append(star)
        rows.append(tuple(row))
    return tuple(rows)


def titled(buttons_in_row: int) -> bool:
    """Tell whether a booking button names its item, from the row it is in.

    Alone in its row (booking_rows, /mine) it does; next to the item's details button
    (item_buttons) it does not. The "remind me" star beside it is not counted.
    """
    return buttons_in_row == 1
