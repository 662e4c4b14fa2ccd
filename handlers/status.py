"""/status (/etat): how the bot is doing, for the organisers."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.reply import Reply
from bot.views.status import status_text
from handlers.common import renderer, send, services


async def status(update: Update, context: Context) -> None:
    """Show the organisers the bot's health in one message."""
    user = update.effective_user
    assert user is not None
    report = await services(context).status.status(user.id)
    r = await renderer(update, context)
    await send(update, context, Reply(status_text(r, report)))
