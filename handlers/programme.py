"""Questions about the programme, by command, by plain words, and the page buttons."""

from __future__ import annotations

import re
from datetime import date

from markupsafe import Markup
from telegram import Update

import handlers.awaiting as awaiting
import handlers.proposals as proposals
from bot.context import Context
from bot.domain.agenda import DayAnswer, FindAnswer
from bot.domain.errors import DomainError
from bot.domain.intents import Ask, Intent, parse_intent
from bot.domain.models import Workshop
from bot.domain.schedule import Part
from bot.reply import Reply
from bot.views import agenda as agenda_view
from bot.views import items as items_view
from bot.views.buttons import DetailsPress, PagePress
from bot.views.common import PARAGRAPHS, Renderer, pager, truncate
from handlers.common import args_text, edit, renderer, send, services
from handlers.help import help_

MAX_QUESTION = 300
_DAY_ARG = re.compile(r"^(?P<date>\d{8})(?P<part>[mae]?)$")
_PART_CODES = {Part.MORNING: "m", Part.AFTERNOON: "a", Part.EVENING: "e"}


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


async def _day_reply(
    update: Update, context: Context, answer: DayAnswer, page: int, part: Part | None = None
) -> Reply:
    s = services(context)
    r = await renderer(update, context)
    answer = s.agenda.in_part(answer, part)
    seats = await s.bookings.seats(answer.items, _user_id(update))
    title = agenda_view.part_title(r, agenda_view.day_title(r, answer.day, s.agenda.today()), part)
    pages = agenda_view.day_pages(r, answer, seats, title)
    page = min(page, len(pages) - 1)
    rows = items_view.booking_rows(r, pages[page].items, seats)
    code = _PART_CODES.get(part, "") if part else ""
    row = pager(len(pages), page, lambda n: PagePress("d", n, f"{answer.day:%Y%m%d}{code}").pack())
    return Reply(pages[page].text, tuple([*rows, row] if row else rows))


async def _room_reply(
    update: Update,
    context: Context,
    text: str,
    page: int,
    day_text: str = "",
    part: Part | None = None,
) -> Reply:
    s = services(context)
    if not day_text:
        text, day_text = await s.agenda.room_and_day(text)
    name, answer = await s.agenda.room(text, day_text)
    answer = s.agenda.in_part(answer, part)
    r = await renderer(update, context)
    seats = await s.bookings.seats(answer.items, _user_id(update))
    title = agenda_view.room_title(r, name, answer.day if day_text else None, part)
    pages = agenda_view.day_pages(r, answer, seats, title)
    page = min(page, len(pages) - 1)
    rows = items_view.booking_rows(r, pages[page].items, seats)
    stamp = f"{answer.day:%Y%m%d}" if day_text else "-"
    row = pager(len(pages), page, lambda n: PagePress("r", n, f"{stamp}:{name}").pack())
    return Reply(pages[page].text, tuple([*rows, row] if row else rows))


async def _find_reply(update: Update, context: Context, answer: FindAnswer, page: int) -> Reply:
    s = services(context)
    r = await renderer(update, context)
    seats = await s.bookings.seats(answer.items, _user_id(update))
    pages = agenda_view.find_answer(r, answer, seats)
    page = min(page, len(pages) - 1)
    row = pager(len(pages), page, lambda n: PagePress("s", n, answer.query).pack())
    rows = list(
        items_view.item_buttons(r, pages[page].items, seats) if len(pages[page].items) <= 5 else ()
    )
    return Reply(pages[page].text, tuple([*rows, row] if row else rows))


async def next_(update: Update, context: Context) -> None:
    """Tell what starts next (/next)."""
    s = services(context)
    user = update.effective_user
    answer = await s.agenda.next(user.id if user else None)
    items = list(answer.mine_now) + (list(answer.slot.items) if answer.slot else [])
    r = await renderer(update, context)
    await send(
        update,
        context,
        agenda_view.next_answer(r, answer, await s.bookings.seats(items, _user_id(update))),
    )


