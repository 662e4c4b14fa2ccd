"""Sending: sendMessage, sendDocument, sendChatAction."""

from __future__ import annotations

from typing import Any

from bot.sandbox.api.rules import URL, Handler, MethodGroup, Params
from bot.sandbox.errors import bad_request
from bot.sandbox.formatting import FormattedText
from bot.sandbox.records import SentDocument, SentMessage
from bot.sandbox.state import StoredFile
from bot.sandbox.wire import UploadedFile

NO_SEND_RIGHTS = "not enough rights to send text messages to the chat"
NO_DOCUMENT_RIGHTS = "not enough rights to send documents to the chat"
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


class MessageMethods(MethodGroup):
    """Send texts and documents, checked as Telegram checks them."""

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        return {
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "sendChatAction": self.send_chat_action,
        }

    async def send_message(self, params: Params) -> Any:
        """Send a text message."""
        formatted = self.rules.format(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        markup = self.rules.markup(params.get("reply_markup"))
        return self._send(params, params["text"], formatted, markup, NO_SEND_RIGHTS)

    async def send_document(self, params: Params) -> Any:
        """Send a document (uploaded, or an existing file_id)."""
        caption = params.get("caption") or ""
        formatted = self.rules.format(
            caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        markup = self.rules.markup(params.get("reply_markup"))
        stored = self._document(params["document"])
        return self._send(params, caption, formatted, markup, NO_DOCUMENT_RIGHTS, stored)

    def _send(
        self,
        params: Params,
        text: str,
        formatted: FormattedText,
        markup: dict[str, Any] | None,
        refusal: str,
        stored: StoredFile | None = None,
    ) -> dict[str, Any]:
        """Deliver a checked text or document, if the bot may write there now."""
        chat_id = self.rules.reachable(params["chat_id"])
        right = "can_send_messages" if stored is None else "can_send_documents"
        self.rules.may(chat_id, right, refusal)
        reply_to = self._reply_to(chat_id, params)
        self.flood.check(chat_id)
        message = SentMessage(
            message_id=self.world.next_message_id(chat_id),
            chat_id=chat_id,
            date=self.world.timestamp(),
            text=text,
            plain_text=formatted.text,
            parse_mode=params.get("parse_mode"),
            entities=formatted.entities,
            reply_markup=markup,
            document=SentDocument(stored.filename, stored.content) if stored else None,
            document_info=stored.document() if stored else None,
            reply_to_message_id=reply_to,
        )
        return self._deliver(message)

    def _document(self, document: UploadedFile | str) -> StoredFile:
        if isinstance(document, UploadedFile):
            return self.world.store_file(document.filename, document.content, document.content_type)
        if document in self.world.files:
            return self.world.files[document]
        if URL.fullmatch(document) and document.lower().startswith("http"):
            name = document.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self.world.store_file(name, b"")  # Telegram would download it; we cannot
        raise bad_request("wrong file identifier/HTTP URL specified")

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

    async def send_chat_action(self, params: Params) -> Any:
        """Accept a chat action ("typing"...)."""
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.rules.reachable(params["chat_id"])
        return True
