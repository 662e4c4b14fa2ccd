"""Sign-ups: what a press did, a clash to settle, who comes, a person's week (/mine)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from bot.domain.booking import AgendaEntry, Move, Target, TargetKind
from bot.domain.models import Participant, Workshop
from bot.domain.schedule import local_day
from bot.i18n import Count
from bot.reply import Button, Reply
from bot.views.buttons import BookingOp, BookingPress, KeepPress
from bot.views.common import (
    MAX_LISTED_BUTTONS,
    NL,
    Renderer,
    html,
    truncate,
)
from bot.views.items import fit


def move(r: Renderer, move: Move) -> str:
    """Say what a sign-up or cancellation did (plain and short: it fits a button's answer)."""
    title = truncate(move.standing.target.title, 60)
    return r.plain(f"bookings.{move.outcome.value}", title=title, position=move.position or 0)


def clash(r: Renderer, move: Move) -> Reply:
    """Offer to switch when a sign-up clashes with other commitments."""
    target = move.standing.target
    others = NL.join(
        r(
            "bookings.clash_line_waiting" if c.waiting else "bookings.clash_line",
            title=truncate(c.title, 80),
            time=r.span(c.start, c.end),
        )
        for c in move.clash
    )
    params = {
        "title": truncate(target.title, 80),
        "time": r.span(target.start, target.end),
    }
    if any(c.facilitating for c in move.clash):
        return Reply(r("bookings.clash_facilitating", others=others, **params))
    switch = BookingOp.SWITCH if target.kind is TargetKind.WORKSHOP else BookingOp.SWITCH_SLOT
    return Reply(
        r("bookings.clash", others=others, **params),
        (
            (
                Button(
                    r.plain("bookings.button_switch", title=truncate(target.title, 30)),
                    BookingPress(switch, target.ref).pack(),
                ),
            ),
            (Button(r("bookings.button_keep"), KeepPress().pack()),),
        ),
    )


def switched(r: Renderer, move: Move, *, html: bool = False) -> str:
    """Say what a switch did (plain for a button's answer, or as HTML)."""
    say = r if html else r.plain
    old = (Markup(", ") if html else ", ").join(
        say("bookings.quoted", title=truncate(t.title, 40)) for t in move.cancelled
    )
    key = "bookings.switched" if move.position is None else "bookings.switched_waiting"
    title = truncate(move.standing.target.title, 60)
    return say(key, old=old, title=title, position=move.position or 0)


def promoted(r: Renderer, target: Target) -> Reply:
    """Tell someone they moved from the waiting list into a place."""
    room = html(", {}", target.room) if target.room else ""
    text = r(
        "bookings.promoted",
        title=target.title,
        when=r.when(target.start, target.end),
        room=room,
    )
    cancel = BookingOp.CANCEL if target.kind is TargetKind.WORKSHOP else BookingOp.LEAVE_SLOT
    return Reply(
        text, ((Button(r("bookings.button_give_back"), BookingPress(cancel, target.ref).pack()),),)
    )


def participants(
    r: Renderer, item: Workshop, ins: Sequence[Participant], waiting: Sequence[Participant]
) -> Markup:
    """List who comes to an item, then who waits."""
    when = r.when(item.start, item.end)
    if item.capacity is None:
        return r("bookings.participants_open", title=item.title, when=when)
    names = NL.join(html("{}. {}", n, p.display_name) for n, p in enumerate(ins, 1))
    text = r(
        "bookings.participants",
        title=item.title,
        when=when,
        n=len(ins),
        capacity=Count(item.capacity),
        names=names or r("bookings.participants_none"),
    )
    if waiting:
        queue = NL.join(html("{}. {}", n, p.display_name) for n, p in enumerate(waiting, 1))
        text += r("bookings.participants_waiting", count=Count(len(waiting)), names=queue)
    return text


def mine(r: Renderer, entries: Sequence[AgendaEntry]) -> Reply:
    """Render a person's agenda, with a button for each thing they may give up."""
    past = [e for e in entries if e.end <= r.now and e.kind != "cancelled"]
    coming = [e for e in entries if e.end > r.now]
    if not coming:
        text = r("bookings.mine_empty")
        if past:
            text += "\n" + r("bookings.mine_past", count=Count(len(past)))
        return Reply(text)
    lines = [r("bookings.mine_title")]
    rows: list[tuple[Button, ...]] = []
    day = None
    for e in coming:
        this_day = local_day(e.start, r.tz)
        if this_day != day:
            day = this_day
            lines.append("\n" + r("bookings.mine_day", date=r.date(this_day)))
        room = html(" · 📍 {}", e.room) if e.room else Markup()
        params = {
            "span": r.span(e.start, e.end),
            "title": truncate(e.title, 80),
            "room": room,
        }
        if e.kind == "rota":
            lines.append(
                r(
                    "bookings.mine_rota_offered" if e.offered else "bookings.mine_rota",
                    **params,
                )
            )
            if e.target is not None and not e.offered and len(rows) < MAX_LISTED_BUTTONS:
                label = r.plain(
                    "bookings.button_cant_make_it",
                    title=truncate(e.title, 20),
                    time=r.time(e.start),
                )
                rows.append((Button(label, BookingPress(BookingOp.OFFER, e.target.ref).pack()),))
        elif e.kind == "waiting":
            lines.append(r("bookings.mine_waiting", position=e.position or 0, **params))
        elif e.kind == "rota_waiting":
            lines.append(r("bookings.mine_rota_waiting", position=e.position or 0, **params))
            if e.target is not None and len(rows) < MAX_LISTED_BUTTONS:
                leave = r.plain("bookings.button_leave", position=e.position or 0)
                label = f"{leave} · {truncate(e.title, 24)}"
                rows.append(
                    (Button(label, BookingPress(BookingOp.LEAVE_SLOT, e.target.ref).pack()),)
                )
        elif e.kind == "facilitating":
            lines.append(r("bookings.mine_facilitating", **params))
        elif e.kind == "cancelled":
            lines.append(r("cancelled.mine", **params))
        elif e.kind == "favourite":
            lines.append(r("favourites.mine_line", **params))
        else:
            lines.append(r("bookings.mine_in", **params))
        if e.kind in ("in", "waiting") and e.target is not None and len(rows) < MAX_LISTED_BUTTONS:
            key = "bookings.button_cancel" if e.kind == "in" else "bookings.button_leave"
            label = f"{r.plain(key, position=e.position or 0)} · {truncate(e.title, 24)}"
            rows.append((Button(label, BookingPress(BookingOp.CANCEL, e.target.ref).pack()),))
    text = fit(r, lines[0], lines[1:], "/today")
    if past:
        text += "\n\n" + r("bookings.mine_past", count=Count(len(past)))
    return Reply(text, tuple(rows))
