"""The application's bot: python-telegram-bot's ExtBot, with sends that give only the id."""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

from bot.ratelimit import Turn

JSONDict = dict[str, Any]


class RencontreBot(ExtBot[int | Turn]):
    """ExtBot (its Defaults, rate limiter and errors), plus two calls that skip the Message.

    `send_message` and `edit_message_text` read Telegram's answer into python-telegram-bot's
    `Message` (`Message.de_json`): 1.0 ms for a message of 15 buttons against 0.24 ms for one
    line (timeit; issue 13), on the event loop after every answer, while the bot needs at most
    the message's id. `send_text` and `edit_text` make the same call through ExtBot's `_post`
    (the Defaults inserted, the rate limiter passed, Telegram's errors raised as they are) and
    keep Telegram's JSON. `_post` and `_merge_api_rl_kwargs` are python-telegram-bot 22's
    protected methods, for subclasses (ExtBot builds on Bot's the same way); the version is
    pinned `>=22.8,<23`, and `tests/test_telegram_bot.py` checks what goes out and comes back.
    (`Bot.do_api_request` would skip the reading too, but it warns when used for a method the
    Bot has.)
    """

    async def send_text(
        self,
        chat_id: int | str,
        text: str,
        *,
        api_kwargs: JSONDict | None = None,
        rate_limit_args: int | Turn | None = None,
    ) -> int:
        """Send a message (HTML, no link preview: the Defaults) and give its id."""
        result = await self._call(
            "sendMessage", {"chat_id": chat_id}, text, api_kwargs, rate_limit_args
        )
        return int(result["message_id"])

    async def edit_text(
        self,
        chat_id: int | str,
        message_id: int,
        text: str,
        *,
        api_kwargs: JSONDict | None = None,
        rate_limit_args: int | Turn | None = None,
    ) -> None:
        """Replace a message's text (and buttons, given in api_kwargs)."""
        await self._call(
            "editMessageText",
            {"chat_id": chat_id, "message_id": message_id},
            text,
            api_kwargs,
            rate_limit_args,
        )

    async def _call(
        self,
        endpoint: str,
        data: JSONDict,
        text: str,
        api_kwargs: JSONDict | None,
        rate_limit_args: int | Turn | None,
    ) -> Any:
        defaults = self.defaults
        data.update(
            text=text,
            parse_mode=defaults.parse_mode if defaults else None,
            link_preview_options=defaults.link_preview_options if defaults else None,
        )
        # A copy: the rate limiter's arguments are added to the dict given
        extra = self._merge_api_rl_kwargs(dict(api_kwargs or {}), rate_limit_args)
        return await self._post(endpoint, data, api_kwargs=extra)
