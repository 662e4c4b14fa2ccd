"""/propose: a participant proposes a session; the organisers approve, move or decline it.

The proposer's answers are a draft kept by the service (a restart forgets nothing); the
organisers' buttons are on the card the outbox sends them. Who may decide is checked by the
service, where the action happens.
"""

from __future__ import annotations

from telegram import Update

import handlers.awaiting as awaiting
from bot.context import Context
from bot.domain.errors import DomainError
from bot.domain.proposals import Draft
from bot.reply import Reply
from bot.services.proposal_decisions import DECLINE_FLOW
from bot.services.proposal_slots import SlotTaken
from bot.services.proposals import FLOW
from bot.views import proposals as view
from bot.views.buttons import ProposalPress, ProposePress
from bot.views.common import Renderer
from handlers.common import edit, renderer, send, services


async def propose(update: Update, context: Context) -> None:
    """Start a proposal (/propose, /proposer, or plain words)."""
    user = update.effective_user
    assert user is not None
    await services(context).proposals.begin(user.id)
    await send(update, context, view.ask_title(await renderer(update, context)))


async def _rooms(context: Context) -> list[str]:
    """List the rooms by name: a slot's button carries the code of one of them."""
    return sorted(room.name for room in (await services(context).programme.current()).rooms)


def _next_step(r: Renderer, draft: Draft) -> Reply:
    """Give the message that asks for what the draft needs next."""
    if draft.step == "description":
        return view.ask_description(r, draft)
    if draft.step == "minutes":
        return view.durations_menu(r)
    if draft.step == "language":
        return view.language_menu(r)
    return view.preview(r, draft)


@awaiting.reader(FLOW)
async def typed(update: Update, context: Context, text: str) -> None:
    """Read the title, the description or the number of places the proposal waits for."""
    user = update.effective_user
    assert user is not None
    draft = await services(context).proposals.typed(user.id, text)
    r = await renderer(update, context)
    await send(update, context, _next_step(r, draft))


async def button(update: Update, context: Context) -> None:
    """Move through the proposer's steps (pp:...)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = ProposePress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s, r, user_id = services(context), await renderer(update, context), query.from_user.id
    proposals = s.proposals
    if press.op == "no":
        await proposals.abandon(user_id)
        await query.answer()
        await edit(update, Reply(r("proposals.abandoned")))
        return
    if press.op == "d":
        _, slots = await proposals.duration(user_id, int(press.arg or 0))
        reply = view.slots_menu(r, slots)
    elif press.op in ("at", "org"):
        slot = None
        if press.op == "at":
            slot = view.read_slot(press.arg or "", await _rooms(context))
            if slot is None:
                raise DomainError("common.stale_button")
        try:
            await proposals.when(user_id, slot)
        except SlotTaken:
            await _slot_taken(update, context, r)
            return
        reply = view.places_menu(r)
    elif press.op == "c":
        await proposals.places(user_id, int(press.arg or 0) or None)
        reply = view.language_menu(r)
    elif press.op == "l":
        draft = await proposals.language(user_id, press.arg or "")
        reply = view.preview(r, draft)
    else:
        try:
            submitted = await proposals.submit(user_id)
        except SlotTaken:
            await _slot_taken(update, context, r)
            return
        p = submitted.proposal
        if submitted.approved:
            reply = view.guide(r, await s.agenda.by_id(p.item_id or ""))
        else:
            reply = Reply(r("proposals.submitted"))
        s.outbox.wake()
    await query.answer()
    await edit(update, reply)


async def _slot_taken(update: Update, context: Context, r: Renderer) -> None:
    """Say the slot was taken meanwhile, and offer the free ones again (the draft is kept)."""
    query = update.callback_query
    assert query is not None
    s = services(context)
    slots = await s.proposals.rechoose(query.from_user.id)
    await query.answer(r.plain("proposals.slot_taken"), show_alert=True)
    await edit(update, view.slots_menu(r, slots))


async def decide(update: Update, context: Context) -> None:
    """Approve, move or decline a proposal from its card (pr:...); organisers only."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = ProposalPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s, r, user_id = services(context), await renderer(update, context), query.from_user.id
    decisions = s.proposal_decisions
    if press.op == "no":
        p = await decisions.ask_reason(user_id, press.proposal_id)
        await query.answer()
        # The reason is read in private chat, even when the card is in the organisers' group
        ask = r("proposals.ask_reason", title=p.title, name=p.proposer_name)
        await context.bot.send_text(user_id, ask)
        return
    if press.op == "mv" or (press.op == "ok" and not await decisions.has_slot(press.proposal_id)):
        p, slots = await decisions.move_slots(user_id, press.proposal_id)
        await query.answer()
        await send(update, context, view.move_menu(r, p, slots))
        return
    slot = None
    if press.op == "at":
        slot = view.read_slot(press.slot or "", await _rooms(context))
        if slot is None:
            await decisions.pending(user_id, press.proposal_id)  # a non-organiser hears that
            raise DomainError("common.stale_button")
    p = await decisions.approve(user_id, press.proposal_id, slot)
    s.outbox.wake()
    await query.answer()
    await edit(update, view.card(r, p) if press.op == "ok" else view.approved(r, p))
    if press.op == "at":
        return
    await send(update, context, view.approved(r, p))


@awaiting.reader(DECLINE_FLOW)
async def reason(update: Update, context: Context, text: str) -> None:
    """Read the reason of a decline, and decline."""
    user = update.effective_user
    assert user is not None
    s = services(context)
    p = await s.proposal_decisions.decline(user.id, text)
    s.outbox.wake()
    r = await renderer(update, context)
    await send(update, context, Reply(r("proposals.declined", name=p.proposer_name)))


async def in_group(update: Update, context: Context) -> None:
    """Answer plain words asking to propose, said in a group: that is for a private chat."""
    r = await renderer(update, context)
    await send(update, context, Reply(r("proposals.group_hint")))
