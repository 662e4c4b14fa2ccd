"""Organisers' tools for roles: the facilitators' invitation links."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.models import Invite
from bot.reply import Reply
from bot.views.common import NL, Renderer


def invites(r: Renderer, found: Sequence[Invite], bot_username: str) -> Reply:
    """Give each facilitator's invitation link (t.me/<bot>?start=<token>)."""
    lines = [r("roles.invites_title")]
    for invite in found:
        link = f"https://t.me/{bot_username}?start={invite.token}"
        lines.append(r("roles.invite_line", name=invite.facilitator, items=invite.items, link=link))
    lines.append(NL + r("roles.invites_note"))
    return Reply(NL.join(lines))
