"""Organisers' broadcasts and notices, and the report of a broadcast, as the outbox sends them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from bot.domain.planning import BROADCAST, NOTICE, REPORT
from bot.reply import Reply
from bot.views.common import PARAGRAPHS, Renderer


def compose(r: Renderer, kind: str, params: Mapping[str, Any]) -> Reply:
    """Write a broadcast, a notice or a report, in the language of the chat it goes to."""
    # The row holds HTML the bot made: an organiser's text escaped as it was stored, a report
    stored = Markup(params["html"])
    if kind == BROADCAST:
        return Reply(r("broadcast.header") + PARAGRAPHS + stored)
    if kind == NOTICE:
        return Reply(r("broadcast.notice_header") + PARAGRAPHS + stored)
    if kind == REPORT:
        return Reply(stored)
    raise ValueError(f"not a broadcast's kind: {kind}")
