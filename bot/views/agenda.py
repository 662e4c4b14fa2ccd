"""The programme as people ask for it: /next, /now, a day, a room, a search, one item."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from functools import lru_cache

from markupsafe import Markup

from bot.domain.agenda import DayAnswer, FindAnswer, NextAnswer, NowAnswer, OnDayAnswer, RoomCard
from bot.domain.booking import Seats
from bot.domain.models import Workshop
from bot.domain.proposals import TAG as PROPOSED_TAG
from bot.domain.schedule import Part, Phase, Slot, by_start, local_day
from bot.reply import Reply
from bot.views.agenda_pages import Layout, Line, lay_out, places_at_most, remembered
from bot.views.common import (
    FOUND_PER_PAGE,
    MAX_NOTE,
    MAX_ROOM,
    MAX_TITLE,
    NL,
    PAGE_BUDGET,
    PARAGRAPHS,
    Page,
    Renderer,
    escape_within,
    html,
    latest_first,
    truncate,
    units,
)
from bot.views.favourites import star_button
from bot.views.items import booking_button, fit, item_buttons, item_line, places


def before_week(r: Renderer, slot: Slot | None, seats: Seats) -> Markup:
    """Say when the week starts and what opens it."""
    if slot is None:
        return r("agenda.no_programme")
    day = local_day(slot.start, r.tz)
    head = r("agenda.before_week", date=r.date(day), time=r.time(slot.start))
    lines = [item_line(r, item, seats) for item in slot.items]
    first = html("<b>{}</b>", r.time(slot.start))
    return html("{}\n\n{}", head, fit(r, first, lines, "/today"))


def next_answer(r: Renderer, answer: NextAnswer, seats: Seats) -> Reply:
    """Render /next."""
    if answer.phase is Phase.EMPTY:
        return Reply(r("agenda.no_programme"))
    if answer.phase is Phase.AFTER:
        return Reply(r("agenda.after_week"))
    if answer.phase is Phase.BEFORE:
        items = answer.slot.items if answer.slot else ()
        return Reply(before_week(r, answer.slot, seats), item_buttons(r, items, seats))
    parts: list[Markup] = []
    if answer.mine_now:
        mine = [
            item_line(r, w, seats) + " " + r("agenda.until", time=r.time(w.end))
            for w in answer.mine_now
        ]
        parts.append(fit(r, r("agenda.mine_now"), mine, "/mine", PAGE_BUDGET // 2))
    if answer.slot is None:
        parts.append(r("agenda.nothing_more_week"))
    else:
        lines = [item_line(r, w, seats) for w in answer.slot.items]
        if answer.later_day:
            day = local_day(answer.slot.start, r.tz)
            start = r.time(answer.slot.start)
            head = r("agenda.nothing_more_today", date=r.date(day), time=start)
            command = "/tomorrow"
        else:
            head = r("agenda.next_at", time=r.time(answer.slot.start))
            command = "/today"
        budget = PAGE_BUDGET - sum(units(p) + 2 for p in parts)
        parts.append(fit(r, head, lines, command, budget))
    shown = list(answer.mine_now) + list(answer.slot.items if answer.slot else ())
    return Reply(PARAGRAPHS.join(parts), item_buttons(r, shown, seats))


def now_answer(r: Renderer, answer: NowAnswer, seats: Seats) -> Reply:
    """Render /now."""
    if answer.phase is Phase.EMPTY:
        return Reply(r("agenda.no_programme"))
    if answer.phase is Phase.AFTER:
        return Reply(r("agenda.after_week"))
    if answer.phase is Phase.BEFORE:
        return Reply(before_week(r, answer.slot, seats))
    if not answer.running:
        text = r("agenda.nothing_now")
        if answer.slot is not None:
            head = r("agenda.next_at", time=r.time(answer.slot.start))
            lines = [item_line(r, w, seats) for w in answer.slot.items]
            text += "\n\n" + fit(r, head, lines, "/next")
        return Reply(text, item_buttons(r, answer.slot.items if answer.slot else (), seats))
    running = latest_first(answer.running)
    lines = [item_line(r, w, seats) + " " + r("agenda.until", time=r.time(w.end)) for w in running]
    return Reply(fit(r, r("agenda.now_on"), lines, "/today"), item_buttons(r, running, seats))


def day_pages(r: Renderer, answer: DayAnswer, seats: Seats, title: str) -> list[Page]:
    """Render a day's programme as one or more pages of text."""
    return day_layout(r, answer, title, seats.cancelled).pages(seats)


