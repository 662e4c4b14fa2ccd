"""The organisers' message when the bot joins a group or its rights there change."""

from __future__ import annotations

from bot.domain.membership import IN_GROUP, GroupChange, Lack
from bot.views.common import Renderer


def membership_text(r: Renderer, change: GroupChange, configured: bool) -> str:
    """Say where the bot is, the config line for it, and what it still lacks there."""
    title, chat_id = change.title, change.chat_id
    if change.status not in IN_GROUP or Lack.MEMBER in change.lacks:
        return r("membership.removed", title=title, chat_id=chat_id)
    if change.moved_from is not None:
        lines = [r("membership.upgraded", title=title, chat_id=chat_id, old=change.moved_from)]
    else:
        head = "membership.rights_changed" if change.was in IN_GROUP else "membership.added"
        lines = [r(head, title=title, chat_id=chat_id)]
    lines.append(
        r("membership.configured" if configured else "membership.config_line", chat_id=chat_id)
    )
    if change.lacks:
        lines.append(r("membership.lacks"))
        lines += [r(f"membership.lack_{lack.value}") for lack in change.lacks]
    else:
        lines.append(r("membership.all_rights"))
    return "\n".join(lines)
