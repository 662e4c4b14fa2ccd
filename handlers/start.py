"""/start, /lang and the organisation question."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.domain.errors import DomainError
from bot.menus import set_role_menu
from bot.reply import Reply
from bot.views import start as start_view
from bot.views.buttons import LanguagePress, OrganisationPress
from bot.views.common import truncate
from handlers.common import edit, renderer, send, services


async def start(update: Update, context: Context) -> None:
    """Register the person and greet them in their language."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    person, new = await s.people.register(
        user.id, user.first_name, user.last_name, user.username, user.language_code
    )
    r = await renderer(update, context)
    name = person.first_name
    if context.args:
        # A facilitator's invitation link: t.me/<bot>?start=<token>
        _, items = await s.roles.redeem(context.args[0], user.id)
        await s.announcements.replan({user.id})
        await send(update, context, start_view.welcome_facilitator(r, name, items))
        await set_role_menu(context.bot, s, user.id)
        return
    await set_role_menu(context.bot, s, user.id)
    first = new or person.organisation is None
    await send(update, context, start_view.greeting(r, name, s.config.event.name, first=first))
    if s.people.organisations and person.organisation is None:
        # The greeting answered them: the optional question may wait for others' answers
        await send(
            update,
            context,
            start_view.ask_organisation(r, s.people.organisations),
            follow_up=True,
        )


async def organisation_chosen(update: Update, context: Context) -> None:
    """Record the organisation a person pressed (org:<index> or org:-)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = OrganisationPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    organisation = await services(context).people.choose_organisation(
        query.from_user.id, press.index
    )
    r = await renderer(update, context)
    # The toast answers at once; the question's message follows after others' answers
    await query.answer(truncate(start_view.organisation_toast(r, organisation), 200))
    await edit(update, start_view.organisation_chosen(r, organisation), refresh=True)


async def lang(update: Update, context: Context) -> None:
    """Offer the two languages, or set one given as argument (/lang en)."""
    user = update.effective_user
    assert user is not None
    if context.args:
        await services(context).people.choose_language(user.id, context.args[0].lower()[:5])
        await set_role_menu(context.bot, services(context), user.id)  # in their language now
        await send(update, context, Reply((await renderer(update, context))("lang.chosen")))
        return
    await send(update, context, start_view.choose_language(await renderer(update, context)))


async def lang_chosen(update: Update, context: Context) -> None:
    """Set the language pressed (lang:fr or lang:en)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = LanguagePress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    await services(context).people.choose_language(query.from_user.id, press.code)
    await set_role_menu(context.bot, services(context), query.from_user.id)  # in their language
    r = await renderer(update, context)
    await query.answer()
    await edit(update, Reply(r("lang.chosen")))
