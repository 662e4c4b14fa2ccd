"""What the Bot API methods check: chats the bot may reach, rights, texts and keyboards."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import bot.sandbox.errors as errors
from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.flood import FloodControl
from bot.sandbox.formatting import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    EntityParseError,
    FormattedText,
    parse_html,
    trim,
    utf16_len,
)
from bot.sandbox.spec import ApiSpec
from bot.sandbox.state import World

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

URL = re.compile(r"(?:https?|tg)://\S+", re.IGNORECASE)


class Rules:
    """Telegram's refusals that the method groups share."""

    def __init__(self, world: World, spec: ApiSpec) -> None:
        self.world = world
        self.spec = spec

    def known_chat(self, chat_id: int | str) -> int:
        if isinstance(chat_id, str) or self.world.chat(chat_id) is None:
            raise bad_request("chat not found")
        group = self.world.groups.get(chat_id)
        if group is not None and group.migrated_to is not None:
            raise errors.upgraded(group.migrated_to)
        return chat_id

    def reachable(self, chat_id: int | str) -> int:
        """Return the chat id the bot may write to, or refuse as Telegram does."""
        if chat_id == self.world.bot_id:
            raise forbidden("bot can't send messages to bots")
        chat = self.known_chat(chat_id)
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

    def may(self, chat_id: int, right: str, refusal: str) -> None:
        """Refuse what the bot has no right to do in a group, as Telegram does."""
        group = self.world.groups.get(chat_id)
        if group is not None and not group.bot_may(right):
            raise bad_request(refusal)

    def format(
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

    def markup(self, markup: dict[str, Any] | None) -> dict[str, Any] | None:
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
        if url is not None and not URL.fullmatch(url):
            raise bad_request("BUTTON_URL_INVALID")


class MethodGroup:
    """A group of Bot API methods: what they share, and the table of their handlers."""

    def __init__(self, world: World, rules: Rules, flood: FloodControl) -> None:
        self.world = world
        self.rules = rules
        self.flood = flood

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        raise NotImplementedError
