"""/start, /lang and the organisation question."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.domain.errors import DomainError
from bot.menus import set_role_menu
from bot.reply import Button, Reply
from bot.views.common import NL, html
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
        titles = NL.join(html("• {}", w.title) for w in items)
        await send(update, context, Reply(r("roles.welcome_facilitator", name=name, titles=titles)))
        await set_role_menu(context.bot, s, user.id)
        return
    await set_role_menu(context.bot, s, user.id)
    if new or person.organisation is None:
        await send(
            update,
            context,
            Reply(r("start.greeting", name=name, event=s.config.event.name)),
        )
    else:
        await send(update, context, Reply(r("start.welcome_back", name=name)))
    if s.people.organisations and person.organisation is None:
        rows = [(Button(org, f"org:{i}"),) for i, org in enumerate(s.people.organisations)]
        rows.append((Button(r("start.skip"), "org:-"),))
        await send(update, context, Reply(r("start.ask_organisation"), tuple(rows)))


async def organisation_chosen(update: Update, context: Context) -> None:
    """Record the organisation a person pressed (org:<index> or org:-)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.removeprefix("org:")
    if choice != "-" and not choice.isdigit():
        raise DomainError("common.bad_button")
    organisation = await services(context).people.choose_organisation(
        query.from_user.id, None if choice == "-" else int(choice)
    )
    r = await renderer(update, context)
    if organisation is None:
        text = r("start.organisation_skipped")
    else:
        text = r("start.organisation_saved", organisation=organisation)
    await query.answer()
    await edit(update, Reply(text))


async def lang(update: Update, context: Context) -> None:
    """Offer the two languages, or set one given as argument (/lang en)."""
    user = update.effective_user
    assert user is not None
    if context.args:
        await services(context).people.choose_language(user.id, context.args[0].lower()[:5])
        await set_role_menu(context.bot, services(context), user.id)  # in their language now
        await send(update, context, Reply((await renderer(update, context))("lang.chosen")))
        return
    r = await renderer(update, context)
    buttons = ((Button(r("lang.button_fr"), "lang:fr"), Button(r("lang.button_en"), "lang:en")),)
    await send(update, context, Reply(r("lang.choose"), buttons))


async def lang_chosen(update: Update, context: Context) -> None:
    """Set the language pressed (lang:fr or lang:en)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await services(context).people.choose_language(
        query.from_user.id, query.data.removeprefix("lang:")
    )
    await set_role_menu(context.bot, services(context), query.from_user.id)  # in their language
    r = await renderer(update, context)
    await query.answer()
    await edit(update, Reply(r("lang.chosen")))
