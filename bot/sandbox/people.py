"""What people do: write, send files, edit their texts, press the bot's buttons."""

from __future__ import annotations

from typing import Any

from bot.sandbox.cast import Cast
from bot.sandbox.formatting import detect_entities
from bot.sandbox.state import World
from bot.sandbox.update_queue import UpdateQueue


class People:
    """Turn what a person does into the update the bot receives."""

    def __init__(self, world: World, cast: Cast, updates: UpdateQueue) -> None:
        self.world = world
        self.cast = cast
        self.updates = updates

    def _chat_for(self, user_id: int, chat_id: int | None) -> dict[str, Any]:
        """Return the chat a person writes in, checking they can write there."""
        self.cast.user(user_id)
        record = self.world.users[user_id]
        if chat_id is None or chat_id == user_id:
            if record.blocked:
                raise ValueError(f"user {user_id} blocked the bot: unblock({user_id}) first")
            record.started = True
            chat = self.world.chat(user_id)
        else:
            group = self.cast.group(chat_id)
            if user_id not in group.members:
                raise ValueError(f"user {user_id} is not a member of group {chat_id}")
            if not group.bot_inside:
                raise ValueError(f"the bot is not in group {chat_id}: it would not see this")
            if group.migrated_to is not None:
                raise ValueError(f"group {chat_id} is now supergroup {group.migrated_to}")
            chat = self.world.chat(chat_id)
        assert chat is not None
        return chat

    def _incoming(self, user_id: int, chat_id: int | None, content: dict[str, Any]) -> int:
        chat = self._chat_for(user_id, chat_id)
        message_id = self.world.next_message_id(chat["id"])
        message = {
            "message_id": message_id,
            "from": self.cast.user(user_id),
            "chat": chat,
            "date": self.world.timestamp(),
            **content,
        }
        self.world.incoming[(chat["id"], message_id)] = message
        self.updates.push_update({"message": message})
        return message_id

    async def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> int:
        """Have a person send a text (in private unless chat_id), maybe as a reply to a message
        of that chat (Telegram's "Reply"); return its message_id."""
        content: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            chat = self._chat_for(user_id, chat_id)
            if not self.world.message_exists(chat["id"], reply_to):
                raise ValueError(f"no message {reply_to} in chat {chat['id']} to reply to")
            content["reply_to_message"] = self.world.message_dict(
                chat["id"], reply_to, nested=False
            )
        return self._incoming(user_id, chat_id, content)

    async def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        mime_type: str | None = None,
    ) -> int:
        """Have a person send a file; the bot can getFile and download it."""
        stored = self.world.store_file(filename, content, mime_type)
        message: dict[str, Any] = {"document": stored.document()}
        if caption:
            message["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                message["caption_entities"] = entities
        return self._incoming(user_id, chat_id, message)

    async def edit_text(
        self, user_id: int, message_id: int, new_text: str, chat_id: int | None = None
    ) -> None:
        """Have a person edit one of their texts (the bot gets an edited_message)."""
        chat = self._chat_for(user_id, chat_id)
        key = (chat["id"], message_id)
        message = self.world.incoming.get(key)
        if message is None or message["from"]["id"] != user_id or "text" not in message:
            raise ValueError(f"user {user_id} has no text message {message_id} in chat {key[0]}")
        edited = {**message, "text": new_text, "edit_date": self.world.timestamp()}
        edited.pop("entities", None)
        entities = detect_entities(new_text)
        if entities:
            edited["entities"] = entities
        self.world.incoming[key] = edited
        self.updates.push_update({"edited_message": edited})

    async def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        forge: bool = False,
    ) -> str:
        """Have a person press an inline button of a bot message; return the query id.

        The message must offer a button with this callback_data, unless `forge` (data a
        tampering client could send anyway).
        """
        chat = self._chat_for(user_id, chat_id)
        message = self.world.sent_by_id.get((chat["id"], message_id))
        if message is None or message.deleted:
            raise ValueError(f"the bot has no message {message_id} in chat {chat['id']}")
        keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
        offered = [button.get("callback_data") for row in keyboard for button in row]
        if data not in offered and not forge:
            raise ValueError(
                f"message {message_id} has no button with callback_data {data!r}; "
                f"its buttons: {message.buttons}"
            )
        query_id = self.world.next_query_id()
        query = {
            "id": query_id,
            "from": self.cast.user(user_id),
            "message": self.world.sent_dict(message),
            "chat_instance": str((chat["id"] * 2654435761) % (1 << 62)),
            "data": data,
        }
        self.world.open_queries[query_id] = query
        self.updates.push_update({"callback_query": query})
        return query_id