def day_layout(r: Renderer, answer: DayAnswer, title: str, cancelled: Collection[str]) -> Layout:
    """Cut a day's programme into pages, to make one of them (`cancelled`: the ids cancelled)."""
    head = html("📅 <b>{}</b>", title)
    if not answer.items:
        if answer.phase is Phase.AFTER:
            return Layout(html("{}\n\n{}", head, r("agenda.after_week")), [[]])
        text = html("{}\n\n{}", head, r("agenda.nothing_that_day"))
        following = answer.next_day_first
        if answer.next_day is None or following is None:
            return Layout(text, [[]])
        text += "\n\n" + r(
            "agenda.next_day_starts",
            date=r.date(answer.next_day),
            time=r.time(following.start),
        )

        def day_after(seats: Seats) -> Markup:
            return text + "\n" + NL.join(item_line(r, w, seats) for w in following.items)

        return Layout(Markup(), [[(Line(0, day_after),)]])

    def make() -> Layout:
        blocks = []
        for slot in by_start(answer.items):
            heading = html("<b>{}</b>", r.time(slot.start))
            lines = [Line(units(heading), _said(heading))]
            for w in slot.items:
                size = units(item_line(r, w, None))  # its places not said
                most = places_at_most(r, w, cancelled)
                lines.append(Line(size + 3 + most if most else size, _item_line(r, w), (w,)))
            blocks.append(tuple(lines))
        return lay_out(head, blocks)

    return remembered(r, head, answer.items, cancelled, make)


def _said(text: Markup) -> Callable[[Seats], Markup]:
    return lambda _: text


def _item_line(r: Renderer, w: Workshop) -> Callable[[Seats], Markup]:
    return lambda seats: item_line(r, w, seats)


def room_card(r: Renderer, card: RoomCard, seats: Seats) -> Reply:
    """Say where a room is, and what is on there now and next."""
    name = truncate(card.room.name, MAX_ROOM)
    if card.room.description:
        note = truncate(card.room.description, MAX_NOTE)
        parts = [r("agenda.room_where", room=name, description=note)]
    else:
        parts = [r("agenda.room_where_plain", room=name)]
    half = PAGE_BUDGET // 2
    if card.running:
        lines = [
            item_line(r, w, seats) + " " + r("agenda.until", time=r.time(w.end))
            for w in latest_first(card.running)
        ]
        parts.append(fit(r, r("agenda.now_on"), lines, "/now", half))
    if card.following is not None:
        day = local_day(card.following.start, r.tz)
        when = Markup(r.time(card.following.start))
        if day != local_day(r.now, r.tz):
            when = html("{}, {}", r.date(day), when)
        lines = [item_line(r, w, seats) for w in card.following.items]
        parts.append(fit(r, r("agenda.room_next", when=when), lines, "/today", half))
    elif not card.running:
        parts.append(r("agenda.room_nothing_more"))
    shown = [*card.running, *(card.following.items if card.following else ())]
    return Reply(PARAGRAPHS.join(parts), item_buttons(r, shown, seats))


def part_title(r: Renderer, title: str, part: Part | None) -> Markup:
    """Add the part of the day to a title: 'Aujourd'hui, mardi 25 août (le soir)'."""
    if part is None:
        return html("{}", title)
    return r("agenda.title_part", title=title, part=r(f"agenda.part_{part}"))


def not_on_day(r: Renderer, answer: OnDayAnswer) -> Markup:
    """Say that what was asked about is not on the day asked, before saying when it is."""
    when = r("agenda.on_date", date=r.date(answer.day)) if answer.day else Markup()
    if answer.part is not None:
        when = html("{} {}", when, r(f"agenda.part_{answer.part}")).strip()
    return r("agenda.not_on_day", query=answer.found.query, when=when)


def find_answer(r: Renderer, answer: FindAnswer, seats: Seats) -> list[Page]:
    """Render search results as pages: each item with its day, time and room."""
    return found_layout(r, answer, seats.cancelled).pages(seats)


def found_layout(r: Renderer, answer: FindAnswer, cancelled: Collection[str]) -> Layout:
    """Cut search results into pages, to make one of them (`cancelled`: the ids cancelled)."""
    if not answer.items:
        return Layout(r("agenda.not_found", query=answer.query), [[]])
    head = r("agenda.found", n=len(answer.items), query=answer.query)

    def make() -> Layout:
        blocks = []
        for w in answer.items:
            size = units(_found_line(r, w, None))
            most = places_at_most(r, w, cancelled)
            blocks.append((Line(size + 3 + most if most else size, _found(r, w), (w,)),))
        return lay_out(head, blocks, blocks_per_page=FOUND_PER_PAGE)

    return remembered(r, head, answer.items, cancelled, make)


