"""What the bot sends on its own: slot announcements, the board, reminders, digests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from markupsafe import Markup

from bot.domain.booking import Seats, Target, TargetKind
from bot.domain.messages import Correction, Promoted
from bot.domain.models import Programme, Workshop
from bot.domain.schedule import Slot, local_day
from bot.reply import Reply
from bot.views.bookings import promoted
from bot.views.common import (
    MAX_TITLE,
    NL,
    PAGE_BUDGET,
    Renderer,
    html,
    latest_first,
    truncate,
)
from bot.views.items import booking_rows, fit, item_line


def announcement(r: Renderer, start: datetime, items: Sequence[Workshop], seats: Seats) -> Reply:
    """Announce a time slot to the group: every item that starts then, one message."""
    lines = [item_line(r, w, seats) for w in items]
    text = fit(r, r("announce.slot", time=r.time(start)), lines, "/now")
    return Reply(text, tuple(booking_rows(r, items, seats)))


def board(r: Renderer, now_on: Sequence[Workshop], following: Slot | None) -> Reply:
    """Write the live Now / Next board: what fits, what started last and ends soonest first."""
    half = PAGE_BUDGET // 2
    if now_on:
        lines = [
            item_line(r, w, None) + " " + r("agenda.until", time=r.time(w.end))
            for w in latest_first(now_on)
        ]
        now_part = fit(r, r("announce.board_now"), lines, "/now", half)
    else:
        now_part = r("announce.board_nothing_now")
    if following is not None:
        day = local_day(following.start, r.tz)
        when = Markup(r.time(following.start))
        if day != local_day(r.now, r.tz):
            when = html("{}, {}", r.date(day), when)
        lines = [item_line(r, w, None) for w in following.items]
        next_part = "\n" + fit(r, r("announce.board_next", when=when), lines, "/next", half)
    else:
        next_part = r("announce.board_end")
    return Reply(NL.join([r("announce.board_title"), now_part, next_part]))


def reminder(
    r: Renderer, title: str, start: datetime, end: datetime, room: str | None, *, rota: bool
) -> Reply:
    """Remind a person of what they signed up for, run, or tidy up."""
    minutes = max(0, round((start - r.now).total_seconds() / 60))
    where = html(", 📍 {}", room) if room else ""
    key = "announce.reminder_rota" if rota else "announce.reminder"
    return Reply(r(key, minutes=minutes, title=title, span=r.span(start, end), where=where))


def digest_line(
    r: Renderer, title: str, start: datetime, end: datetime, room: str | None, state: str
) -> Markup:
    """Give one line of a morning digest."""
    where = html(" · 📍 {}", room) if room else ""
    return r(f"announce.digest_{state}", span=r.span(start, end), title=title, where=where)


def digest(
    r: Renderer, name: str, day: date, lines: Sequence[Markup], highlights: Sequence[Workshop]
) -> Reply:
    """Write a person's morning digest."""
    head = r("announce.digest_hello", name=name, date=r.date(day))
    text = fit(r, head, list(lines) or [r("announce.digest_free")], "/mine", PAGE_BUDGET // 2)
    if highlights:
        shown = [
            html("• {} {}", r.span(w.start, w.end), truncate(w.title, MAX_TITLE))
            for w in highlights
        ]
        text += "\n\n" + fit(r, r("announce.digest_highlights"), shown, "/today", PAGE_BUDGET // 2)
    return Reply(text)


def correction(r: Renderer, params: Correction, programme: Programme) -> Reply:
    """Correct a reminder the programme has since made wrong."""
    item = next((w for w in programme.workshops if w.id == params.target_id), None)
    if params.cancelled or item is None:
        return Reply(r("announce.fix_cancelled", title=params.title or params.target_id))
    if params.was_start is None:
        raise ValueError("a correction of a moved item says when it was")
    was = params.was_start
    return Reply(
        r(
            "announce.fix_moved",
            title=item.title,
            when=r.when(item.start, item.end),
            room=item.room or "?",
            was_time=r.time(was),
            was_room=params.was_room or "?",
        )
    )


def promoted_row(r: Renderer, params: Promoted, programme: Programme) -> Reply:
    """Tell someone they moved from the waiting list into a place (from the outbox)."""
    if params.target_kind is TargetKind.WORKSHOP:
        w = next(x for x in programme.workshops if x.id == params.target_id)
        return promoted(r, Target.of_workshop(w))
    slot = next(x for x in programme.rota if x.id == params.target_id)
    return promoted(r, Target.of_rota(slot))
