"""/change: a facilitator (or an organiser) moves, delays, resizes, cancels or annotates an item.

Choose the item, then what changes, then see a preview and confirm. Nothing counts before the
confirmation; the service checks the permission again when it acts. The draft is the service's
(kept in the database, so Confirm still works after a restart, until it expires).
"""

from __future__ import annotations

from telegram import Update

import handlers.awaiting as awaiting
from bot.context import Context
from bot.domain.changes import Change, ChangeKind
from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.reply import Reply
from bot.services.changes import FLOW as CHANGE_FLOW
from bot.views import audit as audit_view
from bot.views import changes as changes_view
from bot.views.buttons import ChangeAnswer, ChangePress
from bot.views.common import Renderer
from handlers.common import args_text, edit, renderer, send, services

_KINDS = {
    "room": ChangeKind.ROOM,
    "shift": ChangeKind.SHIFT,
    "late": ChangeKind.LATE,
    "cap": ChangeKind.CAPACITY,
    "cancel": ChangeKind.CANCEL,
    "note": ChangeKind.NOTE,
}


async def change(update: Update, context: Context) -> None:
    """Start a change: pick one of your items (/change [words])."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    r = await renderer(update, context)
    words = args_text(context)
    if words:
        found = await s.agenda.workshop(words[:200])
        if len(found.items) == 1:
            item = await s.changes.item(user.id, found.items[0].id)
            await send(update, context, changes_view.kinds_menu(r, item))
            return
    items = await s.changes.changeable(user.id)
    if not items:
        raise DomainError("change.nothing_to_change")
    if words:
        wanted = {w.id for w in (await s.agenda.workshop(words[:200])).items}
        items = [w for w in items if w.id in wanted] or items
    await send(update, context, changes_view.items_menu(r, items))


async def button(update: Update, context: Context) -> None:
    """Move through the change flow (ch:...)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    answer, press = ChangeAnswer.parse(query.data), ChangePress.parse(query.data)
    if answer is None and press is None:
        raise DomainError("common.bad_button")
    s = services(context)
    r = await renderer(update, context)
    user_id = query.from_user.id
    if answer is not None and answer.answer == "no":
        await s.changes.abandon(user_id)
        await query.answer()
        await edit(update, Reply(r("change.abandoned")))
        return
    if answer is not None:
        preview = await s.changes.confirm(user_id, share=answer.answer == "sh")
        await query.answer()
        await edit(update, Reply(r("change.done", told=preview.told)))
        s.outbox.wake()
        return
    assert press is not None
    item = await s.changes.item(user_id, (await s.agenda.by_ref(press.ref)).id)
    op, arg = press.op, press.arg
    if op == "i":
        await edit(update, changes_view.kinds_menu(r, item))
    elif op == "k":
        kind = _KINDS.get(arg or "")
        if kind is None:
            raise DomainError("common.bad_button")
        await _ask_value(update, context, r, item, kind)
    elif op == "t":
        await s.changes.ask(user_id, item.id, ChangeKind.ROOM)
        await edit(update, Reply(r("change.type_room_prompt")))
    elif op == "p":
        page = int(arg) if arg and arg.isdigit() else 0
        await s.changes.ask(user_id, item.id, ChangeKind.ROOM)
        await edit(update, changes_view.rooms_menu(r, item, await _rooms(context), page))
    elif op == "r":
        rooms = await _rooms(context)
        if not arg or not arg.isdigit() or int(arg) >= len(rooms):
            raise DomainError("common.stale_button")
        await _preview(
            update, context, r, Change(item.id, ChangeKind.ROOM, rooms[int(arg)]), edit_it=True
        )
    elif op in ("s", "l"):
        kind = ChangeKind.SHIFT if op == "s" else ChangeKind.LATE
        await _preview(update, context, r, Change(item.id, kind, arg or ""), edit_it=True)
    # Answered once the step is shown: a refusal above is answered with its own alert
    await query.answer()


async def _ask_value(
    update: Update, context: Context, r: Renderer, item: Workshop, kind: ChangeKind
) -> None:
    if kind is ChangeKind.CANCEL:
        await _preview(update, context, r, Change(item.id, kind), edit_it=True)
        return
    # Every step but a cancellation also reads a typed value (a room, a time, a number, a note)
    assert update.effective_user is not None
    await services(context).changes.ask(update.effective_user.id, item.id, kind)
    if kind is ChangeKind.ROOM:
        await edit(update, changes_view.rooms_menu(r, item, await _rooms(context), 0))
    elif kind in (ChangeKind.SHIFT, ChangeKind.LATE):
        await edit(update, changes_view.minutes_menu(r, item, kind))
    else:
        key = "change.type_capacity" if kind is ChangeKind.CAPACITY else "change.type_note"
        await edit(update, Reply(r(key)))


async def _rooms(context: Context) -> list[str]:
    """List the rooms by name: a room button carries its place in this list."""
    return sorted(room.name for room in (await services(context).programme.current()).rooms)


async def _preview(
    update: Update, context: Context, r: Renderer, draft: Change, *, edit_it: bool
) -> None:
    s = services(context)
    user = update.effective_user
    assert user is not None
    reply = changes_view.change_preview(r, await s.changes.propose(user.id, draft))
    if edit_it:
        await edit(update, reply)
    else:
        await send(update, context, reply)


@awaiting.reader(CHANGE_FLOW)
async def typed_value(update: Update, context: Context, text: str) -> None:
    """Read the room, the new time, the number of places or the note a change waits for.

    A value that cannot be used is refused and the flow keeps waiting for another one.
    """
    user = update.effective_user
    assert user is not None
    s = services(context)
    draft = await s.changes.draft(user.id)
    r = await renderer(update, context)
    try:
        value = text
        if draft.kind is ChangeKind.ROOM:
            room = await s.rooms.room_named(text[:200])
            value = room.name if room is not None else text
        elif draft.kind in (ChangeKind.SHIFT, ChangeKind.LATE):
            value = await s.changes.read_when(user.id, draft, text[:200])
        await _preview(update, context, r, Change(draft.item_id, draft.kind, value), edit_it=False)
    except DomainError:
        await s.changes.ask(user.id, draft.item_id, draft.kind)
        raise


async def audit_log(update: Update, context: Context) -> None:
    """Show the newest changes to the organisers (/log)."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    entries = await s.changes.log(user.id)
    r = await renderer(update, context)
    names = {}
    for e in entries:
        person = await s.people.get(e.user_id)
        names[e.user_id] = person.display_name if person else str(e.user_id)
    await send(update, context, audit_view.audit_log(r, entries, names))
