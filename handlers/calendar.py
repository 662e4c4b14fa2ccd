"""/calendar (/agenda): a person's week as an .ics file, and their subscription link."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.context import Context
from bot.domain.errors import DomainError
from bot.reply import Reply
from bot.views.calendar import ics
from handlers.common import args_text, renderer, send, services

RESET = ("reset", "renouveler")
FILE_NAME = "rencontre.ics"


async def calendar(update: Update, context: Context) -> None:
    """Send the person's calendar file and link (/calendar), or a new link (/calendar reset)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    s = services(context)
    if await s.people.get(user.id) is None:
        raise DomainError("common.not_registered")
    r = await renderer(update, context)
    word = args_text(context)
    if word.casefold() in RESET:
        link = s.calendar.link(await s.calendar.reset(user.id))
        text = r("calendar.reset_done", link=link) if link else r("calendar.reset_no_web")
        await send(update, context, Reply(text))
        return
    if word:
        raise DomainError("calendar.bad_argument", word=word[:40])
    events = await s.calendar.person(user.id, user.username)
    name = r("calendar.calname", event=s.config.event.name)
    data = ics(events, name=name, tz=s.config.event.tz, now=s.clock.now(), say=r)
    await context.bot.send_document(
        chat.id,
        InputFile(data, filename=FILE_NAME),
        caption=r("calendar.caption", n=len(events)),
    )
    link = s.calendar.link(await s.calendar.token(user.id))
    if link is not None:
        await send(update, context, Reply(r("calendar.link", link=link)))
