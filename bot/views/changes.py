"""Organisers' changes to an item: what a change says, its preview, the notice it sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from bot.domain.changes import Preview
from bot.domain.schedule import local_day
from bot.reply import Button, Reply
from bot.views.common import (
    MAX_LISTED_BUTTONS,
    MAX_ROOM,
    MAX_TITLE,
    NL,
    Renderer,
    _names,
    truncate,
)


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
        return r("change.says_capacity", places=value)
    return r("change.says_note", note=value)


def change_notice(r: Renderer, params: Mapping[str, Any]) -> Reply:
    """Tell the people concerned (or the group) about a change."""
    before, after = params["before"], params["after"]
    title = str(before.get("title", ""))
    says = change_text(r, params["kind"], params["value"], before, after)
    text = r("change.notice", title=title, says=says)
    if params.get("seat") == "kept":
        text += "\n" + r("change.seat_kept")
    elif params.get("seat") == "waiting":
        text += "\n" + r("change.seat_waiting", position=params.get("position", "?"))
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
                places=preview.change.value,
                count=len(preview.keep) + len(preview.wait),
            )
        )
        lines.append(r("change.preview_keep", names=_some(r, preview.keep)))
        lines.append(r("change.preview_wait", names=_some(r, preview.wait)))
    timed = preview.change.kind.value in ("shift", "late")
    if timed and preview.told:
        key = "change.preview_busy" if preview.busy else "change.preview_busy_none"
        lines.append(r(key, count=preview.busy))
    if timed and preview.busy_running:
        lines.append(r("change.preview_busy_running", count=preview.busy_running))
    confirm = Button(r("change.confirm"), "ch:ok")
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
        confirm = Button(r("change.share"), "ch:sh")
    return Reply(NL.join(lines), ((confirm, Button(r("change.abandon"), "ch:no")),))


def _some(r: Renderer, names: Sequence[str], limit: int = 20) -> Markup:
    """List names, the first `limit` of them, then how many more."""
    shown = _names(names[:limit])
    if len(names) > limit:
        shown += " " + r("change.and_more", count=len(names) - limit)
    return shown
