"""/help, and the hints for what the bot does not understand."""

from __future__ import annotations

from telegram import Update

from bot.commands import help_keys
from bot.context import Context
from bot.reply import Reply
from bot.views import help as help_view
from bot.views.common import truncate
from handlers.common import renderer, send, services


async def help_(update: Update, context: Context) -> None:
    """List the commands for this person's role."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    role = await s.roles.role(user.id)
    r = await renderer(update, context)
    await send(update, context, help_view.help_text(r, help_keys(role)))


async def unknown_command(update: Update, context: Context) -> None:
    """Answer a command the bot does not know with a hint."""
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0].split("@")[0]
    r = await renderer(update, context)
    await send(update, context, Reply(r("help.unknown_command", command=truncate(command, 40))))


async def private_only(update: Update, context: Context) -> None:
    """Answer a command kept for private chats, sent in a group: write to me directly."""
    r = await renderer(update, context)
    await send(update, context, Reply(r("common.private_only")))
