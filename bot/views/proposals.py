"""Proposed sessions: the proposer's steps, the organisers' card, the answers and the guide."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from bot.domain import proposals as core
from bot.domain.models import Workshop
from bot.domain.proposals import Draft, Proposal, Slot, Status
from bot.reply import Button, Reply
from bot.views.buttons import ProposalPress, ProposePress
from bot.views.common import PARAGRAPHS, Renderer, html

_STAMP = "%Y%m%d%H%M"
PLACES = (0, 8, 12, 20, 30)
"""The numbers of places offered as buttons (0: no sign-ups); any other may be typed."""


def _room_code(room: str) -> str:
    """Give a short, stable code of a room's name (rooms come and go with imports)."""
    return hashlib.sha256(room.encode()).hexdigest()[:6]


def pack_slot(slot: Slot) -> str:
    """Give a slot as a button carries it: its start in UTC and its room's code."""
    return f"{slot.start.astimezone(UTC).strftime(_STAMP)}:{_room_code(slot.room)}"


def read_slot(arg: str, rooms: Sequence[str]) -> Slot | None:
    """Read a slot a button carries; None when it names no known room (one only) or no time."""
    stamp, _, code = arg.partition(":")
    try:
        start = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    named = [room for room in rooms if _room_code(room) == code]
    return Slot(start, named[0]) if len(named) == 1 else None


def ask_title(r: Renderer) -> Reply:
    """Ask for the title."""
    return Reply(r("proposals.ask_title"))


def ask_description(r: Renderer, draft: Draft) -> Reply:
    """Ask for the description."""
    return Reply(r("proposals.ask_description", title=draft.title))


def durations_menu(r: Renderer) -> Reply:
    """Offer the durations."""
    row = tuple(
        Button(r.plain("proposals.minutes_label", minutes=m), ProposePress("d", str(m)).pack())
        for m in core.DURATIONS
    )
    return Reply(r("proposals.ask_duration"), (row, (_abandon(r),)))


def _slot_label(r: Renderer, slot: Slot) -> str:
    day = r.date(slot.start.astimezone(r.tz).date())
    return r.plain("proposals.slot_label", day=day, time=r.time(slot.start), room=slot.room)


def slots_menu(r: Renderer, slots: Sequence[Slot]) -> Reply:
    """Offer the free slots, and letting the organisers choose."""
    rows = [(Button(_slot_label(r, s), ProposePress("at", pack_slot(s)).pack()),) for s in slots]
    rows.append((Button(r.plain("proposals.organisers_choose"), ProposePress("org").pack()),))
    rows.append((_abandon(r),))
    text = r("proposals.ask_when") if slots else r("proposals.no_free_slot")
    return Reply(text, tuple(rows))


def places_menu(r: Renderer) -> Reply:
    """Offer numbers of places (a number may be typed too)."""
    row = tuple(
        Button(
            r.plain("proposals.no_places") if n == 0 else str(n), ProposePress("c", str(n)).pack()
        )
        for n in PLACES
    )
    return Reply(r("proposals.ask_places"), (row, (_abandon(r),)))


def language_menu(r: Renderer) -> Reply:
    """Offer the languages."""
    row = tuple(
        Button(r.plain(f"proposals.lang_{code}"), ProposePress("l", code).pack())
        for code in core.LANGUAGES
    )
    return Reply(r("proposals.ask_language"), (row, (_abandon(r),)))


def _abandon(r: Renderer) -> Button:
    return Button(r.plain("proposals.abandon"), ProposePress("no").pack())


def _when(r: Renderer, start: datetime | None, minutes: int, room: str | None) -> Markup:
    if start is None or room is None:
        return r("proposals.when_open")
    when = r.when(start, start + timedelta(minutes=minutes))
    return r("proposals.card_where", when=when, room=room)


def _places(r: Renderer, capacity: int | None) -> Markup:
    if capacity is None:
        return r("proposals.places_none")
    return r("proposals.places_count", n=capacity)


def _language(r: Renderer, code: str | None) -> Markup:
    return r(f"proposals.lang_{code if code in core.LANGUAGES else 'both'}")


def preview(r: Renderer, draft: Draft) -> Reply:
    """Show the proposal as it will go, with Send and Cancel."""
    text = r(
        "proposals.preview",
        title=draft.title,
        description=draft.description,
        minutes=draft.minutes,
        when=_when(r, draft.start, draft.minutes, draft.room),
        places=_places(r, draft.capacity),
        language=_language(r, draft.language),
    )
    buttons = ((Button(r.plain("proposals.submit"), ProposePress("ok").pack()), _abandon(r)),)
    return Reply(text, buttons)


def card(r: Renderer, p: Proposal) -> Reply:
    """Give the organisers' card: the proposal, and its buttons while it waits."""
    text = r(
        "proposals.card",
        name=p.proposer_name,
        title=p.title,
        description=p.description,
        minutes=p.minutes,
        when=_when(r, p.start, p.minutes, p.room),
        places=_places(r, p.capacity),
        language=_language(r, p.language),
    )
    if p.status is Status.APPROVED:
        assert p.start is not None and p.end is not None
        state = r("proposals.card_approved", when=r.when(p.start, p.end), room=p.room or "")
        return Reply(html("{}{}{}", text, PARAGRAPHS, state))
    if p.status is Status.DECLINED:
        state = r("proposals.card_declined", reason=p.reason or "")
        return Reply(html("{}{}{}", text, PARAGRAPHS, state))
    buttons = (
        (
            Button(r.plain("proposals.approve"), ProposalPress("ok", p.id).pack()),
            Button(r.plain("proposals.move"), ProposalPress("mv", p.id).pack()),
            Button(r.plain("proposals.decline"), ProposalPress("no", p.id).pack()),
        ),
    )
    return Reply(text, buttons)


def move_menu(r: Renderer, p: Proposal, slots: Sequence[Slot]) -> Reply:
    """Offer an organiser the free slots a proposal may be approved in."""
    if not slots:
        return Reply(r("proposals.no_slot_to_move", title=p.title))
    rows = tuple(
        (Button(_slot_label(r, s), ProposalPress("at", p.id, pack_slot(s)).pack()),) for s in slots
    )
    return Reply(r("proposals.choose_move", title=p.title), rows)


def approved(r: Renderer, p: Proposal) -> Reply:
    """Tell the organiser who approved it where it is now."""
    assert p.start is not None and p.end is not None
    return Reply(
        r(
            "proposals.approved",
            title=p.title,
            when=r.when(p.start, p.end),
            room=p.room or "",
            name=p.proposer_name,
        )
    )


def guide(r: Renderer, item: Workshop) -> Reply:
    """Tell the proposer their item is on the programme, and how to run it."""
    return Reply(
        r("proposals.guide", title=item.title, when=r.when(item.start, item.end), room=item.room)
    )


def declined_news(r: Renderer, p: Proposal) -> Reply:
    """Tell the proposer it was declined, and why."""
    return Reply(r("proposals.news_declined", title=p.title, reason=p.reason or ""))


def clash(r: Renderer, p: Proposal, item: Workshop, title: str) -> Reply:
    """Tell the organisers a re-imported file put an item in a proposed item's room and time."""
    return Reply(
        r(
            "proposals.clash",
            clash=title,
            room=item.room or "",
            when=r.when(item.start, item.end),
            title=item.title,
            name=p.proposer_name,
        )
    )
