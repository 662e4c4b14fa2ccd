"""The kids' club: /children (/enfants), its buttons, the typed first names and ages."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import Forbidden

import handlers.awaiting as awaiting
from bot.context import Context
from bot.delivery import keyboard
from bot.domain.children import Child
from bot.domain.errors import DomainError
from bot.reply import Reply
from bot.services.children import AGE, NAME
from bot.views import children as view
from bot.views.buttons import KidsPress
from bot.views.common import Renderer, truncate
from handlers.bookings import person_of
from handlers.common import edit, renderer, send, services


async def children(update: Update, context: Context) -> None:
    """Show a parent's children and their sign-ups, with buttons to add or change (/children)."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    await s.drafts.drop(user.id, "children")
    r = await renderer(update, context)
    await send(update, context, view.family(r, await s.children.family(user.id)))


async def button(update: Update, context: Context) -> None:
    """Act on a kids' club button (kid:<op>...)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = KidsPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    message = query.message
    private = isinstance(message, Message) and message.chat.type == "private"
    if press.op == "who":
        await _for_whom(update, context, press, private=private)
        return
    if not private:
        raise DomainError("common.bad_button")  # only ever offered in a private chat
    user = query.from_user
    s = services(context)
    r = await renderer(update, context)
    if press.op in ("in", "out"):
        assert press.ref is not None and press.child is not None
        # The service is called before anything else is awaited: presses keep their order
        if press.op == "in":
            done = await s.children.sign_up(user.id, press.ref, press.child)
        else:
            done = await s.children.cancel(user.id, press.ref, press.child)
        said = view.move(r, done)
        await query.answer(truncate(said.unescape(), 200))
        if view.changed(done):
            s.outbox.wake()  # a place given back may have promoted the next child
            question = await s.children.for_whom(user.id, press.ref)
            await edit(update, view.for_whom(r, question))
        else:
            await send(update, context, Reply(said))
        return
    # Each step acts first: a refusal answers the press with its reason (handlers/errors.py)
    if press.op == "list":
        await s.drafts.drop(user.id, "children")
        await query.answer()
        await edit(update, view.family(r, await s.children.family(user.id)))
    elif press.op == "add":
        await s.children.ask_name(user.id)
        await query.answer()
        await send(update, context, view.ask_name(r, None))
    elif press.op == "set":
        assert press.child is not None and press.age is not None
        child = await s.children.age_chosen(person_of(user), press.child or None, press.age)
        await query.answer()
        await _done(update, context, r, child, "children.aged" if press.child else "children.added")
    else:
        assert press.child is not None
        await _about_child(update, context, r, press.op, press.child)
        await query.answer()


async def _about_child(
    update: Update, context: Context, r: Renderer, op: str, child_id: int
) -> None:
    user = update.effective_user
    assert user is not None
    s = services(context)
    if op == "ed":
        await edit(update, view.menu(r, await s.children.child(user.id, child_id)))
    elif op == "nm":
        child = await s.children.child(user.id, child_id)
        await s.children.ask_name(user.id, child_id)
        await send(update, context, view.ask_name(r, child))
    elif op == "ag":
        child = await s.children.ask_age(user.id, child_id)
        await send(update, context, view.ask_age(r, child.first_name, child.id))
    elif op == "del":
        await edit(update, view.confirm_remove(r, await s.children.child(user.id, child_id)))
    else:  # "rm"
        child = await s.children.remove(user.id, child_id)
        s.outbox.wake()
        await edit(update, Reply(r("children.removed", name=child.first_name)))


async def _done(update: Update, context: Context, r: Renderer, child: Child, key: str) -> None:
    """Say what was noted, then show the list as it is now."""
    user = update.effective_user
    assert user is not None
    await send(update, context, Reply(r(key, name=child.first_name, age=child.age)))
    await send(update, context, view.family(r, await services(context).children.family(user.id)))


async def _for_whom(update: Update, context: Context, press: KidsPress, *, private: bool) -> None:
    """Ask for whom: in the private chat, never in the group (children's names stay there)."""
    query = update.callback_query
    assert query is not None and press.ref is not None
    user = query.from_user
    s = services(context)
    question = await s.children.for_whom(user.id, press.ref)
    r = await renderer(update, context)
    reply = view.for_whom(r, question)
    if private:
        await query.answer()
        await send(update, context, reply)
        return
    try:
        await context.bot.send_text(user.id, reply.text, api_kwargs=keyboard(reply))
    except Forbidden:
        await query.answer(r.plain("children.write_first"), show_alert=True)
        return
    await query.answer(r.plain("children.see_private"))


@awaiting.reader(NAME)
async def typed_name(update: Update, context: Context, text: str) -> None:
    """Read a child's first name; a bad one is refused and the flow waits for another."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    r = await renderer(update, context)
    found = await s.children.name_typed(person_of(user), text[:1000])
    if isinstance(found, str):
        await send(update, context, view.ask_age(r, found, None))
    else:
        await _done(update, context, r, found, "children.renamed")


@awaiting.reader(AGE)
async def typed_age(update: Update, context: Context, text: str) -> None:
    """Read a child's age; a bad one is refused and the flow waits for another."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    r = await renderer(update, context)
    draft = await s.drafts.get(user.id, "children")
    was_new = draft is not None and draft.body.get("child_id") is None
    child = await s.children.age_typed(person_of(user), text[:100])
    await _done(update, context, r, child, "children.added" if was_new else "children.aged")
