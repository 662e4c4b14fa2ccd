"""The bot's place in a group: added, promoted, demoted, removed, and what it may do there."""

from __future__ import annotations

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberMember
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.sandbox import BotApiEmulator
from tests.sandbox.conftest import ALICE, GROUP

BASIC_GROUP = -4012345


async def test_getme_answers_the_bot_itself(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (emu.bot_id, emu.bot_username, True)


async def test_adding_and_promoting_the_bot_sends_my_chat_member_updates(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE], admins=[ALICE], bot="left")
    emu.cast.add_bot_to_group(GROUP, ALICE)
    emu.cast.promote_bot(GROUP, ALICE, rights={"can_manage_chat", "can_pin_messages"})
    emu.cast.demote_bot(GROUP, ALICE)
    emu.cast.remove_bot(GROUP, ALICE)

    updates = [u.my_chat_member for u in await bot.get_updates()]
    assert all(u is not None for u in updates)
    changes = [(u.old_chat_member.status, u.new_chat_member.status) for u in updates if u]
    assert changes == [
        ("left", "member"),
        ("member", "administrator"),
        ("administrator", "member"),
        ("member", "kicked"),
    ]
    first = updates[0]
    assert first is not None
    assert (first.chat.id, first.chat.type, first.chat.title) == (
        GROUP,
        "supergroup",
        "Rencontre 2026",
    )
    assert first.from_user.id == ALICE
    assert first.new_chat_member.user.id == emu.bot_id
    promoted = updates[1]
    assert promoted is not None
    admin = promoted.new_chat_member
    assert isinstance(admin, ChatMemberAdministrator)
    assert admin.can_pin_messages and admin.can_manage_chat and not admin.can_delete_messages


async def test_get_chat_member_tells_the_bots_status_and_rights(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE], bot="left")
    emu.cast.add_group(BASIC_GROUP, "Petit groupe", members=[ALICE], bot="left")
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.get_chat_member(GROUP, emu.bot_id)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat_member(BASIC_GROUP, emu.bot_id)
    emu.cast.add_bot_to_group(GROUP, ALICE)
    assert isinstance(await bot.get_chat_member(GROUP, emu.bot_id), ChatMemberMember)
    emu.cast.promote_bot(GROUP, ALICE, rights={"can_manage_chat"})
    member = await bot.get_chat_member(GROUP, emu.bot_id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_pin_messages is False
    # a person's membership is unchanged by the bot's
    assert (await bot.get_chat_member(GROUP, ALICE)).status == "member"


async def test_get_chat_gives_a_groups_permissions_only_to_a_bot_in_it(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE], bot="left")
    emu.cast.add_group(BASIC_GROUP, "Petit groupe", members=[ALICE], bot="left")
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.get_chat(GROUP)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(BASIC_GROUP)
    emu.cast.add_bot_to_group(GROUP, ALICE)
    emu.cast.set_group_permissions(GROUP, can_pin_messages=False)
    chat = await bot.get_chat(GROUP)
    assert (chat.id, chat.type, chat.title) == (GROUP, "supergroup", "Rencontre 2026")
    assert chat.permissions is not None
    assert chat.permissions.can_send_messages is True
    assert chat.permissions.can_pin_messages is False
    with pytest.raises(ValueError, match="not chat permissions"):
        emu.cast.set_group_permissions(GROUP, can_fly=True)


async def test_what_the_bot_may_do_follows_its_rights(emu: BotApiEmulator, bot: Bot) -> None:
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE], bot="left")
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(GROUP, "Bonjour")
    with pytest.raises(ValueError, match="the bot is not in group"):
        await emu.people.send_text(ALICE, "/next", chat_id=GROUP)  # it would not see it

    emu.cast.add_bot_to_group(GROUP, ALICE)
    emu.cast.set_group_permissions(GROUP, can_pin_messages=False)
    message = await bot.send_message(GROUP, "Bonjour")
    with pytest.raises(BadRequest, match="Not enough rights to manage pinned messages"):
        await bot.pin_chat_message(GROUP, message.message_id)

    emu.cast.set_group_permissions(GROUP, can_send_messages=False)
    with pytest.raises(BadRequest, match="Not enough rights to send text messages"):
        await bot.send_message(GROUP, "Encore")

    emu.cast.promote_bot(GROUP, ALICE)  # an administrator may send and pin whatever members may
    await bot.pin_chat_message(GROUP, (await bot.send_message(GROUP, "Tableau")).message_id)
    assert emu.observer.pinned(GROUP) == [message.message_id + 1]

    emu.cast.remove_bot(GROUP, ALICE)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP, "Au revoir")


async def test_the_test_side_refuses_impossible_moves(emu: BotApiEmulator) -> None:
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE])  # the bot is an administrator
    with pytest.raises(ValueError, match="already in group"):
        emu.cast.add_bot_to_group(GROUP, ALICE)
    with pytest.raises(ValueError, match="not administrator rights"):
        emu.cast.promote_bot(GROUP, ALICE, rights={"can_fly"})
    with pytest.raises(ValueError, match="cannot be 'owner'"):
        emu.cast.add_group(BASIC_GROUP, "Petit groupe", bot="owner")
    emu.cast.remove_bot(GROUP, ALICE)
    with pytest.raises(ValueError, match="not in group"):
        emu.cast.promote_bot(GROUP, ALICE)


async def test_a_group_upgraded_to_a_supergroup_changes_id(emu: BotApiEmulator, bot: Bot) -> None:
    emu.cast.add_group(BASIC_GROUP, "Petit groupe", members=[ALICE], admins=[ALICE])
    emu.cast.upgrade_group(BASIC_GROUP, GROUP, ALICE)
    updates = await bot.get_updates()
    moved = [
        (u.message.chat.id, u.message.migrate_to_chat_id, u.message.migrate_from_chat_id)
        for u in updates
        if u.message
    ]
    assert moved == [(BASIC_GROUP, GROUP, None), (GROUP, None, BASIC_GROUP)]
    with pytest.raises(ChatMigrated) as refused:
        await bot.send_message(BASIC_GROUP, "Bonjour")
    assert refused.value.new_chat_id == GROUP
    with pytest.raises(ChatMigrated):
        await bot.get_chat(BASIC_GROUP)
    chat = await bot.get_chat(GROUP)
    assert (chat.type, chat.title) == ("supergroup", "Petit groupe")
    assert isinstance(await bot.get_chat_member(GROUP, emu.bot_id), ChatMemberAdministrator)
    await bot.send_message(GROUP, "Bonjour")
    with pytest.raises(ValueError, match="is now supergroup"):
        await emu.people.send_text(ALICE, "/next", chat_id=BASIC_GROUP)
    with pytest.raises(ValueError, match="not a group that can become a supergroup"):
        emu.cast.upgrade_group(BASIC_GROUP, -1005555555555, ALICE)
