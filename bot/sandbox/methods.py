"""The Bot API methods the emulator implements, with Telegram's refusals.

Each handler gets parameters already converted to their spec types and answers a result or
raises ApiError. A handler changes state without awaiting in between, so checks (flood
control included) and effects cannot interleave with another call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import bot.sandbox.errors as errors
from bot.sandbox.errors import bad_request, conflict, forbidden
from bot.sandbox.flood import FloodControl, counts_as_message
from bot.sandbox.formatting import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    EntityParseError,
    FormattedText,
    parse_html,
    trim,
    utf16_len,
)
from bot.sandbox.records import SentDocument, SentMessage
from bot.sandbox.spec import ApiSpec
from bot.sandbox.state import ADMIN_RIGHTS, DEFAULT_ADMIN_RIGHTS, GroupRecord, StoredFile, World
from bot.sandbox.wire import UploadedFile

logger = logging.getLogger(__name__)

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
_URL = re.compile(r"(?:https?|tg)://\S+", re.IGNORECASE)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
NO_SEND_RIGHTS = "not enough rights to send text messages to the chat"
NO_PIN_RIGHTS = "not enough rights to manage pinned messages in the chat"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def produces_message(method: str) -> bool:
    """Say whether a method sends or edits a message (what flood control counts)."""
    return counts_as_message(method)


def scope_key(scope: dict[str, Any] | None) -> str:
    """Return the key under which a command scope's commands are stored."""
    scope = scope or {"type": "default"}
    key = {name: scope[name] for name in ("type", "chat_id", "user_id") if name in scope}
    return json.dumps(key, sort_keys=True)


