"""The audit log (/log): one line per change, who made it, and what it did."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup

from bot.domain.changes import AuditEntry
from bot.domain.schedule import local_day
from bot.reply import Reply
from bot.views.common import (
    NL,
    Renderer,
    html,
)


def audit_line(
    r: Renderer,
    at: datetime,
    who: str,
    action: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> Markup:
    """Give one line of the audit log: when, who, which item, what changed."""
    title = str(before.get("title") or after.get("title") or "?")
    if action == "cancel":
        what = r("change.log_cancel")
    elif action == "room":
        what = r(
            "change.log_room",
            was=str(before.get("room")),
            now=str(after.get("room")),
        )
    elif action in ("shift", "late"):
        was = r.time(datetime.fromisoformat(str(before["start"])))
        now = r.time(datetime.fromisoformat(str(after["start"])))
        what = r("change.log_time", was=was, now=now)
    elif action == "capacity":
        what = r("change.log_capacity", was=before.get("capacity"), now=after.get("capacity"))
    elif action == "note":
        what = r("change.log_note")
    elif action in ("facilitator_added", "facilitator_removed"):
        name = str(after.get("name") or after.get("user_id") or "?")
        what = r(f"change.log_{action}", name=name)
    elif action == "invite_revoked" and isinstance(after.get("count"), int):
        what = r("change.log_invite_revoked", n=after["count"])
    else:
        what = html("{}", action)
    when = html("{} {}", r.date(local_day(at, r.tz)), r.time(at))
    return r("change.log_line", at=when, who=who, item=title, action=what)


def audit_log(r: Renderer, entries: Sequence[AuditEntry], names: Mapping[int, str]) -> Reply:
    """List the newest changes, one line each (names: who made them, by user id)."""
    if not entries:
        return Reply(r("change.log_empty"))
    lines = [r("change.log_title")]
    for e in entries:
        who = names.get(e.user_id, str(e.user_id))
        lines.append(audit_line(r, e.at, who, e.action, e.before or {}, e.after or {}))
    return Reply(NL.join(lines))
