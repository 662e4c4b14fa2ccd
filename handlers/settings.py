"""/settings: the morning digest and reminders, on or off."""

from __future__ import annotations

import re

from telegram import Update

from bot.app import Context
from bot.domain.errors import DomainError
from bot.domain.planning import PersonSettings
from bot.render import Renderer
from bot.reply import Button, Reply
from handlers.common import edit, renderer, send, services

_BUTTON = re.compile(r"^set:(?P<what>digest|reminders):(?P<on>[01])$")


def _reply(r: Renderer, settings: PersonSettings, quiet: str | None) -> Reply:
    state = {True: r("settings.on"), False: r("settings.off")}
    text = r("settings.title", digest=state[settings.digest], reminders=state[settings.reminders])
    if quiet:
        start, _, end = quiet.partition("-")
        text += "\n" + r("settings.quiet", start=start.strip(), end=end.strip())
    buttons = (
        (
            Button(
                r("settings.digest_off" if settings.digest else "settings.digest_on"),
                f"set:digest:{int(not settings.digest)}",
            ),
        ),
        (
            Button(
                r("settings.reminders_off" if settings.reminders else "settings.reminders_on"),
                f"set:reminders:{int(not settings.reminders)}",
            ),
        ),
    )
    return Reply(text, buttons)


async def settings(update: Update, context: Context) -> None:
    """Show this person's settings with buttons to change them (/settings)."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    if await s.people.get(user.id) is None:
        raise DomainError("common.not_registered")
    current = await s.announcements.settings(user.id)
    quiet = s.config.announcements.quiet_hours
    await send(update, context, _reply(await renderer(update, context), current, quiet))


async def settings_button(update: Update, context: Context) -> None:
    """Turn the digest or reminders on or off (set:<what>:<0|1>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = _BUTTON.match(query.data)
    if match is None:
        raise DomainError("common.bad_button")
    s = services(context)
    if await s.people.get(query.from_user.id) is None:
        raise DomainError("common.not_registered")
    on = match["on"] == "1"
    change = {match["what"]: on}
    new = await s.announcements.change_settings(query.from_user.id, **change)
    r = await renderer(update, context)
    await query.answer(r(f"settings.{match['what']}_{'on' if on else 'off'}_done"))
    await edit(update, _reply(r, new, s.config.announcements.quiet_hours))
