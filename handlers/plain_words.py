"""Questions in plain words, French or English: what was meant routes to the usual answer.

`bot/domain/intents.py` reads the question into an `Intent`; `ROUTES` says which answer each
kind of question gets. To understand a new question: an `Ask` member, its phrases in
`parse_intent`, and one line in `ROUTES`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from markupsafe import Markup
from telegram import Update

import handlers.awaiting as awaiting
import handlers.proposals as proposals
from bot.context import Context
from bot.domain.agenda import FindAnswer
from bot.domain.intents import Ask, parse_intent
from bot.reply import Reply
from bot.views import agenda as agenda_view
from bot.views.common import PARAGRAPHS, Renderer, truncate
from handlers.common import renderer, send, services
from handlers.help import help_
from handlers.programme import (
    MAX_QUESTION,
    find_reply,
    next_,
    now,
    room_reply,
    send_day,
    send_list,
    user_id,
)


class Question:
    """A question as written (the bot's @name taken out) and what it was understood to ask."""

    def __init__(self, update: Update, context: Context, r: Renderer, text: str) -> None:
        self.update = update
        self.context = context
        self.r = r
        self.text = text
        self.intent = parse_intent(text)

    async def say(self, reply: Reply) -> None:
        """Answer the question."""
        await send(self.update, self.context, reply)


Route = Callable[[Question], Awaitable[None]]


async def plain_words(update: Update, context: Context) -> None:
    """Answer a question written in plain words, in French or English."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    username = context.bot.username
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    # A flow (/change, /broadcast) may be waiting for this text, in private chat
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    if private and await awaiting.dispatch(update, context, message.text):
        return
    r = await renderer(update, context)
    if len(text) > MAX_QUESTION:
        await send(update, context, Reply(r("common.too_long")))
        return
    question = Question(update, context, r, text)
    await ROUTES.get(question.intent.ask, _shrug)(question)


async def _propose(q: Question) -> None:
    """Start proposing a session (in private), or say where to do it (in a group)."""
    chat = q.update.effective_chat
    private = chat is not None and chat.type == "private"
    await (proposals.propose if private else proposals.in_group)(q.update, q.context)


async def _next(q: Question) -> None:
    await next_(q.update, q.context)


async def _now(q: Question) -> None:
    await now(q.update, q.context)


async def _day(q: Question) -> None:
    agenda, intent = services(q.context).agenda, q.intent
    if intent.ask is Ask.TODAY:
        answer = await agenda.day(agenda.today())
    elif intent.ask is Ask.TOMORROW:
        answer = await agenda.tomorrow()
    else:
        answer = await agenda.day_named(intent.subject)
    await send_day(q.update, q.context, answer, intent.part)


async def _help(q: Question) -> None:
    await help_(q.update, q.context)


async def _hello(q: Question) -> None:
    await q.say(Reply(q.r("help.hello")))


async def _thanks(q: Question) -> None:
    await q.say(Reply(q.r("help.thanks")))


async def _place(q: Question) -> None:
    """Answer about a room if the subject names one ("où est le chapiteau"), else about a thing."""
    s, intent = services(q.context), q.intent
    room = await s.rooms.room_named(intent.subject)
    if room is None:
        await _about(q)
    elif intent.ask is Ask.WHERE and not intent.day:
        card = await s.rooms.room_card(room)
        items = [*card.running, *(card.following.items if card.following else ())]
        seats = await s.bookings.seats(items, user_id(q.update))
        await q.say(agenda_view.room_card(q.r, card, seats))
    else:
        reply = await room_reply(q.update, q.context, room.name, 0, intent.day, intent.part)
        await q.say(reply)


async def _about(q: Question) -> None:
    """Answer where, when or what a thing is ("où est l'atelier vélo", "kayak")."""
    intent = q.intent
    if not intent.subject:
        await _shrug(q)
    elif intent.day or intent.part:
        await _on_day(q)
    elif intent.ask in (Ask.WHERE, Ask.WHEN):
        await _where_or_when(q)
    else:
        answer = await services(q.context).agenda.find(intent.subject, with_cancelled=True)
        if answer.items:
            reply = await find_reply(q.update, q.context, answer, 0)
            await send_list(q.update, q.context, reply, "s", answer.query)
        else:
            await _shrug(q)


async def _shrug(q: Question) -> None:
    await q.say(Reply(q.r("help.didnt_understand", text=truncate(q.text.strip(), 80))))


async def _on_day(q: Question) -> None:
    """Answer about something on a day ("atelier vélo demain"), saying when it really is."""
    intent = q.intent
    answer = await services(q.context).agenda.find_on(intent.subject, intent.day, intent.part)
    if answer.on_day:
        found = FindAnswer(answer.found.query, answer.on_day, answer.on_day)
        if intent.ask in (Ask.WHERE, Ask.WHEN):
            await _where_or_when(q, found)
        else:
            await q.say(await find_reply(q.update, q.context, found, 0))
    elif not answer.found.items:
        await q.say(await find_reply(q.update, q.context, answer.found, 0))
    else:
        reply = await find_reply(q.update, q.context, answer.found, 0)
        text = agenda_view.not_on_day(q.r, answer) + PARAGRAPHS + Markup(reply.text)
        await q.say(Reply(text, reply.buttons))


async def _where_or_when(q: Question, answer: FindAnswer | None = None) -> None:
    s = services(q.context)
    answer = answer or await s.agenda.find(q.intent.subject, with_cancelled=True)
    # The best matches only: "where is lunch?" is about lunch, not about breakfast as well
    shown = answer.best or answer.items
    if not shown or len(shown) > 3:
        best = FindAnswer(answer.query, shown, shown) if shown else answer
        await q.say(await find_reply(q.update, q.context, best, 0))
        return
    seats = await s.bookings.seats(shown, user_id(q.update))
    await q.say(agenda_view.where_or_when(q.r, shown, seats, where=q.intent.ask is Ask.WHERE))


ROUTES: dict[Ask, Route] = {
    Ask.NEXT: _next,
    Ask.NOW: _now,
    Ask.TODAY: _day,
    Ask.TOMORROW: _day,
    Ask.DAY: _day,
    Ask.HELP: _help,
    Ask.HELLO: _hello,
    Ask.THANKS: _thanks,
    Ask.PLACE: _place,
    Ask.WHERE: _place,
    Ask.WHEN: _about,
    Ask.SEARCH: _about,
    Ask.PROPOSE: _propose,  # Issue 14, part 1: sessions proposed in chat
}
"""The answer to each kind of question; a question not listed here gets "didn't understand"."""