def _found(r: Renderer, w: Workshop) -> Callable[[Seats], Markup]:
    return lambda seats: _found_line(r, w, seats)


def _found_line(r: Renderer, w: Workshop, seats: Seats | None) -> Markup:
    """Give a search result's line: title, day and time, room, places (not without `seats`)."""
    title, room = _named(w.title, w.room)
    day, left = r.date(local_day(w.start, r.tz)), places(r, w, seats) if seats else Markup()
    # Joined as str (every piece is Markup already): Markup's own + escapes each piece
    line = [title, day, ", ", r.span(w.start, w.end), room, *((" · ", left) if left else ())]
    return Markup("".join(line))


@lru_cache(maxsize=8192)
def _named(title: str, room: str | None) -> tuple[Markup, Markup]:
    """Give what a search result's line says before and after its day and time.

    The same for every reader: made once per item.
    """
    before = html("• <b>{}</b>\n  ", truncate(title, MAX_TITLE))
    return before, html(" · 📍 {}", truncate(room, MAX_ROOM)) if room else Markup()


def workshop(r: Renderer, w: Workshop, seats: Seats, room_note: str = "") -> Reply:
    """Render one item's details."""
    day = r.date(local_day(w.start, r.tz))
    span = r("agenda.span", start=r.time(w.start), end=r.time(w.end))
    lines = [html("<b>{}</b>", truncate(w.title, 500)), html("🕙 {}, {}", day, span)]
    if seats.is_cancelled(w):
        lines.insert(1, r("cancelled.item"))
    if w.room:
        room = html("{}", truncate(w.room, MAX_ROOM))
        if room_note:
            room += html(" ({})", truncate(room_note, MAX_NOTE))
        lines.append(html("📍 {}", room))
    else:
        lines.append(r("agenda.no_room_given"))
    if w.facilitators:
        names = truncate(", ".join(f.name for f in w.facilitators), MAX_NOTE)
        lines.append(r("agenda.facilitated_by", names=names))
    if PROPOSED_TAG in w.tags:  # Issue 14, part 1: proposed in chat
        lines.append(r("proposals.proposed_mark"))
    if w.capacity is not None and not seats.is_cancelled(w):
        lines.append("🎟 " + places(r, w, seats))
    if w.language and w.language != r.lang:
        named = f"common.language_{w.language.lower()}"
        language = r(named) if r.t.has(named) else w.language
        lines.append(r("agenda.language", language=language))
    if w.description:
        room_left = PAGE_BUDGET - units(NL.join(lines)) - 2
        lines.append(Markup())
        lines.append(escape_within(w.description, room_left))
    button = booking_button(r, w, seats, titled=False)
    # favourites: on every item, but a cancelled one (nothing left to be reminded of)
    star = None if seats.is_cancelled(w) else star_button(r, w, seats.starred(w), short=False)
    return Reply(NL.join(lines), tuple((b,) for b in (button, star) if b is not None))


def day_title(r: Renderer, day: date, today: date) -> Markup:
    """Title a day's programme: 'Aujourd'hui, mardi 25 août', or 'Mercredi 26 août'."""
    if day == today:
        return r("agenda.today_title", date=r.date(day))
    text = r.date(day)
    return text[:1].upper() + text[1:]


def room_title(r: Renderer, room: str, day: date | None, part: Part | None) -> Markup:
    """Title a room's programme, on a day (and part of it) when one was asked for."""
    if day is not None:
        title = r("agenda.room_day_title", room=room, date=r.date(day))
    else:
        title = r("agenda.room_title", room=room)
    return part_title(r, title, part)


def where_or_when(r: Renderer, shown: Sequence[Workshop], seats: Seats, *, where: bool) -> Reply:
    """Say where (or when) each of a few items is, with their buttons."""
    lines = []
    for w in shown:
        day = r.date(local_day(w.start, r.tz))
        title = truncate(w.title, 200)
        if seats.is_cancelled(w):
            lines.append(r("cancelled.where", title=title, date=day, time=r.time(w.start)))
        elif where and w.room:
            lines.append(
                r("agenda.where_is", title=title, room=w.room, date=day, time=r.time(w.start))
            )
        elif where:
            lines.append(r("agenda.where_unknown", title=title, date=day, time=r.time(w.start)))
        else:
            span = r("agenda.span", start=r.time(w.start), end=r.time(w.end))
            room = html(" · 📍 {}", w.room) if w.room else ""
            lines.append(r("agenda.when_is", title=title, date=day, span=span, room=room))
    return Reply(NL.join(lines), item_buttons(r, shown, seats))