async def now(update: Update, context: Context) -> None:
    """Tell what is on right now (/now)."""
    s = services(context)
    answer = await s.agenda.now()
    items = list(answer.running) + (list(answer.slot.items) if answer.slot else [])
    r = await renderer(update, context)
    await send(
        update,
        context,
        agenda_view.now_answer(r, answer, await s.bookings.seats(items, _user_id(update))),
    )


async def today(update: Update, context: Context) -> None:
    """Give today's programme (/today)."""
    s = services(context)
    await send(
        update, context, await _day_reply(update, context, await s.agenda.day(s.agenda.today()), 0)
    )


async def tomorrow(update: Update, context: Context) -> None:
    """Give tomorrow's programme (/tomorrow)."""
    s = services(context)
    await send(update, context, await _day_reply(update, context, await s.agenda.tomorrow(), 0))


async def day(update: Update, context: Context) -> None:
    """Give one day's programme (/day mardi, /day 27/08)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.day_needed")
    answer = await services(context).agenda.day_named(text[:40])
    await send(update, context, await _day_reply(update, context, answer, 0))


async def room(update: Update, context: Context) -> None:
    """Give what is on in a room today (/room Chapiteau)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.room_needed")
    await send(update, context, await _room_reply(update, context, text[:100], 0))


async def search(update: Update, context: Context) -> None:
    """Search the programme (/search kayak)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.search_empty")
    answer = await services(context).agenda.find(text[:MAX_QUESTION])
    await send(update, context, await _find_reply(update, context, answer, 0))


async def workshop(update: Update, context: Context) -> None:
    """Give an item's details (/workshop <id or words>)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.workshop_needed")
    s = services(context)
    answer = await s.agenda.workshop(text[:MAX_QUESTION])
    if len(answer.items) == 1:
        await send(update, context, await _workshop_reply(update, context, answer.items[0]))
    else:
        await send(update, context, await _find_reply(update, context, answer, 0))


async def _workshop_reply(update: Update, context: Context, item: Workshop) -> Reply:
    s = services(context)
    programme = await s.programme.current()
    note = next((room.description for room in programme.rooms if room.name == item.room), "")
    r = await renderer(update, context)
    return agenda_view.workshop(r, item, await s.bookings.seats([item], _user_id(update)), note)


