"""/settings: the morning digest and reminders, on or off."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.domain.errors import DomainError
from bot.views import settings as settings_view
from bot.views.buttons import SettingsPress
from handlers.common import edit, renderer, send, services


async def settings(update: Update, context: Context) -> None:
    """Show this person's settings with buttons to change them (/settings)."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    if await s.people.get(user.id) is None:
        raise DomainError("common.not_registered")
    current = await s.announcements.settings(user.id)
    quiet = s.config.announcements.quiet_hours
    await send(
        update, context, settings_view.settings(await renderer(update, context), current, quiet)
    )


async def settings_button(update: Update, context: Context) -> None:
    """Turn the digest or reminders on or off (set:<what>:<0|1>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = SettingsPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s = services(context)
    if await s.people.get(query.from_user.id) is None:
        raise DomainError("common.not_registered")
    on = press.on
    change = {press.what: on}
    new = await s.announcements.change_settings(query.from_user.id, **change)
    r = await renderer(update, context)
    await query.answer(r(f"settings.{press.what}_{'on' if on else 'off'}_done"))
    await edit(update, settings_view.settings(r, new, s.config.announcements.quiet_hours))
