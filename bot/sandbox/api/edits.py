"""Changing sent messages: the editMessage* methods and deleteMessage."""

from __future__ import annotations

from typing import Any

from bot.sandbox.api.rules import Handler, MethodGroup, Params
from bot.sandbox.errors import bad_request
from bot.sandbox.formatting import FormattedText
from bot.sandbox.records import SentMessage

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class EditMethods(MethodGroup):
    """Edit and delete messages, refusing what Telegram refuses."""

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        return {
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
        }

    def _editable(self, params: Params) -> SentMessage:
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message to edit not found")
        chat_id = self.rules.reachable(params["chat_id"])
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
        formatted = self.rules.format(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        markup = self.rules.markup(params.get("reply_markup"))
        message = self._editable(params)
        if message.document is not None:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(
            message, formatted, params["text"], params.get("parse_mode"), markup
        )

    async def edit_message_caption(self, params: Params) -> Any:
        """Edit a document's caption."""
        caption = params.get("caption") or ""
        formatted = self.rules.format(
            caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        markup = self.rules.markup(params.get("reply_markup"))
        message = self._editable(params)
        if message.document is None:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(message, formatted, caption, params.get("parse_mode"), markup)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        """Replace (or remove) a message's inline keyboard."""
        markup = self.rules.markup(params.get("reply_markup"))
        message = self._editable(params)
        return self._apply_edit(message, None, None, None, markup)

    async def delete_message(self, params: Params) -> Any:
        """Delete a message (the bot's, or a person's in a group)."""
        chat_id = self.rules.known_chat(params["chat_id"])
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