async def workshop_button(update: Update, context: Context) -> None:
    """Show an item's details when its button is pressed (w:<ref>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = DetailsPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    item = await services(context).agenda.by_ref(press.ref)
    reply = await _workshop_reply(update, context, item)
    await query.answer()
    await send(update, context, reply)


async def page_button(update: Update, context: Context) -> None:
    """Move a long answer to another page (pg:<view>:<page>:<arg>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = PagePress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s = services(context)
    view, page, arg = press.view, press.page, press.arg
    if view == "d":
        day_arg = _DAY_ARG.match(arg)
        if day_arg is None:
            raise DomainError("common.bad_button")
        wanted = _date_of(day_arg["date"])
        part = next((p for p, code in _PART_CODES.items() if code == day_arg["part"]), None)
        reply = await _day_reply(update, context, await s.agenda.day(wanted), page, part)
    elif view == "s":
        reply = await _find_reply(update, context, await s.agenda.find(arg), page)
    elif view == "r":
        stamp, _, name = arg.partition(":")
        day_text = "" if stamp == "-" else f"{_date_of(stamp):%Y-%m-%d}"
        reply = await _room_reply(update, context, name, page, day_text)
    else:
        raise DomainError("common.bad_button")
    await query.answer()
    await edit(update, reply)


def _date_of(stamp: str) -> date:
    """Read a YYYYMMDD stamp of a button, or refuse the button."""
    if not re.fullmatch(r"\d{8}", stamp):
        raise DomainError("common.bad_button")
    try:
        return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        raise DomainError("common.bad_button") from None


async def noop_button(update: Update, context: Context) -> None:
    """Answer a button that only shows information (the page number)."""
    assert update.callback_query is not None
    await update.callback_query.answer()


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
    intent = parse_intent(text)
    s = services(context)
    agenda = s.agenda
    if intent.ask is Ask.PROPOSE:  # Issue 14, part 1
        await (proposals.propose if private else proposals.in_group)(update, context)
    elif intent.ask is Ask.NEXT:
        await next_(update, context)
    elif intent.ask is Ask.NOW:
        await now(update, context)
    elif intent.ask in (Ask.TODAY, Ask.TOMORROW, Ask.DAY):
        if intent.ask is Ask.TODAY:
            answer = await agenda.day(agenda.today())
        elif intent.ask is Ask.TOMORROW:
            answer = await agenda.tomorrow()
        else:
            answer = await agenda.day_named(intent.subject)
        await send(update, context, await _day_reply(update, context, answer, 0, intent.part))
    elif intent.ask is Ask.HELP:
        await help_(update, context)
    elif intent.ask is Ask.HELLO:
        await send(update, context, Reply(r("help.hello")))
    elif intent.ask is Ask.THANKS:
        await send(update, context, Reply(r("help.thanks")))
    elif intent.ask in (Ask.PLACE, Ask.WHERE) and (room := await agenda.room_named(intent.subject)):
        if intent.ask is Ask.WHERE and not intent.day:
            card = await agenda.room_card(room)
            items = [*card.running, *(card.following.items if card.following else ())]
            await send(
                update,
                context,
                agenda_view.room_card(r, card, await s.bookings.seats(items, _user_id(update))),
            )
        else:
            await send(
                update,
                context,
                await _room_reply(update, context, room.name, 0, intent.day, intent.part),
            )
    elif intent.ask in (Ask.WHERE, Ask.WHEN, Ask.PLACE, Ask.SEARCH) and intent.subject:
        if intent.day or intent.part:
            await _on_day(update, context, r, intent)
        elif intent.ask in (Ask.WHERE, Ask.WHEN):
            await _where_or_when(update, context, r, intent.ask, intent.subject)
        else:
            await _search_or_shrug(update, context, r, intent.subject, text)
    else:
        await _shrug(update, context, r, text)


async def _shrug(update: Update, context: Context, r: Renderer, text: str) -> None:
    await send(
        update,
        context,
        Reply(r("help.didnt_understand", text=truncate(text.strip(), 80))),
    )


async def _search_or_shrug(
    update: Update, context: Context, r: Renderer, subject: str, text: str
) -> None:
    answer = await services(context).agenda.find(subject)
    if answer.items:
        await send(update, context, await _find_reply(update, context, answer, 0))
    else:
        await _shrug(update, context, r, text)


async def _on_day(update: Update, context: Context, r: Renderer, intent: Intent) -> None:
    """Answer about something on a day ("atelier vélo demain"), saying when it really is."""
    answer = await services(context).agenda.find_on(intent.subject, intent.day, intent.part)
    if answer.on_day:
        found = FindAnswer(answer.found.query, answer.on_day, answer.on_day)
        if intent.ask in (Ask.WHERE, Ask.WHEN):
            await _where_or_when(update, context, r, intent.ask, intent.subject, found)
        else:
            await send(update, context, await _find_reply(update, context, found, 0))
    elif not answer.found.items:
        await send(update, context, await _find_reply(update, context, answer.found, 0))
    else:
        reply = await _find_reply(update, context, answer.found, 0)
        await send(
            update,
            context,
            Reply(
                agenda_view.not_on_day(r, answer) + PARAGRAPHS + Markup(reply.text), reply.buttons
            ),
        )


async def _where_or_when(
    update: Update,
    context: Context,
    r: Renderer,
    ask: Ask,
    subject: str,
    answer: FindAnswer | None = None,
) -> None:
    s = services(context)
    answer = answer or await s.agenda.find(subject)
    # The best matches only: "where is lunch?" is about lunch, not about breakfast as well
    shown = answer.best or answer.items
    if not shown or len(shown) > 3:
        best = FindAnswer(answer.query, shown, shown) if shown else answer
        await send(update, context, await _find_reply(update, context, best, 0))
        return
    seats = await s.bookings.seats(shown, _user_id(update))
    await send(update, context, agenda_view.where_or_when(r, shown, seats, where=ask is Ask.WHERE))
