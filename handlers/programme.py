"""Questions about the programme, by command, and the page buttons.

Plain words (handlers/plain_words.py) route to the same answers.
"""

from __future__ import annotations

import re
from datetime import date

from telegram import Update

from bot.context import Context
from bot.domain.agenda import DayAnswer, FindAnswer
from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.domain.schedule import Part
from bot.reply import Reply
from bot.views import agenda as agenda_view
from bot.views import items as items_view
from bot.views.buttons import DetailsPress, PagePress
from bot.views.common import pager
from handlers.common import args_text, edit, renderer, send, services

MAX_QUESTION = 300
_DAY_ARG = re.compile(r"^(?P<date>\d{8})(?P<part>[mae]?)$")
_PART_CODES = {Part.MORNING: "m", Part.AFTERNOON: "a", Part.EVENING: "e"}


def user_id(update: Update) -> int | None:
    """Give the id of the person who wrote, if any."""
    return update.effective_user.id if update.effective_user else None


async def day_reply(
    update: Update, context: Context, answer: DayAnswer, page: int, part: Part | None = None
) -> Reply:
    """Give one page of a day's programme (a part of the day if `part`)."""
    s = services(context)
    r = await renderer(update, context)
    answer = s.agenda.in_part(await s.agenda.with_cancelled(answer), part)
    title = agenda_view.part_title(r, agenda_view.day_title(r, answer.day, s.agenda.today()), part)
    pages = agenda_view.day_layout(r, answer, title, await s.agenda.cancelled_ids())
    page = min(page, len(pages) - 1)
    # Only the page sent is made, and only its items' places are read
    seats = await s.bookings.seats(pages.items(page), user_id(update))
    shown = pages.page(page, seats)
    rows = items_view.booking_rows(r, shown.items, seats, limit=None)
    row = pager(len(pages), page, lambda n: PagePress("d", n, _day_arg(answer, part)).pack())
    return Reply(shown.text, tuple([*rows, row] if row else rows))


def _day_arg(answer: DayAnswer, part: Part | None) -> str:
    """Say which day (and part) a list shows, as its page buttons carry it."""
    return f"{answer.day:%Y%m%d}{_PART_CODES.get(part, '') if part else ''}"


async def send_list(update: Update, context: Context, reply: Reply, view: str, arg: str) -> None:
    """Send the first page of a list, remembering what it shows so a press can re-render it."""
    message_id = await send(update, context, reply)
    if reply.buttons:  # a list with no button is never pressed
        await remember(update, context, message_id, view, 0, arg)


async def remember(
    update: Update, context: Context, message_id: int, view: str, page: int, arg: str
) -> None:
    """Keep which list a private message shows, for a press on it to re-render it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != "private" or user is None:
        return
    await services(context).drafts.remember_screen(user.id, message_id, view, page, arg)


async def room_reply(
    update: Update,
    context: Context,
    text: str,
    page: int,
    day_text: str = "",
    part: Part | None = None,
) -> Reply:
    """Give one page of what is on in a room (today, or on `day_text`)."""
    s = services(context)
    if not day_text:
        text, day_text = await s.rooms.room_and_day(text)
    name, answer = await s.rooms.room(text, day_text)
    answer = s.agenda.in_part(answer, part)
    r = await renderer(update, context)
    title = agenda_view.room_title(r, name, answer.day if day_text else None, part)
    pages = agenda_view.day_layout(r, answer, title, await s.agenda.cancelled_ids())
    page = min(page, len(pages) - 1)
    seats = await s.bookings.seats(pages.items(page), user_id(update))
    shown = pages.page(page, seats)
    rows = items_view.booking_rows(r, shown.items, seats, limit=None)
    stamp = f"{answer.day:%Y%m%d}" if day_text else "-"
    row = pager(len(pages), page, lambda n: PagePress("r", n, f"{stamp}:{name}").pack())
    return Reply(shown.text, tuple([*rows, row] if row else rows))


async def find_reply(update: Update, context: Context, answer: FindAnswer, page: int) -> Reply:
    """Give one page of a search's answer."""
    s = services(context)
    r = await renderer(update, context)
    pages = agenda_view.found_layout(r, answer, await s.agenda.cancelled_ids())
    page = min(page, len(pages) - 1)
    seats = await s.bookings.seats(pages.items(page), user_id(update))
    made = pages.page(page, seats)
    row = pager(len(pages), page, lambda n: PagePress("s", n, answer.query).pack())
    shown = made.items
    # A few items: details and booking side by side; more: a booking button for each one
    rows = list(
        items_view.item_buttons(r, shown, seats)
        if len(shown) <= 5
        else items_view.booking_rows(r, shown, seats, limit=None)
    )
    return Reply(made.text, tuple([*rows, row] if row else rows))


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
        agenda_view.next_answer(r, answer, await s.bookings.seats(items, user_id(update))),
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
        agenda_view.now_answer(r, answer, await s.bookings.seats(items, user_id(update))),
    )


