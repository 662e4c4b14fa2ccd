"""/broadcast (write, choose the audience, preview, confirm), /notice and /notices.

The draft is the service's (kept in the database) under a short random tag that every button
of the flow carries: a button from an older draft is stale; one from before a restart still
works, until the draft expires.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Update

import handlers.awaiting as awaiting
from bot.context import Context
from bot.domain.audience import AudienceKind
from bot.domain.errors import DomainError
from bot.i18n import Count
from bot.reply import Reply
from bot.services.broadcasts import (
    ASK_ITEM,
    FLOW,
    MAX_TEXT,
    Audience,
    BroadcastDraft,
)
from bot.views import broadcasts as view
from bot.views.buttons import BroadcastPress
from bot.views.common import truncate
from handlers.common import edit, renderer, send, services


def _after_command(update: Update) -> str:
    """Give what follows the command, new lines kept."""
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def broadcast(update: Update, context: Context) -> None:
    """Start a broadcast: take the text given, or ask for it (/broadcast)."""
    services(context).broadcasts.require_organiser(_user_id(update))
    text = _after_command(update)
    if text.strip():
        await _got_text(update, context, text)
        return
    await services(context).broadcasts.ask_text(_user_id(update))
    r = await renderer(update, context)
    await send(update, context, Reply(r("broadcast.ask_text", limit=Count(MAX_TEXT))))


@awaiting.reader(FLOW)
async def read_text(update: Update, context: Context, text: str) -> None:
    """Take the text of a broadcast, then offer the audiences."""
    await _got_text(update, context, text)


async def _got_text(update: Update, context: Context, text: str) -> None:
    s = services(context)
    draft = await s.broadcasts.write(_user_id(update), text)
    r = await renderer(update, context)
    await send(update, context, view.audiences(r, draft.tag, s.broadcasts.audience.offered()))


@awaiting.reader(ASK_ITEM)
async def read_item(update: Update, context: Context, text: str) -> None:
    """Find the workshop whose people the broadcast goes to."""
    s = services(context)
    user_id = _user_id(update)
    draft = await s.broadcasts.draft(user_id)
    items = await s.broadcasts.audience.items_matching(user_id, text[:100])
    r = await renderer(update, context)
    if not items:
        await s.broadcasts.keep(user_id, draft, ask_item=True)
        query = truncate(text.strip(), 60)
        await send(update, context, Reply(r("broadcast.item_not_found", query=query)))
        return
    if len(items) == 1:
        draft = replace(draft, audience=Audience(AudienceKind.ITEM, items[0].id))
        await s.broadcasts.keep(user_id, draft)
        await send(update, context, await _preview(update, context, draft))
        return
    await send(update, context, view.choose_item(r, draft.tag, items))


async def _preview(update: Update, context: Context, draft: BroadcastDraft) -> Reply:
    """Show the message as people will read it, who gets it, and Send / Cancel."""
    s = services(context)
    assert draft.audience is not None
    found = await s.broadcasts.audience.recipients(_user_id(update), draft.audience)
    r = await renderer(update, context)
    if not found.chat_ids:
        await s.broadcasts.drop(_user_id(update))
        return Reply(r("broadcast.nobody"))
    label = await s.broadcasts.audience.label(draft.audience, r.lang)
    return view.preview(r, draft, label, len(found.chat_ids), found.unreachable)


async def button(update: Update, context: Context) -> None:
    """Act on a broadcast button (bc:<op>:<tag>[:<arg>])."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = BroadcastPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s = services(context)
    user_id = query.from_user.id
    s.broadcasts.require_organiser(user_id)
    op, arg = press.op, press.arg or ""
    draft = await s.broadcasts.draft(user_id, press.tag)
    r = await renderer(update, context)
    if op == "no":
        await s.broadcasts.drop(user_id)
        await query.answer()
        await edit(update, Reply(r("broadcast.cancelled")))
        return
    if op == "a":
        kind = AudienceKind(arg)
        if kind not in s.broadcasts.audience.offered():
            raise DomainError("common.stale_button")
        if kind is AudienceKind.ITEM:
            await s.broadcasts.keep(user_id, draft, ask_item=True)
            await query.answer()
            await edit(update, view.ask_item(r, draft.tag))
            return
        if kind is AudienceKind.ORGANISATION:
            await query.answer()
            await edit(update, view.choose_organisation(r, draft.tag, s.people.organisations))
            return
        draft = replace(draft, audience=Audience(kind))
    elif op == "o":
        if int(arg) >= len(s.people.organisations):
            raise DomainError("common.stale_button")
        organisation = s.people.organisations[int(arg)]
        draft = replace(draft, audience=Audience(AudienceKind.ORGANISATION, organisation))
    elif op == "i":
        item = await s.broadcasts.audience.item_by_ref(user_id, arg)
        draft = replace(draft, audience=Audience(AudienceKind.ITEM, item.id))
    else:
        await _confirm(update, context, draft, sure=op == "sure")
        return
    await s.broadcasts.keep(user_id, draft)
    await query.answer()
    await edit(update, await _preview(update, context, draft))


async def _confirm(update: Update, context: Context, draft: BroadcastDraft, *, sure: bool) -> None:
    """Send the draft (taking it: a second press sends nothing); everyone asks twice first."""
    query = update.callback_query
    assert query is not None
    s = services(context)
    r = await renderer(update, context)
    if draft.audience is None:
        raise DomainError("common.stale_button")
    if draft.audience.kind is AudienceKind.ALL and not sure:
        found = await s.broadcasts.audience.recipients(query.from_user.id, draft.audience)
        await s.broadcasts.keep(query.from_user.id, draft)  # a step: its expiry starts again
        await query.answer()
        await edit(update, view.sure(r, draft.tag, len(found.chat_ids)))
        return
    if sure and draft.audience.kind is not AudienceKind.ALL:
        raise DomainError("common.bad_button")
    message = query.message
    await s.broadcasts.send(
        query.from_user.id,
        draft.text,
        draft.audience,
        language=r.lang,
        progress_chat=message.chat.id if message is not None else None,
        progress_message=message.message_id if message is not None else None,
        draft_tag=draft.tag,
    )
    await query.answer(r("broadcast.started"))


async def notice(update: Update, context: Context) -> None:
    """Post a notice to the group and pin it (/notice <text>)."""
    s = services(context)
    s.broadcasts.require_organiser(_user_id(update))
    text = _after_command(update)
    r = await renderer(update, context)
    if not text.strip():
        await send(update, context, Reply(r("broadcast.notice_usage")))
        return
    await s.broadcasts.notice(_user_id(update), text, request=f"u{update.update_id}")
    await send(update, context, Reply(r("broadcast.notice_queued")))


async def notices(update: Update, context: Context) -> None:
    """List the notices still current (/notices)."""
    current = await services(context).broadcasts.notices()
    r = await renderer(update, context)
    await send(update, context, view.notices(r, [(n.created_at, n.text) for n in current]))
