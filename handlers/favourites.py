"""The "remind me" button (fav:+:<ref> / fav:-:<ref>): star an item, or unstar it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.context import Context
from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.views import favourites as view
from bot.views.buttons import FavouritePress
from bot.views.common import Renderer, truncate
from handlers.common import refresh_buttons, renderer, services
from handlers.errors import refused


async def button(update: Update, context: Context) -> None:
    """Star or unstar the item, say so, and turn the pressed button the other way."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = FavouritePress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    item = await services(context).favourites.star(query.from_user.id, press.ref, on=press.on)
    r = await renderer(update, context)
    await query.answer(truncate(view.starred(r, item, press.on), 200))
    await _refresh(update, context, r, item, press)


async def _refresh(
    update: Update, context: Context, r: Renderer, item: Workshop, press: FavouritePress
) -> None:
    """In a private chat, show the new state on the pressed message's button for this item."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return
    keyboard = message.reply_markup
    if keyboard is None:
        return
    rows = []
    for row in keyboard.inline_keyboard:
        short = len(row) > 1  # beside another button; alone in its row, in full
        new_row = []
        for b in row:
            data = b.callback_data if isinstance(b.callback_data, str) else ""
            pressed = FavouritePress.parse(data)
            if pressed is not None and pressed.ref == press.ref:
                fresh = view.star_button(r, item, press.on, short=short)
                if fresh is None:
                    continue
                b = InlineKeyboardButton(fresh.label, callback_data=fresh.data)
            new_row.append(b)
        if new_row:
            rows.append(tuple(new_row))
    new = InlineKeyboardMarkup(tuple(rows))
    if new != keyboard:
        try:
            await refresh_buttons(query, new)
        except TelegramError as exc:
            await refused(update, context, exc, "could not refresh the star")