async def send_day(
    update: Update, context: Context, answer: DayAnswer, part: Part | None = None
) -> None:
    """Send the first page of a day's programme, remembered for a press on it."""
    reply = await day_reply(update, context, answer, 0, part)
    await send_list(update, context, reply, "d", _day_arg(answer, part))


async def today(update: Update, context: Context) -> None:
    """Give today's programme (/today)."""
    s = services(context)
    await send_day(update, context, await s.agenda.day(s.agenda.today()))


async def tomorrow(update: Update, context: Context) -> None:
    """Give tomorrow's programme (/tomorrow)."""
    await send_day(update, context, await services(context).agenda.tomorrow())


async def day(update: Update, context: Context) -> None:
    """Give one day's programme (/day mardi, /day 27/08)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.day_needed")
    answer = await services(context).agenda.day_named(text[:40])
    await send_day(update, context, answer)


async def room(update: Update, context: Context) -> None:
    """Give what is on in a room today (/room Chapiteau)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.room_needed")
    await send(update, context, await room_reply(update, context, text[:100], 0))


async def search(update: Update, context: Context) -> None:
    """Search the programme (/search kayak)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.search_empty")
    answer = await services(context).agenda.find(text[:MAX_QUESTION], with_cancelled=True)
    await send_list(
        update, context, await find_reply(update, context, answer, 0), "s", answer.query
    )


async def workshop(update: Update, context: Context) -> None:
    """Give an item's details (/workshop <id or words>)."""
    text = args_text(context)
    if not text:
        raise DomainError("agenda.workshop_needed")
    s = services(context)
    answer = await s.agenda.workshop(text[:MAX_QUESTION], with_cancelled=True)
    if len(answer.items) == 1:
        await send(update, context, await _workshop_reply(update, context, answer.items[0]))
    else:
        reply = await find_reply(update, context, answer, 0)
        await send_list(update, context, reply, "s", answer.query)


async def _workshop_reply(update: Update, context: Context, item: Workshop) -> Reply:
    s = services(context)
    programme = await s.programme.current()
    note = next((room.description for room in programme.rooms if room.name == item.room), "")
    r = await renderer(update, context)
    return agenda_view.workshop(r, item, await s.bookings.seats([item], user_id(update)), note)


async def workshop_button(update: Update, context: Context) -> None:
    """Show an item's details when its button is pressed (w:<ref>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = DetailsPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    item = await services(context).agenda.by_ref(press.ref, with_cancelled=True)
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
    reply = await list_reply(update, context, press.view, press.page, press.arg)
    await query.answer()
    await edit(update, reply)
    if query.message is not None:
        await remember(update, context, query.message.message_id, press.view, press.page, press.arg)


async def list_reply(update: Update, context: Context, view: str, page: int, arg: str) -> Reply:
    """Render a page of a list again: a day (d), a search (s) or a room (r)."""
    s = services(context)
    if view == "d":
        day_arg = _DAY_ARG.match(arg)
        if day_arg is None:
            raise DomainError("common.bad_button")
        wanted = _date_of(day_arg["date"])
        part = next((p for p, code in _PART_CODES.items() if code == day_arg["part"]), None)
        reply = await day_reply(update, context, await s.agenda.day(wanted), page, part)
    elif view == "s":
        answer = await s.agenda.find(arg, with_cancelled=True)
        reply = await find_reply(update, context, answer, page)
    elif view == "r":
        stamp, _, name = arg.partition(":")
        day_text = "" if stamp == "-" else f"{_date_of(stamp):%Y-%m-%d}"
        reply = await room_reply(update, context, name, page, day_text)
    else:
        raise DomainError("common.bad_button")
    return reply


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
