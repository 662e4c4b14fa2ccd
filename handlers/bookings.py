"""Sign-up and rota buttons, /mine, /participants and /rota."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.error import Forbidden, TelegramError

import handlers.programme as programme
from bot.context import Context
from bot.delivery import keyboard
from bot.domain.booking import Move, Target, TargetKind
from bot.domain.errors import DomainError
from bot.domain.models import Kind, Participant
from bot.ratelimit import FOLLOW_UP
from bot.reply import Reply
from bot.services.people import language_for
from bot.views import agenda as agenda_view
from bot.views import bookings as bookings_view
from bot.views import children as children_view
from bot.views import favourites as favourites_view
from bot.views import items as items_view
from bot.views import rota as rota_view
from bot.views.buttons import BookingOp, BookingPress, KeepPress
from bot.views.common import Renderer, truncate
from handlers.common import args_text, edit, refresh_buttons, renderer, send, services
from handlers.errors import refused

ROTA, MINE = "rota", "mine"
"""The lists a /rota and a /mine message show, as remembered for a press on them to re-render."""


def person_of(user: User) -> Participant:
    """Describe a Telegram user as a participant (registered on their first press)."""
    return Participant(
        user.id, user.first_name, user.last_name, user.username, language_for(user.language_code)
    )


async def button(update: Update, context: Context) -> None:
    """Act on a sign-up, cancel, switch, offer or take button (b:<op>:<ref>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if KeepPress.parse(query.data) is not None:
        await query.answer()
        await edit(update, Reply((await renderer(update, context))("bookings.kept")))
        return
    press = BookingPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    op, arg = press.op, press.arg
    if op is BookingOp.OFFER:
        await _offer(update, context, arg)
        return
    if op is BookingOp.TAKE_OFFER:
        await _take(update, context, arg)
        return
    user = query.from_user
    bookings = services(context).bookings
    kind = op.kind
    # The service is called before anything else is awaited: presses keep their arrival order
    if op.move == "s":
        move = await bookings.sign_up(user.id, kind, arg, person=person_of(user))
    elif op.move == "c":
        move = await bookings.cancel(user.id, kind, arg)
    else:
        move = await bookings.switch(user.id, kind, arg, person=person_of(user))
    r = await renderer(update, context)
    if move.clash:
        await _offer_switch(update, context, r, move)
    elif move.cancelled:
        await query.answer(truncate(bookings_view.switched(r, move), 200))
        await edit(update, Reply(bookings_view.switched(r, move, html=True)), refresh=True)
    else:
        await query.answer(truncate(bookings_view.move(r, move), 200))
        if not await _refresh_list(update, context, r):
            await _refresh_buttons(update, context, r, move.standing.target)
    await notify_promoted(context, move)


async def _offer_switch(update: Update, context: Context, r: Renderer, move: Move) -> None:
    query = update.callback_query
    assert query is not None
    reply = bookings_view.clash(r, move)
    try:
        await context.bot.send_text(query.from_user.id, reply.text, api_kwargs=keyboard(reply))
    except Forbidden:
        # Never started the bot: the alert is all they can get
        first = move.clash[0]
        alert = r.plain("bookings.clash_alert", title=move.standing.target.title, other=first.title)
        await query.answer(truncate(alert, 200), show_alert=True)
        return
    await query.answer(r("bookings.clash_toast"))


async def _refresh_list(update: Update, context: Context, r: Renderer) -> bool:
    """Re-render the whole list the pressed message shows, if it is one; tell whether it was."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return False
    screen = await services(context).drafts.screen(query.from_user.id, message.message_id)
    if screen is None:
        return False
    view, page, arg = screen
    if view == ROTA:
        reply = await _rota_reply(context, r, query.from_user.id, _stamp_day(arg))
    elif view == MINE:
        reply = bookings_view.mine(r, await services(context).bookings.agenda(query.from_user.id))
    else:
        reply = await programme.list_reply(update, context, view, page, arg)
    await edit(update, reply, refresh=True)
    return True


def _stamp_day(stamp: str) -> date:
    try:
        return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        raise DomainError("common.bad_button") from None


async def _refresh_buttons(update: Update, context: Context, r: Renderer, target: Target) -> None:
    """In a private chat, show the new state on the pressed message's button for this target."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return
    keyboard = message.reply_markup
    if keyboard is None or target.kind is not TargetKind.WORKSHOP:
        return
    s = services(context)
    item = await s.agenda.by_id(target.id)
    seats = await s.bookings.seats([item], query.from_user.id)
    only = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    # An item's card: its booking button and its "remind me" button, nothing else
    if all(isinstance(d, str) and d.endswith(target.ref) and not d.startswith("w:") for d in only):
        # A workshop's details: show its new places and button together
        programme = await s.programme.current()
        note = next((x.description for x in programme.rooms if x.name == item.room), "")
        await edit(update, agenda_view.workshop(r, item, seats, note), refresh=True)
        return
    rows = []
    for row in keyboard.inline_keyboard:
        new_row = []
        for b in row:
            data = b.callback_data if isinstance(b.callback_data, str) else ""
            press = BookingPress.parse(data)
            if (
                press
                and press.op in (BookingOp.SIGN_UP, BookingOp.CANCEL)
                and press.arg == target.ref
            ):
                others = [b for b in row if not str(b.callback_data).startswith("fav:")]
                fresh = items_view.booking_button(
                    r, item, seats, titled=items_view.titled(len(others))
                )
                if fresh is not None:
                    new_row.append(b.__class__(fresh.label, callback_data=fresh.data))
                continue
            new_row.append(b)
        if new_row:
            rows.append(tuple(new_row))
    new = InlineKeyboardMarkup(tuple(rows))
    if new != keyboard:
        try:
            await refresh_buttons(query, new)
        except TelegramError as exc:
            await refused(update, context, exc, "could not refresh the buttons")


async def notify_promoted(context: Context, move: Move) -> None:
    """Send the news of promotions, queued in the outbox with the move itself."""
    if move.promoted:
        services(context).outbox.wake()


async def _offer(update: Update, context: Context, code: str) -> None:
    query = update.callback_query
    assert query is not None
    s = services(context)
    target, offer = await s.rota.offer(query.from_user.id, code)
    r = await renderer(update, context)
    await query.answer(truncate(r.plain("bookings.offer_posted", title=target.title), 200))
    group = s.config.event.announce_chat_id
    if group is None:
        return
    lang = s.config.event.default_language
    post = rota_view.offer(
        Renderer(s.t, lang, s.config.event.tz), target, offer, query.from_user.first_name
    )
    message_id = await context.bot.send_text(group, post.text, api_kwargs=keyboard(post))
    await s.rota.posted(offer.id, group, message_id)


async def _take(update: Update, context: Context, offer_id: str) -> None:
    query = update.callback_query
    assert query is not None
    if not offer_id.isdigit():
        raise DomainError("common.bad_button")
    user = query.from_user
    s = services(context)
    target, offer = await s.rota.take(user.id, int(offer_id), person=person_of(user))
    r = await renderer(update, context)
    await query.answer(truncate(r.plain("bookings.took", title=target.title), 200))
    name = user.first_name
    if offer.chat_id is not None and offer.message_id is not None:
        lang = s.config.event.default_language
        done = s.t(lang, "bookings.offer_done", name=name)
        try:
            await context.bot.edit_text(
                offer.chat_id, offer.message_id, done, rate_limit_args=FOLLOW_UP
            )
        except TelegramError as exc:
            await refused(update, context, exc, "could not mark the offer taken")
    giver_lang = await s.people.language(offer.user_id, None)
    text = s.t(giver_lang, "bookings.your_slot_taken", name=name, title=target.title)
    try:
        await context.bot.send_text(offer.user_id, text, rate_limit_args=FOLLOW_UP)
    except TelegramError as exc:
        await refused(update, context, exc, f"could not tell {offer.user_id} their slot was taken")


async def mine(update: Update, context: Context) -> None:
    """Show this person's week: what comes, by day, and how much is already past (/mine)."""
    user = update.effective_user
    assert user is not None
    entries = await services(context).bookings.agenda(user.id)
    reply = bookings_view.mine(await renderer(update, context), entries)
    message_id = await send(update, context, reply)
    if reply.buttons:
        await programme.remember(update, context, message_id, MINE, 0, "")


async def participants(update: Update, context: Context) -> None:
    """List who comes to an item: for its facilitators and the organisers (/participants)."""
    user = update.effective_user
    assert user is not None
    text = args_text(context)
    if not text:
        raise DomainError("bookings.participants_needed")
    s = services(context)
    item, ins, waiting = await s.bookings.participants(user.id, text[:200])
    r = await renderer(update, context)
    interested = (await s.favourites.interested([item])).get(item.id, 0)  # favourites
    if item.kind is Kind.KIDS:  # the kids' club: each child, their age, the parent to see
        kids_in, kids_waiting = await s.children.roster(item)
        shown = children_view.roster(r, item, kids_in, kids_waiting)
    else:
        shown = bookings_view.participants(r, item, ins, waiting)
    await send(update, context, Reply(shown + "\n" + favourites_view.interested(r, interested)))


async def rota(update: Update, context: Context) -> None:
    """Show the rota (/rota); for organisers, its gaps and fairness (/rota gaps, /rota fairness)."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    r = await renderer(update, context)
    word = args_text(context).lower()
    if word in (
        "gaps",
        "trous",
        "manques",
        "fairness",
        "equite",
        "équité",
        "repartition",
        "répartition",
    ):
        if word in ("gaps", "trous", "manques"):
            await send(update, context, Reply(rota_view.gaps(r, await s.rota.gaps(user.id))))
        else:
            await send(
                update, context, Reply(rota_view.fairness(r, await s.rota.fairness(user.id)))
            )
        return
    if word:
        raise DomainError("bookings.rota_unknown", text=truncate(word, 40))
    today = s.agenda.today()
    message_id = await send(update, context, await _rota_reply(context, r, user.id, today))
    await programme.remember(update, context, message_id, ROTA, 0, f"{today:%Y%m%d}")


async def _rota_reply(context: Context, r: Renderer, user_id: int, day: date) -> Reply:
    """Render the rota of a day and the next."""
    s = services(context)
    slots = await s.rota.rota([day, day + timedelta(days=1)])
    return rota_view.rota(r, slots, await s.rota.open_offers(), user_id)
