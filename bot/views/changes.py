"""Organisers' changes to an item: what a change says, its preview, the notice it sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from bot.domain.booking import ref
from bot.domain.changes import ChangeKind, Preview
from bot.domain.messages import ChangeNotice
from bot.domain.models import Workshop
from bot.domain.schedule import local_day
from bot.i18n import Count
from bot.reply import Button, Reply
from bot.views.buttons import ChangeAnswer, ChangePress
from bot.views.common import (
    MAX_LISTED_BUTTONS,
    MAX_ROOM,
    MAX_TITLE,
    NL,
    Renderer,
    _names,
    truncate,
)

SHIFTS = (-30, -15, 15, 30, 60)
DELAYS = (5, 10, 15, 30)
MAX_LISTED = 8
ROOMS_PER_PAGE = 8


def change_text(
    r: Renderer, kind: str, value: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> Markup:
    """Say in one line what a change does."""
    if kind == "cancel":
        return r("change.says_cancel")
    if kind == "room":
        return r("change.says_room", room=value, was=str(before.get("room") or "?"))
    if kind in ("shift", "late"):
        start = datetime.fromisoformat(str(after["start"]))
        end = datetime.fromisoformat(str(after["end"]))
        key = "change.says_late" if kind == "late" else "change.says_shift"
        was = start - timedelta(minutes=int(value))
        if local_day(was, r.tz) != local_day(start, r.tz):
            key = "change.says_moved"  # another day: its minutes say little
        return r(key, minutes=value, when=r.when(start, end))
    if kind == "capacity":
        return r("change.says_capacity", places=Count(int(value)) if value.isdigit() else value)
    return r("change.says_note", note=value)


def change_notice(r: Renderer, params: ChangeNotice) -> Reply:
    """Tell the people concerned (or the group) about a change."""
    before, after = params.before, params.after
    title = str(before.get("title", ""))
    says = change_text(r, params.kind, params.value, before, after)
    text = r("change.notice", title=title, says=says)
    if params.seat == "kept":
        text += "\n" + r("change.seat_kept")
    elif params.seat == "waiting":
        position = params.position if params.position is not None else "?"
        text += "\n" + r("change.seat_waiting", position=position)
    return Reply(text)


def change_preview(r: Renderer, preview: Preview) -> Reply:
    """Ask to confirm a change: what it does, what it clashes with, who will be told."""
    after = preview.after
    says = change_text(
        r,
        preview.change.kind.value,
        preview.change.value,
        {"room": preview.before.room},
        {"start": after.start.isoformat(), "end": after.end.isoformat()} if after else {},
    )
    title = preview.before.title
    lines = [r("change.preview", title=title, says=says, told=preview.told)]
    if preview.group:
        lines.append(r("change.preview_group"))
    if preview.keep or preview.wait:
        lines.append(Markup())
        lines.append(
            r(
                "change.preview_shrink",
                places=Count(int(preview.change.value)),
                count=Count(len(preview.keep) + len(preview.wait)),
            )
        )
        lines.append(r("change.preview_keep", names=_some(r, preview.keep)))
        lines.append(r("change.preview_wait", names=_some(r, preview.wait)))
    timed = preview.change.kind.value in ("shift", "late")
    if timed and preview.told:
        key = "change.preview_busy" if preview.busy else "change.preview_busy_none"
        lines.append(r(key, count=Count(preview.busy)))
    if timed and preview.busy_running:
        lines.append(r("change.preview_busy_running", count=Count(preview.busy_running)))
    confirm = Button(r("change.confirm"), ChangeAnswer("ok").pack())
    if preview.taken and after is not None:
        lines.append(Markup())
        lines.append(r("change.preview_taken", room=truncate(after.room or "", MAX_ROOM)))
        lines.extend(
            r(
                "change.taken_line",
                title=truncate(w.title, MAX_TITLE),
                when=r.span(w.start, w.end),
            )
            for w in preview.taken[:MAX_LISTED_BUTTONS]
        )
        lines.append(r("change.preview_share"))
        confirm = Button(r("change.share"), ChangeAnswer("sh").pack())
    return Reply(
        NL.join(lines), ((confirm, Button(r("change.abandon"), ChangeAnswer("no").pack())),)
    )


def _some(r: Renderer, names: Sequence[str], limit: int = 20) -> Markup:
    """List names, the first `limit` of them, then how many more."""
    shown = _names(names[:limit])
    if len(names) > limit:
        shown += " " + r("change.and_more", count=len(names) - limit)
    return shown


def kinds_menu(r: Renderer, item: Workshop) -> Reply:
    """Offer the kinds of change an item may get."""
    code = ref(item.id)
    rows: list[tuple[Button, ...]] = [
        (
            Button(r.plain("change.kind_room"), ChangePress("k", code, "room").pack()),
            Button(r.plain("change.kind_shift"), ChangePress("k", code, "shift").pack()),
        ),
        (
            Button(r.plain("change.kind_late"), ChangePress("k", code, "late").pack()),
            Button(r.plain("change.kind_note"), ChangePress("k", code, "note").pack()),
        ),
    ]
    if item.capacity is not None:
        rows.append(
            (Button(r.plain("change.kind_capacity"), ChangePress("k", code, "cap").pack()),)
        )
    rows.append((Button(r.plain("change.kind_cancel"), ChangePress("k", code, "cancel").pack()),))
    text = r("change.choose_kind", title=item.title, when=r.when(item.start, item.end))
    return Reply(text, tuple(rows))


def rooms_menu(r: Renderer, item: Workshop, rooms: list[str], page: int) -> Reply:
    """Offer the rooms, a page of them at a time, and a button to write one's own."""
    code = ref(item.id)
    choices = [(i, name) for i, name in enumerate(rooms) if name != item.room]
    pages = max(1, -(-len(choices) // ROOMS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = choices[page * ROOMS_PER_PAGE : (page + 1) * ROOMS_PER_PAGE]
    rows: list[tuple[Button, ...]] = [
        (Button(truncate(name, 40), ChangePress("r", code, str(i)).pack()),) for i, name in shown
    ]
    turn = []
    if page > 0:
        turn.append(
            Button(r.plain("change.page_prev"), ChangePress("p", code, str(page - 1)).pack())
        )
    if page < pages - 1:
        turn.append(
            Button(r.plain("change.page_next"), ChangePress("p", code, str(page + 1)).pack())
        )
    if turn:
        rows.append(tuple(turn))
    rows.append((Button(r.plain("change.type_room"), ChangePress("t", code).pack()),))
    text = r("change.choose_room")
    if pages > 1:
        text += NL + r("change.room_page", page=page + 1, pages=pages)
    return Reply(text, tuple(rows))


def items_menu(r: Renderer, items: Sequence[Workshop]) -> Reply:
    """Offer the items a person may change (the first few; organisers get a hint)."""
    rows = tuple(
        (Button(f"{r.time(w.start)} {truncate(w.title, 40)}", ChangePress("i", ref(w.id)).pack()),)
        for w in items[:MAX_LISTED]
    )
    text = r("change.choose_item")
    if len(items) > MAX_LISTED:
        text += NL + r("change.organiser_hint")
    return Reply(text, rows)


def minutes_menu(r: Renderer, item: Workshop, kind: ChangeKind) -> Reply:
    """Offer the usual moves of a time: earlier or later (shift), or late by a few minutes."""
    steps = SHIFTS if kind is ChangeKind.SHIFT else DELAYS
    op = "s" if kind is ChangeKind.SHIFT else "l"
    code = ref(item.id)
    row = tuple(Button(f"{m:+d} min", ChangePress(op, code, str(m)).pack()) for m in steps)
    key = "change.choose_shift" if kind is ChangeKind.SHIFT else "change.choose_late"
    return Reply(r(key), (row,))
