"""What every handler needs: the services, the person's language, sending a Reply."""

from __future__ import annotations

import logging
from html import unescape

from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import Context, Services
from bot.delivery import markup
from bot.reply import Reply
from bot.views.common import Renderer

log = logging.getLogger(__name__)


def services(context: Context) -> Services:
    """Give the application's services."""
    return context.bot_data.services


async def language(update: Update, context: Context) -> str:
    """Give the language to answer this update's person in."""
    user = update.effective_user
    return await services(context).people.language(
        user.id if user else None, user.language_code if user else None
    )


async def renderer(update: Update, context: Context) -> Renderer:
    """Give a renderer in this person's language."""
    s = services(context)
    return Renderer(s.t, await language(update, context), s.config.event.tz, s.clock.now())


async def send(update: Update, context: Context, reply: Reply) -> Message:
    """Send a Reply to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_message(
        chat.id,
        reply.text,
        reply_markup=markup(reply),
    )


async def edit(update: Update, reply: Reply) -> None:
    """Replace the message a button belongs to with a Reply."""
    query = update.callback_query
    assert query is not None
    if query.message is not None and not query.message.is_accessible:
        # Too old or deleted for Telegram to hand it over (date 0): the answer is a new message
        await query.get_bot().send_message(
            query.message.chat.id,
            reply.text,
            reply_markup=markup(reply),
        )
        return
    if (
        isinstance(query.message, Message)
        and query.message.chat.type != "private"
        and not _offers(query.message, query.data)
    ):
        # Data the message never offered (a forged press): a group's message stays as it is
        return
    if (
        isinstance(query.message, Message)
        # Compared unescaped: PTB writes an apostrophe back as &#x27;, the views do not
        and unescape(query.message.text_html) == unescape(reply.text)
        and query.message.reply_markup == markup(reply)
    ):
        return
    try:
        await query.edit_message_text(
            reply.text,
            reply_markup=markup(reply),
        )
    except BadRequest as exc:
        if not unchanged(exc):
            raise
        # A double tap: the first press already put this very text there
        log.info("edit skipped: the message already says it (%s)", exc.message)


def unchanged(error: object) -> bool:
    """Tell whether Telegram refused an edit only because it would change nothing."""
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


def _offers(message: Message, data: str | None) -> bool:
    """Tell whether a message has a button with this callback data."""
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return any(button.callback_data == data for row in keyboard for button in row)


def args_text(context: Context) -> str:
    """Give a command's arguments as one string."""
    return " ".join(context.args or []).strip()
