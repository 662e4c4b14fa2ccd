"""/ask (/question): a question to the organisers, and their answer back.

An organiser answers with Telegram's reply to the question's copy, or with its Reply button
(then types the answer in private chat). Only organisers may answer, checked where it happens.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import filters

import handlers.awaiting as awaiting
import handlers.errors as errors
import handlers.plain_words as plain_words
from bot.context import Context
from bot.delivery import keyboard
from bot.domain.errors import DomainError
from bot.services.questions import ANSWER, FLOW, Asker
from bot.views import questions as view
from bot.views.buttons import QuestionPress
from bot.views.common import Renderer
from handlers.common import renderer, send, services

log = logging.getLogger(__name__)


class _ReplyToBot(filters.MessageFilter):
    """A text that replies to one of the bot's messages."""

    def filter(self, message: object) -> bool:
        if not isinstance(message, Message) or not message.text:
            return False
        reply = message.reply_to_message
        return bool(reply and reply.from_user and reply.from_user.id == message.get_bot().id)


REPLY_TO_BOT = _ReplyToBot()


def _after_command(update: Update) -> str:
    """Give what follows the command, new lines kept."""
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


async def ask(update: Update, context: Context) -> None:
    """Relay the question given to the organisers, or ask for it (/ask)."""
    text = _after_command(update)
    if text.strip():
        await _got_question(update, context, text)
        return
    assert update.effective_user is not None
    await services(context).questions.wait_for_question(update.effective_user.id)
    await send(update, context, view.ask_prompt(await renderer(update, context)))


@awaiting.reader(FLOW)
async def read_question(update: Update, context: Context, text: str) -> None:
    """Take the question the person was asked for."""
    await _got_question(update, context, text)


async def _got_question(update: Update, context: Context, text: str) -> None:
    user = update.effective_user
    assert user is not None
    asker = Asker(user.id, user.first_name, user.last_name, user.username)
    await services(context).questions.ask(asker, text, request=f"u{update.update_id}")
    await send(update, context, view.relayed(await renderer(update, context)))


@awaiting.reader(ANSWER)
async def read_answer(update: Update, context: Context, text: str) -> None:
    """Take the answer an organiser types after pressing Reply."""
    assert update.effective_user is not None
    question_id = await services(context).questions.waited_answer(update.effective_user.id)
    await _answer(update, context, question_id, text)


async def reply(update: Update, context: Context) -> None:
    """Answer the question whose copy this text replies to; any other reply is plain words."""
    message = update.effective_message
    assert message is not None and message.text is not None
    target = message.reply_to_message
    assert target is not None
    question = await services(context).questions.relayed_as(message.chat.id, target.message_id)
    if question is None:
        await plain_words.plain_words(update, context)
        return
    await _answer(update, context, question.id, message.text)


async def button(update: Update, context: Context) -> None:
    """Wait for an organiser's answer to a question (qa:<number>), in private chat."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = QuestionPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s = services(context)
    organiser = query.from_user.id
    question = await s.questions.wait_for_answer(organiser, press.question_id)
    r = await renderer(update, context)
    prompt = view.answer_prompt(r, question)
    if query.message is not None and query.message.chat.id == organiser:
        await query.answer()
        await send(update, context, prompt)
        return
    # Pressed in the organisers' group: the answer is typed in private chat
    try:
        await context.bot.send_text(organiser, prompt.text, api_kwargs=keyboard(prompt))
    except (Forbidden, BadRequest) as exc:
        log.info("could not ask organiser %s privately for an answer: %s", organiser, exc)
        await s.drafts.drop(organiser, FLOW)
        raise DomainError("questions.start_first") from exc
    await query.answer(r.plain("questions.answer_prompt_elsewhere"))


async def _answer(update: Update, context: Context, question_id: int, text: str) -> None:
    """Send the answer to the person; mark every organiser's copy answered, and by whom."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    answered = await s.questions.answer(user.id, user.full_name, question_id, text)
    await send(
        update, context, view.answer_sent(await renderer(update, context), answered.question)
    )
    # A copy not sent yet says it is answered when it goes (the composer reads it then)
    for relay in answered.relays:
        if relay.message_id is None:
            continue
        lang = (
            s.config.event.default_language
            if relay.chat_id < 0
            else await s.people.language(relay.chat_id, None)
        )
        copy = view.relay(Renderer(s.t, lang, s.config.event.tz, s.clock.now()), answered.question)
        try:
            await context.bot.edit_text(
                relay.chat_id, relay.message_id, copy.text, api_kwargs=keyboard(copy)
            )
        except TelegramError as exc:
            await errors.refused(update, context, exc, "marking a question's copy answered")
