"""Feedback for facilitators: the answer buttons (fb:<ref>:<score>), the optional comment,
and the organisers' overview (/feedback)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

import handlers.awaiting as awaiting
from bot.context import Context
from bot.domain.errors import DomainError
from bot.reply import Reply
from bot.services.feedback import COMMENT
from bot.views import feedback as view
from bot.views.buttons import FeedbackPress
from bot.views.common import truncate
from handlers.common import refresh_buttons, renderer, send, services
from handlers.errors import refused


async def button(update: Update, context: Context) -> None:
    """Keep an answer, take the item's row off the question, and offer a comment."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = FeedbackPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    user = query.from_user
    item = await services(context).feedback.answer(user.id, press.ref, press.score)
    r = await renderer(update, context)
    await query.answer(truncate(view.thanks(r, item), 200))
    message = query.message
    if isinstance(message, Message) and message.chat.type == "private" and message.reply_markup:
        rows = tuple(
            row
            for row in message.reply_markup.inline_keyboard
            if not any(
                isinstance(b.callback_data, str)
                and (p := FeedbackPress.parse(b.callback_data)) is not None
                and p.ref == press.ref
                for b in row
            )
        )
        try:
            await refresh_buttons(query, InlineKeyboardMarkup(rows) if rows else None)
        except TelegramError as exc:
            await refused(update, context, exc, "could not take the answered row off")
    try:
        await context.bot.send_text(user.id, view.ask_comment(r, item))
    except TelegramError as exc:
        await refused(update, context, exc, "could not offer a comment")


@awaiting.reader(COMMENT)
async def read_comment(update: Update, context: Context, text: str) -> None:
    """Keep the comment written after an answer."""
    user = update.effective_user
    assert user is not None
    item = await services(context).feedback.comment(user.id, text)
    r = await renderer(update, context)
    await send(update, context, Reply(view.commented(r, item)))


async def overview(update: Update, context: Context) -> None:
    """Show the organisers every item's answers (/feedback)."""
    user = update.effective_user
    assert user is not None
    tallies = await services(context).feedback.overview(user.id)
    await send(update, context, view.overview(await renderer(update, context), tallies))
