"""The "remind me" button on every item, and what a press answers."""

from __future__ import annotations

from markupsafe import Markup

from bot.domain.booking import ref
from bot.domain.models import Workshop
from bot.reply import Button
from bot.views.buttons import FavouritePress
from bot.views.common import Renderer


def star_button(r: Renderer, item: Workshop, starred: bool, *, short: bool) -> Button | None:
    """Offer to be reminded of an item, or (starred already) not to be any more; nothing once
    it has started (there is nothing left to remind of).

    `short` beside another button (in a list); alone in its row (the item's card), in full.
    """
    if item.start <= r.now:
        return None
    key = "favourites.button_remove" if starred else "favourites.button_add"
    if short:
        key += "_short"
    return Button(r.plain(key), FavouritePress(not starred, ref(item.id)).pack())


def starred(r: Renderer, item: Workshop, on: bool) -> str:
    """Say what the press did (a toast: plain text)."""
    return r.plain("favourites.added" if on else "favourites.removed", title=item.title)


def interested(r: Renderer, count: int) -> Markup:
    """Say how many people asked to be reminded of an item (for its facilitators)."""
    return r("favourites.interested", count=count)
