"""The emulated Telegram world: people, groups, messages, files, pending updates."""

from __future__ import annotations

import itertools
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from bot.sandbox.records import Changes, SentMessage

SUPERGROUP_ID_LIMIT = -1_000_000_000_000


@dataclass
class UserRecord:
    """A person the emulator knows; `started` once they wrote to the bot in private."""

    user: dict[str, Any]
    started: bool = False
    blocked: bool = False


# What a group lets its plain members do, as Telegram sets a new group (ChatPermissions)
DEFAULT_PERMISSIONS: dict[str, bool] = {
    "can_send_messages": True,
    "can_send_audios": True,
    "can_send_documents": True,
    "can_send_photos": True,
    "can_send_videos": True,
    "can_send_video_notes": True,
    "can_send_voice_notes": True,
    "can_send_polls": True,
    "can_send_other_messages": True,
    "can_add_web_page_previews": True,
    "can_change_info": True,
    "can_invite_users": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
# The rights an administrator may be given (ChatMemberAdministrator's can_* fields)
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
# What an administrator gets when promoted without saying otherwise
DEFAULT_ADMIN_RIGHTS = frozenset(
    {
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
    }
)


@dataclass
class GroupRecord:
    """A group or supergroup; `bot` is the bot's status there, `bot_rights` its admin rights."""

    chat: dict[str, Any]
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    bot: str = "administrator"  # "administrator", "member", "left" or "kicked"
    bot_rights: frozenset[str] = DEFAULT_ADMIN_RIGHTS
    permissions: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    migrated_to: int | None = None
    """The supergroup a group became (calls naming the group are then refused)."""

    @property
    def bot_inside(self) -> bool:
        """Say whether the bot is in the group."""
        return self.bot in ("administrator", "member")

    def bot_may(self, right: str) -> bool:
        """Say whether the bot may do something there (a ChatPermissions or admin right)."""
        if self.bot == "administrator":
            return right.startswith("can_send") or right in self.bot_rights
        return self.bot == "member" and self.permissions.get(right, False)


@dataclass(frozen=True)
class StoredFile:
    """A file Telegram keeps: sent by a person, or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str
    content: bytes
    mime_type: str

    def document(self) -> dict[str, Any]:
        """Return it as a Telegram Document."""
        return {
            "file_name": self.filename,
            "mime_type": self.mime_type,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }

    def file(self) -> dict[str, Any]:
        """Return it as a Telegram File (what getFile answers)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


class World:
    """Everything the emulated Telegram knows; methods and the test-side API share it."""

    def __init__(self, bot_user: dict[str, Any], now: Callable[[], float]) -> None:
        self.bot_user = bot_user
        self.now = now
        self.users: dict[int, UserRecord] = {}
        self.groups: dict[int, GroupRecord] = {}
        self.sent: dict[int, list[SentMessage]] = {}
        self.sent_by_id: dict[tuple[int, int], SentMessage] = {}
        self.incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted_incoming: set[tuple[int, int]] = set()
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.open_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.pinned: dict[int, list[int]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.webhook_url = ""
        self.allowed_updates: frozenset[str] | None = None
        self.poll_generation = 0
        self.waiting_polls = 0
        self.closing = False
        self.changes = Changes()
        self._message_ids: dict[int, int] = {}
        self._ids = itertools.count(1)

    @property
    def bot_id(self) -> int:
        """Return the bot's user id."""
        return int(self.bot_user["id"])

    def timestamp(self) -> int:
        """Return the current Unix time in whole seconds."""
        return int(self.now())

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id of a chat (people and bot share the sequence)."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def next_query_id(self) -> str:
        """Allocate a callback query id (numeric text, as Telegram's)."""
        return str(4_300_000_000_000_000_000 + next(self._ids))

    def sender(self) -> dict[str, Any]:
        """Return the bot as the `from` of its messages."""
        keys = ("id", "is_bot", "first_name", "username")
        return {key: self.bot_user[key] for key in keys}

    def chat(self, chat_id: int) -> dict[str, Any] | None:
        """Return the Telegram Chat for an id, or None if unknown."""
        if chat_id in self.groups:
            return dict(self.groups[chat_id].chat)
        record = self.users.get(chat_id)
        if record is None:
            return None
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if key in record.user:
                chat[key] = record.user[key]
        return chat

    def add_user(self, user: dict[str, Any]) -> None:
        """Register a person."""
        self.users[int(user["id"])] = UserRecord(user)

    def add_group(
        self, chat_id: int, title: str, members: set[int], admins: set[int], bot: str
    ) -> None:
        """Register a group (the bot in it as `bot` says)."""
        kind = "supergroup" if chat_id <= SUPERGROUP_ID_LIMIT else "group"
        chat = {"id": chat_id, "type": kind, "title": title}
        self.groups[chat_id] = GroupRecord(chat, members | admins, admins, bot)

    def add_sent(self, message: SentMessage) -> None:
        """Keep a message the bot sent."""
        self.sent.setdefault(message.chat_id, []).append(message)
        self.sent_by_id[(message.chat_id, message.message_id)] = message

    def message_exists(self, chat_id: int, message_id: int) -> bool:
        """Say whether a message (the bot's or a person's) exists and is not deleted."""
        sent = self.sent_by_id.get((chat_id, message_id))
        if sent is not None:
            return not sent.deleted
        key = (chat_id, message_id)
        return key in self.incoming and key not in self.deleted_incoming

    def message_dict(self, chat_id: int, message_id: int, *, nested: bool = True) -> dict[str, Any]:
        """Return a stored message as a Telegram Message."""
        sent = self.sent_by_id.get((chat_id, message_id))
        if sent is not None:
            return self.sent_dict(sent, nested=nested)
        message = dict(self.incoming[(chat_id, message_id)])
        if not nested:
            message.pop("reply_to_message", None)
        return message

    def sent_dict(self, message: SentMessage, *, nested: bool = True) -> dict[str, Any]:
        """Return one of the bot's messages as a Telegram Message."""
        chat = self.chat(message.chat_id)
        assert chat is not None
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.sender(),
            "chat": chat,
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if (
            nested
            and message.reply_to_message_id is not None
            and self.message_exists(message.chat_id, message.reply_to_message_id)
        ):
            result["reply_to_message"] = self.message_dict(
                message.chat_id, message.reply_to_message_id, nested=False
            )
        if message.document_info is not None:
            result["document"] = message.document_info
            if message.plain_text:
                result["caption"] = message.plain_text
                if message.entities:
                    result["caption_entities"] = message.entities
        else:
            result["text"] = message.plain_text
            if message.entities:
                result["entities"] = message.entities
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result

    def store_file(self, filename: str, content: bytes, mime_type: str | None = None) -> StoredFile:
        """Keep a file and give it ids and a download path."""
        number = next(self._ids)
        suffix = PurePosixPath(filename).suffix
        stored = StoredFile(
            file_id=f"BQACAgQAAxkBAAI{number:08d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"documents/file_{number}{suffix}",
            filename=filename,
            content=content,
            mime_type=mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates, numbering it if it has no update_id."""
        if "update_id" not in update:
            update = {"update_id": self.next_update_id, **update}
        self.next_update_id = max(self.next_update_id, int(update["update_id"]) + 1)
        self.updates.append(update)
        self.changes.notify()
        return int(update["update_id"])