class BotApiMethods:
    """Answer Bot API calls against a World."""

    def __init__(self, world: World, spec: ApiSpec, flood: FloodControl) -> None:
        self.world = world
        self.spec = spec
        self.flood = flood
        self._handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.trivial,
            "close": self.trivial,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "getUpdates": self.get_updates,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getFile": self.get_file,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "pinChatMessage": self.pin_chat_message,
            "unpinChatMessage": self.unpin_chat_message,
            "unpinAllChatMessages": self.unpin_all_chat_messages,
            "sendChatAction": self.send_chat_action,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
        }

    def implements(self, method: str) -> bool:
        """Say whether the method has a real implementation (its result is checked)."""
        return method in self._handlers

    async def call(self, method: str, params: Params) -> Any:
        """Run one call whose parameters passed the spec check."""
        handler = self._handlers.get(method)
        if handler is not None:
            return await handler(params)
        if produces_message(method) and "chat_id" in params:
            chat_id = self._reachable(params["chat_id"])
            self.flood.check(chat_id)
            self.flood.record(chat_id)
        logger.info("%s is not emulated; answering true to %s", method, params)
        return True

    # --- chats and people ---------------------------------------------------------------

    def _known_chat(self, chat_id: int | str) -> int:
        if isinstance(chat_id, str) or self.world.chat(chat_id) is None:
            raise bad_request("chat not found")
        group = self.world.groups.get(chat_id)
        if group is not None and group.migrated_to is not None:
            raise errors.upgraded(group.migrated_to)
        return chat_id

    def _reachable(self, chat_id: int | str) -> int:
        """Return the chat id the bot may write to, or refuse as Telegram does."""
        if chat_id == self.world.bot_id:
            raise forbidden("bot can't send messages to bots")
        chat = self._known_chat(chat_id)
        record = self.world.users.get(chat)
        if record is not None:
            if record.blocked:
                raise forbidden("bot was blocked by the user")
            if not record.started:
                raise forbidden("bot can't initiate conversation with a user")
        group = self.world.groups.get(chat)
        if group is not None and not group.bot_inside:
            kind = f"{group.chat['type']} chat"
            if group.bot == "kicked":
                raise forbidden(f"bot was kicked from the {kind}")
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def _may(self, chat_id: int, right: str, refusal: str) -> None:
        """Refuse what the bot has no right to do in a group, as Telegram does."""
        group = self.world.groups.get(chat_id)
        if group is not None and not group.bot_may(right):
            raise bad_request(refusal)

    # --- text, captions, keyboards ------------------------------------------------------

    def _format(
        self,
        text: str,
        parse_mode: str | None,
        entities: list[dict[str, Any]] | None,
        *,
        caption: bool = False,
    ) -> FormattedText:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request("strings must be encoded in UTF-8") from None
        mode = (parse_mode or "").strip().lower()
        if mode not in ("", "html", "markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
        if entities:
            formatted = FormattedText(text, [dict(e) for e in entities])
        elif mode == "html":
            try:
                formatted = parse_html(text, self._user_for_mention)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        else:
            # Markdown and MarkdownV2 are accepted but not parsed: the text is kept as sent.
            formatted = FormattedText(text)
        formatted = trim(formatted)
        length = utf16_len(formatted.text)
        if caption:
            if length > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        elif length == 0:
            raise bad_request("message text is empty")
        elif length > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return formatted

    def _user_for_mention(self, user_id: int) -> dict[str, Any] | None:
        record = self.world.users.get(user_id)
        return dict(record.user) if record else None

    def _markup(self, markup: dict[str, Any] | None) -> dict[str, Any] | None:
        """Check buttons as Telegram does; an empty inline keyboard means no keyboard."""
        if markup is None:
            return None
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return markup
        for row in keyboard:
            for button in row:
                self._check_button(button)
        if not any(keyboard):
            return None
        return markup

    def _check_button(self, button: dict[str, Any]) -> None:
        actions = sorted(k for k in self.spec.button_actions if button.get(k) is not None)
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if len(actions) > 1:
            raise bad_request(
                "can't parse inline keyboard button: exactly one of the optional fields must "
                f"be used, found {', '.join(actions)}"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(data.encode("utf-8", "surrogatepass")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not _URL.fullmatch(url):
            raise bad_request("BUTTON_URL_INVALID")

    def _reply_to(self, chat_id: int, params: Params) -> int | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        message_id = int(reply["message_id"])
        if self.world.message_exists(chat_id, message_id):
            return message_id
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _deliver(self, message: SentMessage) -> dict[str, Any]:
        self.world.add_sent(message)
        self.flood.record(message.chat_id)
        self.world.changes.notify()
        return self.world.sent_dict(message)

    # --- bot, webhook, updates ----------------------------------------------------------

    async def get_me(self, params: Params) -> Any:
        """Answer getMe."""
        return dict(self.world.bot_user)

    async def trivial(self, params: Params) -> Any:
        """Answer true."""
        return True

    async def set_webhook(self, params: Params) -> Any:
        """Remember the webhook URL (getUpdates then refuses, as on Telegram)."""
        self.world.webhook_url = params["url"]
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def delete_webhook(self, params: Params) -> Any:
        """Forget the webhook, and the pending updates if asked."""
        self.world.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        """Answer getWebhookInfo."""
        return {
            "url": self.world.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = self.world.allowed_updates
        kept = []
        for update in self.world.updates:
            kind = next((key for key in update if key != "update_id"), "")
            if (kind in allowed) if allowed else (kind not in _NOT_DELIVERED_BY_DEFAULT):
                kept.append(update)
        return kept

    async def _wait_for_updates(self, generation: int, seconds: float) -> None:
        world = self.world

        def woken() -> bool:
            superseded = world.poll_generation != generation
            return bool(self._deliverable()) or superseded or world.closing

        world.waiting_polls += 1
        world.changes.notify()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await world.changes.wait_for(woken)
        finally:
            world.waiting_polls -= 1
            world.changes.notify()

    async def get_updates(self, params: Params) -> Any:
        """Long-poll: answer at once if updates wait, else when one arrives or at timeout."""
        world = self.world
        if world.webhook_url:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        if "allowed_updates" in params:
            world.allowed_updates = frozenset(params["allowed_updates"]) or None
        offset = params.get("offset", 0)
        if offset > 0:
            world.updates = [u for u in world.updates if u["update_id"] >= offset]
        elif offset < 0:
            world.updates = world.updates[offset:]
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = max(params.get("timeout", 0), 0)
        world.poll_generation += 1
        generation = world.poll_generation
        world.changes.notify()  # an older poll still waiting is now superseded
        if not self._deliverable() and timeout > 0:
            await self._wait_for_updates(generation, timeout)
            if world.poll_generation != generation:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )
        deliverable = self._deliverable()
        world.updates = deliverable  # updates of types not asked for are dropped
        return deliverable[:limit]

    # --- messages -----------------------------------------------------------------------

    async def send_message(self, params: Params) -> Any:
        """Send a text message."""
        formatted = self._format(params["text"], params.get("parse_mode"), params.get("entities"))
        markup = self._markup(params.get("reply_markup"))
        chat_id = self._reachable(params["chat_id"])
        self._may(chat_id, "can_send_messages", NO_SEND_RIGHTS)
        reply_to = self._reply_to(chat_id, params)
        self.flood.check(chat_id)
        message = SentMessage(
            message_id=self.world.next_message_id(chat_id),
            chat_id=chat_id,
            date=self.world.timestamp(),
            text=params["text"],
            plain_text=formatted.text,
            parse_mode=params.get("parse_mode"),
            entities=formatted.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self._deliver(message)

    async def send_document(self, params: Params) -> Any:
        """Send a document (uploaded, or an existing file_id)."""
        caption = params.get("caption") or ""
        formatted = self._format(
            caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        markup = self._markup(params.get("reply_markup"))
        stored = self._document(params["document"])
        chat_id = self._reachable(params["chat_id"])
        self._may(chat_id, "can_send_documents", "not enough rights to send documents to the chat")
        reply_to = self._reply_to(chat_id, params)
        self.flood.check(chat_id)
        message = SentMessage(
            message_id=self.world.next_message_id(chat_id),
            chat_id=chat_id,
            date=self.world.timestamp(),
            text=caption,
            plain_text=formatted.text,
            parse_mode=params.get("parse_mode"),
            entities=formatted.entities,
            reply_markup=markup,
            document=SentDocument(stored.filename, stored.content),
            document_info=stored.document(),
            reply_to_message_id=reply_to,
        )
        return self._deliver(message)

    def _document(self, document: UploadedFile | str) -> StoredFile:
        if isinstance(document, UploadedFile):
            return self.world.store_file(document.filename, document.content, document.content_type)
        if document in self.world.files:
            return self.world.files[document]
        if _URL.fullmatch(document) and document.lower().startswith("http"):
            name = document.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self.world.store_file(name, b"")  # Telegram would download it; we cannot
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _editable(self, params: Params) -> SentMessage:
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message to edit not found")
        chat_id = self._reachable(params["chat_id"])
        key = (chat_id, params["message_id"])
        message = self.world.sent_by_id.get(key)
        if message is None or message.deleted:
            if self.world.message_exists(*key):
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

    def _apply_edit(
        self,
        message: SentMessage,
        formatted: FormattedText | None,
        raw_text: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        unchanged_text = formatted is None or (
            formatted.text == message.plain_text and formatted.entities == message.entities
        )
        if unchanged_text and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        self.flood.check(message.chat_id)
        message.edits.append(message.snapshot())
        if formatted is not None and raw_text is not None:
            message.text = raw_text
            message.plain_text = formatted.text
            message.entities = formatted.entities
            message.parse_mode = parse_mode
        message.reply_markup = markup
        message.edit_date = self.world.timestamp()
        self.flood.record(message.chat_id)
        self.world.changes.notify()
        return self.world.sent_dict(message)

    async def edit_message_text(self, params: Params) -> Any:
        """Edit a message's text; without reply_markup its inline keyboard goes, as on Telegram."""
        formatted = self._format(params["text"], params.get("parse_mode"), params.get("entities"))
        markup = self._markup(params.get("reply_markup"))
        message = self._editable(params)
        if message.document is not None:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(
            message, formatted, params["text"], params.get("parse_mode"), markup
        )

    async def edit_message_caption(self, params: Params) -> Any:
        """Edit a document's caption."""
        caption = params.get("caption") or ""
        formatted = self._format(
            caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        markup = self._markup(params.get("reply_markup"))
        message = self._editable(params)
        if message.document is None:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(message, formatted, caption, params.get("parse_mode"), markup)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        """Replace (or remove) a message's inline keyboard."""
        markup = self._markup(params.get("reply_markup"))
        message = self._editable(params)
        return self._apply_edit(message, None, None, None, markup)

    async def delete_message(self, params: Params) -> Any:
        """Delete a message (the bot's, or a person's in a group)."""
        chat_id = self._known_chat(params["chat_id"])
        key = (chat_id, params["message_id"])
        if not self.world.message_exists(*key):
            raise bad_request("message to delete not found")
        sent = self.world.sent_by_id.get(key)
        if sent is not None:
            sent.deleted = True
            sent.pinned = False
        else:
            self.world.deleted_incoming.add(key)
        pinned = self.world.pinned.get(chat_id, [])
        if key[1] in pinned:
            pinned.remove(key[1])
        self.world.changes.notify()
        return True

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

    # --- commands, descriptions ---------------------------------------------------------

    def _scope_key(self, scope: dict[str, Any] | None) -> str:
        if scope is not None and "chat_id" in scope:
            self._known_chat(scope["chat_id"])
        return scope_key(scope)

    async def set_my_commands(self, params: Params) -> Any:
        """Store the command list of a scope and language."""
        commands = params["commands"]
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        if commands:
            self.world.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.world.commands.pop(key, None)
        self.world.changes.notify()
        return True

    async def get_my_commands(self, params: Params) -> Any:
        """Answer the command list of a scope and language."""
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        return list(self.world.commands.get(key, []))

    async def delete_my_commands(self, params: Params) -> Any:
        """Forget the command list of a scope and language."""
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.world.commands.pop(key, None)
        self.world.changes.notify()
        return True

    async def set_my_description(self, params: Params) -> Any:
        """Store the bot's description."""
        key = ("description", params.get("language_code") or "")
        self.world.descriptions[key] = params.get("description") or ""
        return True

    async def get_my_description(self, params: Params) -> Any:
        """Answer the bot's description."""
        key = ("description", params.get("language_code") or "")
        return {"description": self.world.descriptions.get(key, "")}

    async def set_my_short_description(self, params: Params) -> Any:
        """Store the bot's short description."""
        key = ("short_description", params.get("language_code") or "")
        self.world.descriptions[key] = params.get("short_description") or ""
        return True

    async def get_my_short_description(self, params: Params) -> Any:
        """Answer the bot's short description."""
        key = ("short_description", params.get("language_code") or "")
        return {"short_description": self.world.descriptions.get(key, "")}

    # --- files, chats, members, pins, actions -------------------------------------------

    async def get_file(self, params: Params) -> Any:
        """Answer the download path of a file."""
        stored = self.world.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file()

    async def get_chat(self, params: Params) -> Any:
        """Answer a chat's full information (a group's only to a bot in it)."""
        chat_id = self._known_chat(params["chat_id"])
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
        chat_id = self._known_chat(params["chat_id"])
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
        chat_id = self._reachable(params["chat_id"])
        self._may(chat_id, "can_pin_messages", NO_PIN_RIGHTS)
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
        chat_id = self._reachable(params["chat_id"])
        self._may(chat_id, "can_pin_messages", NO_PIN_RIGHTS)
        pinned = self.world.pinned.get(chat_id, [])
        message_id = params.get("message_id")
        if message_id is None and pinned:
            message_id = pinned[-1]
        if message_id in pinned:
            pinned.remove(message_id)
            sent = self.world.sent_by_id.get((chat_id, message_id))
            if sent is not None:
                sent.pinned = False
            self.world.changes.notify()
        return True

    async def unpin_all_chat_messages(self, params: Params) -> Any:
        """Unpin every message of a chat."""
        chat_id = self._reachable(params["chat_id"])
        self._may(chat_id, "can_pin_messages", NO_PIN_RIGHTS)
        for message_id in self.world.pinned.pop(chat_id, []):
            sent = self.world.sent_by_id.get((chat_id, message_id))
            if sent is not None:
                sent.pinned = False
        self.world.changes.notify()
        return True

    async def send_chat_action(self, params: Params) -> Any:
        """Accept a chat action ("typing"...)."""
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._reachable(params["chat_id"])
        return True


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
