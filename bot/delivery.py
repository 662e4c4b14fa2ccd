"""The outbox's transport: Telegram calls, and their errors sorted into what to do next."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.ratelimit import BULK, Turn, retry_after_seconds, surely_not_taken
from bot.reply import Reply
from bot.services.outbox import Permanent, RetryLater, Transient, Uncertain, Unreachable
from bot.telegram_bot import RencontreBot

log = logging.getLogger(__name__)


def keyboard(reply: Reply) -> dict[str, Any]:
    """Give a Reply's buttons as the call's reply_markup, to pass as api_kwargs ({}: none).

    Written as Telegram's JSON, not as python-telegram-bot's InlineKeyboardMarkup: for ten
    sign-up rows of two buttons, making PTB's objects and writing them back out took 597 µs,
    the JSON 31 µs (timeit; issue 13, ninth session), on the event loop before every list.
    """
    if not reply.buttons:
        return {}
    rows = [[{"text": b.label, "callback_data": b.data} for b in row] for row in reply.buttons]
    return {"reply_markup": {"inline_keyboard": rows}}


def shows(markup: InlineKeyboardMarkup | None, reply: Reply) -> bool:
    """Tell whether a message's inline keyboard is a Reply's buttons."""
    rows = markup.inline_keyboard if markup is not None else ()
    return [[(b.text, b.callback_data) for b in row] for row in rows] == [
        [(b.label, b.data) for b in row] for row in reply.buttons
    ]


class TelegramTransport:
    """Send and edit through the bot, at bulk priority (HTML, no link previews: the Defaults)."""

    def __init__(self, bot: RencontreBot) -> None:
        self._bot = bot

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pin: bool = False,
        on_grant: Callable[[], None] | None = None,
    ) -> int:
        """Send a message (and pin it); give its id. on_grant: called as the request leaves."""
        try:
            message_id = await self._bot.send_text(
                chat_id,
                reply.text,
                api_kwargs=keyboard(reply),
                rate_limit_args=Turn(BULK, on_grant),
            )
        except NetworkError as exc:
            if isinstance(exc, BadRequest) or surely_not_taken(exc):
                raise _sorted(exc) from exc
            raise Uncertain(str(exc)) from exc  # it may have arrived: not again
        except TelegramError as exc:
            raise _sorted(exc) from exc
        if pin:
            try:
                await self._bot.pin_chat_message(chat_id, message_id, disable_notification=True)
            except TelegramError as exc:
                # The message is out: a pin that failed is not worth sending it twice
                log.warning("message %s in %s not pinned: %s", message_id, chat_id, exc)
        return message_id

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        """Replace a message's text and buttons (an unchanged message counts as done)."""
        try:
            await self._bot.edit_text(
                chat_id, message_id, reply.text, api_kwargs=keyboard(reply), rate_limit_args=BULK
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            raise Permanent(str(exc)) from exc
        except TelegramError as exc:
            raise _sorted(exc) from exc


def _sorted(exc: TelegramError) -> Exception:
    if isinstance(exc, Forbidden):
        return Unreachable(str(exc))
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_after_seconds(exc))
    if isinstance(exc, (TimedOut, NetworkError)) and not isinstance(exc, BadRequest):
        return Transient(str(exc))
    return Permanent(str(exc))
