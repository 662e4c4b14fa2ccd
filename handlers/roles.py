"""Organisers' tools for roles: /invites (and /invites revoke) and /facilitator."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.domain.errors import DomainError
from bot.menus import set_role_menu
from bot.reply import Reply
from bot.views import roles as roles_view
from handlers.common import args_text, renderer, send, services

REVOKE = ("revoke", "révoquer", "revoquer")


async def invites(update: Update, context: Context) -> None:
    """Give each facilitator's invitation link (/invites); /invites revoke <name> revokes one's."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    words = args_text(context).split(maxsplit=1)
    if words and words[0].lower() in REVOKE:
        await _revoke(update, context, words[1] if len(words) > 1 else "")
        return
    if words:
        await s.roles.require_organiser(user.id)
        raise DomainError("roles.invites_usage")
    found = await s.roles.invites(user.id)
    r = await renderer(update, context)
    if not found:
        await send(update, context, Reply(r("roles.no_facilitators")))
        return
    await send(update, context, roles_view.invites(r, found, context.bot.username))


async def _revoke(update: Update, context: Context, name: str) -> None:
    """Revoke a facilitator's unused invitation links: /invites revoke <name>."""
    user = update.effective_user
    assert user is not None
    facilitator, count = await services(context).roles.revoke(user.id, name[:200])
    r = await renderer(update, context)
    key = "roles.revoked" if count else "roles.revoked_none"
    await send(update, context, Reply(r(key, name=facilitator, n=count)))


async def facilitator(update: Update, context: Context) -> None:
    """Add or remove a facilitator of an item: /facilitator add|remove <@person> <item>."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    await s.roles.require_organiser(user.id)
    words = args_text(context).split(maxsplit=2)
    if len(words) < 3 or words[0].lower() not in ("add", "ajouter", "remove", "retirer"):
        raise DomainError("roles.facilitator_usage")
    add = words[0].lower() in ("add", "ajouter")
    person = await s.roles.find_person(words[1])
    found = await s.agenda.workshop(words[2][:200])
    if len(found.items) != 1:
        raise DomainError("roles.which_item", text=words[2][:80])
    item = found.items[0]
    await s.roles.set_facilitator(user.id, item, person.user_id, add=add)
    await s.announcements.replan({person.user_id})
    await set_role_menu(context.bot, s, person.user_id)
    r = await renderer(update, context)
    key = "roles.facilitator_added" if add else "roles.facilitator_removed"
    await send(update, context, Reply(r(key, person=person.display_name, title=item.title)))
