"""/help: the commands a person may use, by section."""

from __future__ import annotations

from collections.abc import Sequence

from bot.reply import Reply
from bot.views.common import NL, PARAGRAPHS, Renderer


def help_text(r: Renderer, sections: Sequence[Sequence[str]]) -> Reply:
    """List the commands of each section (message keys), a blank line between sections."""
    return Reply(PARAGRAPHS.join(NL.join(r(key) for key in section) for section in sections))
