"""The command menus: everyone's, the groups', and a person's own when their role has more."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.commands import Command, for_role, in_groups
from bot.context import RencontreApp, Services
from bot.domain.models import Role
from bot.i18n import LANGUAGES

log = logging.getLogger(__name__)


def menu(services: Services, commands: list[Command], lang: str) -> list[BotCommand]:
    """Give a command menu in one language."""
    return [BotCommand(c.name, services.t.plain(lang, c.description_key)) for c in commands]


async def set_role_menu(bot: ExtBot[Any], services: Services, user_id: int) -> None:
    """Give a person their own command menu, in their language, if their role has more."""
    role = await services.roles.role(user_id)
    scope = BotCommandScopeChat(user_id)
    try:
        if role is Role.PARTICIPANT:
            # No menu of their own (everyone's), nor one left from a role they no longer have
            await bot.delete_my_commands(scope=scope)
            return
        lang = await services.people.language(user_id, None)
        await bot.set_my_commands(menu(services, for_role(role), lang), scope=scope)
    except TelegramError as exc:
        log.info("no menu for %s yet (%s): they have not started the bot", user_id, exc)


async def set_menu(app: RencontreApp) -> None:
    """Set the menus: everyone's (private chats) and the groups', in French and English."""
    services = app.bot_data.services
    everyone, groups = for_role(Role.PARTICIPANT), in_groups()
    default = services.config.event.default_language
    for lang in (*LANGUAGES, None):
        words = lang or default
        await app.bot.set_my_commands(
            menu(services, everyone, words), scope=BotCommandScopeDefault(), language_code=lang
        )
        await app.bot.set_my_commands(
            menu(services, groups, words), scope=BotCommandScopeAllGroupChats(), language_code=lang
        )
    for user_id in {*services.config.event.organisers, *await services.roles.facilitating()}:
        await set_role_menu(app.bot, services, user_id)
