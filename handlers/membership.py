"""The bot added to a group, promoted, restricted or removed: the organisers are told."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.context import Context
from bot.domain.membership import GroupChange, lacks
from handlers.common import services

log = logging.getLogger(__name__)


async def changed(update: Update, context: Context) -> None:
    """Tell the organisers the group's chat id and what the bot still lacks there."""
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return  # a person blocking or restarting the bot, a channel: nothing to set up
    new = change.new_chat_member
    permissions = None
    if new.status == "member":
        # A plain member may pin only if the group lets every member do it
        try:
            full = await context.bot.get_chat(chat.id)
        except TelegramError as exc:
            log.warning("could not read the permissions of group %d: %s", chat.id, exc)
        else:
            permissions = full.permissions.to_dict() if full.permissions else None
    group = GroupChange(
        chat.id,
        chat.title or str(chat.id),
        change.old_chat_member.status,
        new.status,
        lacks(new.status, new.to_dict(), permissions),
    )
    await services(context).membership.bot_changed(str(update.update_id), group)


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup (a new chat id): tell the organisers the new line."""
    message = update.effective_message
    if message is None or message.migrate_from_chat_id is None:
        return  # the old group's half of the move: the new supergroup's half tells it
    chat = message.chat
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
        full = await context.bot.get_chat(chat.id)
    except TelegramError as exc:
        log.warning(
            "group %d became %d; its rights could not be read: %s",
            message.migrate_from_chat_id,
            chat.id,
            exc,
        )
        status, rights, permissions = "member", {}, None
    else:
        status, rights = member.status, member.to_dict()
        permissions = full.permissions.to_dict() if full.permissions else None
    group = GroupChange(
        chat.id,
        chat.title or str(chat.id),
        status,
        status,
        lacks(status, rights, permissions),
        moved_from=message.migrate_from_chat_id,
    )
    await services(context).membership.bot_changed(str(update.update_id), group)
