"""What every handler needs: the services, the person's language, sending a Reply."""

from __future__ import annotations

import logging
from html import unescape

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import Context, Services
from bot.delivery import keyboard, shows
from bot.ratelimit import FOLLOW_UP
from bot.reply import Reply
from bot.telegram_bot import RencontreBot
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


async def send(update: Update, context: Context, reply: Reply, *, follow_up: bool = False) -> int:
    """Send a Reply to the chat the update came from; give the message's id.

    follow_up: the person got their answer already; this one goes after the replies others
    are waiting for (FOLLOW_UP).
    """
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_text(
        chat.id,
        reply.text,
        api_kwargs=keyboard(reply),
        rate_limit_args=FOLLOW_UP if follow_up else None,
    )


async def edit(update: Update, reply: Reply, *, refresh: bool = False) -> None:
    """Replace the message a button belongs to with a Reply.

    refresh: the press was answered already (its toast said what happened); the edit only
    brings the message up to date, after the replies people are waiting for (FOLLOW_UP).
    """
    query = update.callback_query
    assert query is not None
    if query.message is not None and not query.message.is_accessible:
        # Too old or deleted for Telegram to hand it over (date 0): the answer is a new message
        await _bot(query).send_text(
            query.message.chat.id,
            reply.text,
            api_kwargs=keyboard(reply),
            rate_limit_args=FOLLOW_UP if refresh else None,
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
        and shows(query.message.reply_markup, reply)
    ):
        return
    try:
        if isinstance(query.message, Message):
            await _bot(query).edit_text(
                query.message.chat.id,
                query.message.message_id,
                reply.text,
                api_kwargs=keyboard(reply),
                rate_limit_args=FOLLOW_UP if refresh else None,
            )
        else:  # a message sent through inline mode, which the bot does not offer
            await query.edit_message_text(reply.text, api_kwargs=keyboard(reply))
    except BadRequest as exc:
        if not unchanged(exc):
            raise
        # A double tap: the first press already put this very text there
        log.info("edit skipped: the message already says it (%s)", exc.message)


async def refresh_buttons(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Put new buttons on the pressed message, its press answered already (FOLLOW_UP)."""
    message = query.message
    if not isinstance(message, Message):
        await query.edit_message_reply_markup(markup)  # a message Telegram no longer gives
        return
    await _bot(query).edit_message_reply_markup(
        chat_id=message.chat.id,
        message_id=message.message_id,
        reply_markup=markup,
        rate_limit_args=FOLLOW_UP,
    )


def _bot(query: CallbackQuery) -> RencontreBot:
    """Give the application's bot, whose calls take rate_limit_args (the shortcuts do not)."""
    bot = query.get_bot()
    assert isinstance(bot, RencontreBot)
    return bot


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
