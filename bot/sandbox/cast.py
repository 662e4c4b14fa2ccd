"""Setting the scene: people, groups, and what people do to the bot's place in them.

Each change the bot would hear of on Telegram (added, promoted, removed, blocked, a group
upgraded) reaches it as the same update.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.sandbox.api.chats import bot_member
from bot.sandbox.state import (
    ADMIN_RIGHTS,
    DEFAULT_ADMIN_RIGHTS,
    DEFAULT_PERMISSIONS,
    SUPERGROUP_ID_LIMIT,
    GroupRecord,
    World,
)
from bot.sandbox.update_queue import UpdateQueue


class Cast:
    """The people and groups of an emulated Telegram, and the bot's membership of groups."""

    def __init__(self, world: World, updates: UpdateQueue, bot_id: int) -> None:
        self.world = world
        self.updates = updates
        self.bot_id = bot_id

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> dict[str, Any]:
        """Create a person; they must write to the bot before it may write to them."""
        if user_id <= 0:
            raise ValueError(f"a user id is positive, not {user_id}")
        if user_id in self.world.users or user_id == self.bot_id:
            raise ValueError(f"user {user_id} already exists")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self.world.add_user(user)
        return dict(user)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        bot: str = "administrator",
    ) -> dict[str, Any]:
        """Create a group (a supergroup for ids from -100...); return its Chat.

        The bot is in it as `bot` says: "administrator" (every right but promoting others),
        "member", or "left" (then `add_bot_to_group` brings it in, as a person would).
        """
        if bot not in ("administrator", "member", "left", "kicked"):
            raise ValueError(f"the bot's status in a group cannot be {bot!r}")
        if chat_id >= 0:
            raise ValueError(f"a group id is negative, not {chat_id}")
        if chat_id in self.world.groups:
            raise ValueError(f"group {chat_id} already exists")
        people = set(members) | set(admins)
        for user_id in people:
            self.user(user_id)
        self.world.add_group(chat_id, title, people, set(admins), bot)
        chat = self.world.chat(chat_id)
        assert chat is not None
        return chat

    def add_bot_to_group(self, chat_id: int, by: int) -> None:
        """Have a person add the bot to a group, as a plain member (a my_chat_member update)."""
        group = self.group(chat_id)
        if group.bot_inside:
            raise ValueError(f"the bot is already in group {chat_id}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "member", frozenset()
        self._push_bot_change(chat_id, by, old)

    def promote_bot(self, chat_id: int, by: int, *, rights: Iterable[str] | None = None) -> None:
        """Have a person make the bot an administrator (default rights unless `rights`)."""
        group = self.group(chat_id)
        if not group.bot_inside:
            raise ValueError(f"the bot is not in group {chat_id}: add_bot_to_group first")
        chosen = DEFAULT_ADMIN_RIGHTS if rights is None else frozenset(rights)
        unknown = chosen - set(ADMIN_RIGHTS)
        if unknown:
            raise ValueError(f"not administrator rights: {sorted(unknown)}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "administrator", chosen
        self._push_bot_change(chat_id, by, old)

    def demote_bot(self, chat_id: int, by: int) -> None:
        """Have a person take the bot's administrator rights away (it stays a member)."""
        group = self.group(chat_id)
        if group.bot != "administrator":
            raise ValueError(f"the bot is not an administrator of group {chat_id}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "member", frozenset()
        self._push_bot_change(chat_id, by, old)

    def remove_bot(self, chat_id: int, by: int) -> None:
        """Have a person remove the bot from a group."""
        group = self.group(chat_id)
        if not group.bot_inside:
            raise ValueError(f"the bot is not in group {chat_id}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "kicked", frozenset()
        self._push_bot_change(chat_id, by, old)

    def upgrade_group(self, chat_id: int, new_id: int, by: int) -> None:
        """Have a group become a supergroup, as Telegram does: a new chat id, the old one refused.

        The bot gets a message with migrate_to_chat_id in the group and one with
        migrate_from_chat_id in the supergroup; calls naming the group are refused with
        migrate_to_chat_id in their parameters.
        """
        group = self.group(chat_id)
        if group.chat["type"] != "group" or group.migrated_to is not None:
            raise ValueError(f"{chat_id} is not a group that can become a supergroup")
        if new_id > SUPERGROUP_ID_LIMIT or new_id in self.world.groups:
            raise ValueError(f"{new_id} cannot be the new supergroup's id (-100... and unused)")
        self.world.add_group(
            new_id, group.chat["title"], set(group.members), set(group.admins), group.bot
        )
        upgraded = self.world.groups[new_id]
        upgraded.bot_rights, upgraded.permissions = group.bot_rights, dict(group.permissions)
        if group.bot_inside:
            old_chat = self.world.chat(chat_id)
            message_id = self.world.next_message_id(chat_id)
            self.updates.push_update(
                {
                    "message": {
                        "message_id": message_id,
                        "from": self.user(by),
                        "chat": old_chat,
                        "date": self.world.timestamp(),
                        "migrate_to_chat_id": new_id,
                    }
                }
            )
            self.updates.push_update(
                {
                    "message": {
                        "message_id": self.world.next_message_id(new_id),
                        "from": self.user(by),
                        "chat": self.world.chat(new_id),
                        "date": self.world.timestamp(),
                        "migrate_from_chat_id": chat_id,
                    }
                }
            )
        group.migrated_to = new_id

    def set_group_permissions(self, chat_id: int, **permissions: bool) -> None:
        """Change what a group lets its plain members do (ChatPermissions fields)."""
        group = self.group(chat_id)
        unknown = set(permissions) - set(DEFAULT_PERMISSIONS)
        if unknown:
            raise ValueError(f"not chat permissions: {sorted(unknown)}")
        group.permissions.update(permissions)

    def _bot_member(self, group: GroupRecord) -> dict[str, Any]:
        """Give the bot's ChatMember in a group, as getChatMember and updates show it."""
        return bot_member(self.world.sender(), group)

    def _push_bot_change(self, chat_id: int, by: int, old: dict[str, Any]) -> None:
        self.updates.push_update(
            {
                "my_chat_member": {
                    "chat": self.world.chat(chat_id),
                    "from": self.user(by),
                    "date": self.world.timestamp(),
                    "old_chat_member": old,
                    "new_chat_member": self._bot_member(self.group(chat_id)),
                }
            }
        )

    def join_group(self, chat_id: int, user_id: int) -> None:
        """Make a person a member of a group."""
        self.group(chat_id).members.add(self.user(user_id)["id"])

    def block(self, user_id: int) -> None:
        """Have a person block the bot (the bot gets a my_chat_member update, as on Telegram)."""
        record = self.world.users[self.user(user_id)["id"]]
        if not record.blocked:
            record.blocked = True
            self._push_my_chat_member(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        """Have a person unblock (restart) the bot."""
        record = self.world.users[self.user(user_id)["id"]]
        if record.blocked:
            record.blocked = False
            record.started = True
            self._push_my_chat_member(user_id, "kicked", "member")

    def _push_my_chat_member(self, user_id: int, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            state: dict[str, Any] = {"status": status, "user": self.world.sender()}
            if status == "kicked":
                state["until_date"] = 0
            return state

        self.updates.push_update(
            {
                "my_chat_member": {
                    "chat": self.world.chat(user_id),
                    "from": self.user(user_id),
                    "date": self.world.timestamp(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def user(self, user_id: int) -> dict[str, Any]:
        record = self.world.users.get(user_id)
        if record is None:
            raise ValueError(f"no user {user_id}: add_user({user_id}, ...) first")
        return dict(record.user)

    def group(self, chat_id: int) -> GroupRecord:
        group = self.world.groups.get(chat_id)
        if group is None:
            raise ValueError(f"no group {chat_id}: add_group({chat_id}, ...) first")
        return group
