"""Chats and what is in them: button answers, files, chat and member queries, pins."""

from __future__ import annotations

from typing import Any

from bot.sandbox.api.rules import Handler, MethodGroup, Params
from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.formatting import utf16_len
from bot.sandbox.state import ADMIN_RIGHTS, DEFAULT_ADMIN_RIGHTS, GroupRecord

MAX_CALLBACK_ANSWER_LENGTH = 200
NO_PIN_RIGHTS = "not enough rights to manage pinned messages in the chat"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class ChatMethods(MethodGroup):
    """Answer button presses, file, chat and member queries, and pin messages."""

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        return {
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "pinChatMessage": self.pin_chat_message,
            "unpinChatMessage": self.unpin_chat_message,
            "unpinAllChatMessages": self.unpin_all_chat_messages,
        }

    async def answer_callback_query(self, params: Params) -> Any:
        """Answer a button press, once."""
        text = params.get("text")
        if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query_id = params["callback_query_id"]
        if self.world.open_queries.pop(query_id, None) is None:
            raise bad_request(QUERY_TOO_OLD)
        self.world.callback_answers[query_id] = {
            "text": text,
            "show_alert": bool(params.get("show_alert", False)),
            "url": params.get("url"),
            "cache_time": params.get("cache_time"),
        }
        self.world.changes.notify()
        return True

    async def get_file(self, params: Params) -> Any:
        """Answer the download path of a file."""
        stored = self.world.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file()

    async def get_chat(self, params: Params) -> Any:
        """Answer a chat's full information (a group's only to a bot in it)."""
        chat_id = self.rules.known_chat(params["chat_id"])
        group = self.world.groups.get(chat_id)
        if group is not None and not group.bot_inside:
            if group.chat["type"] == "group":
                raise bad_request("chat not found")
            raise forbidden("bot is not a member of the supergroup chat")
        chat = self.world.chat(chat_id)
        assert chat is not None
        info: dict[str, Any] = {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if group is not None:
            info["permissions"] = dict(group.permissions)
        pinned = self.world.pinned.get(chat_id)
        if pinned:
            info["pinned_message"] = self.world.message_dict(chat_id, pinned[-1], nested=False)
        return info

    async def get_chat_member(self, params: Params) -> Any:
        """Answer a person's membership of a chat."""
        chat_id = self.rules.known_chat(params["chat_id"])
        user_id = params["user_id"]
        if user_id == self.world.bot_id:
            user = self.world.sender()
        else:
            record = self.world.users.get(user_id)
            if record is None:
                raise bad_request("user not found")
            user = dict(record.user)
        group = self.world.groups.get(chat_id)
        if group is None:
            status = "member" if user_id in (chat_id, self.world.bot_id) else "left"
            return {"status": status, "user": user}
        if user_id == self.world.bot_id:
            if not group.bot_inside:  # as getChat: a group the bot is not in is not shown
                if group.chat["type"] == "group":
                    raise bad_request("chat not found")
                raise forbidden("bot is not a member of the supergroup chat")
            return bot_member(user, group)
        if user_id in group.admins:
            return _administrator(user, DEFAULT_ADMIN_RIGHTS)
        if user_id in group.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    async def pin_chat_message(self, params: Params) -> Any:
        """Pin a message."""
        chat_id = self.rules.reachable(params["chat_id"])
        self.rules.may(chat_id, "can_pin_messages", NO_PIN_RIGHTS)
        message_id = params["message_id"]
        if not self.world.message_exists(chat_id, message_id):
            raise bad_request("message to pin not found")
        pinned = self.world.pinned.setdefault(chat_id, [])
        if message_id in pinned:
            pinned.remove(message_id)
        pinned.append(message_id)
        sent = self.world.sent_by_id.get((chat_id, message_id))
        if sent is not None:
            sent.pinned = True
        self.world.changes.notify()
        return True

    async def unpin_chat_message(self, params: Params) -> Any:
        """Unpin a message, or the most recently pinned one."""
        chat_id = self.rules.reachable(params["chat_id"])
        self.rules.may(chat_id, "can_pin_messages", NO_PIN_RIGHTS)
        pinned = self.world.pinned.get(chat_id, [])
        message_id = params.get("message_id")
        if message_id is None and pinned:
            message_id = pinned[-1]
        if message_id in pinned:
            pinned.remove(message_id)
            self._unpinned(chat_id, [message_id])
        return True

    async def unpin_all_chat_messages(self, params: Params) -> Any:
        """Unpin every message of a chat."""
        chat_id = self.rules.reachable(params["chat_id"])
        self.rules.may(chat_id, "can_pin_messages", NO_PIN_RIGHTS)
        self._unpinned(chat_id, self.world.pinned.pop(chat_id, []))
        return True

    def _unpinned(self, chat_id: int, message_ids: list[int]) -> None:
        """Mark the bot's messages among these as no longer pinned."""
        for message_id in message_ids:
            sent = self.world.sent_by_id.get((chat_id, message_id))
            if sent is not None:
                sent.pinned = False
        self.world.changes.notify()


def _administrator(user: dict[str, Any], rights: frozenset[str]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": "administrator", "user": user}
    member.update({right: right in rights for right in ADMIN_RIGHTS})
    member.update(can_be_edited=False, is_anonymous=False)
    return member


def bot_member(bot: dict[str, Any], group: GroupRecord) -> dict[str, Any]:
    """Give the bot's ChatMember in a group."""
    if group.bot == "administrator":
        return _administrator(bot, group.bot_rights)
    if group.bot == "kicked":
        return {"status": "kicked", "user": bot, "until_date": 0}
    return {"status": group.bot, "user": bot}
