"""The one error handler: refusals become a short reply, surprises are logged and reported."""

from __future__ import annotations

import html
import logging
import time

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.app import Context
from bot.domain.errors import DomainError
from bot.render import truncate
from bot.reply import Reply
from handlers.common import language, send, services

log = logging.getLogger(__name__)

REPORT_EVERY_SECONDS = 60.0


class Reporter:
    """Tell the organisers about unexpected errors, at most once a minute."""

    def __init__(self) -> None:
        self._last = -REPORT_EVERY_SECONDS
        self._suppressed = 0

    def due(self) -> tuple[bool, int]:
        """Tell whether a report may go out now, and how many were held back before it."""
        now = time.monotonic()
        if now - self._last < REPORT_EVERY_SECONDS:
            self._suppressed += 1
            return False, 0
        held, self._suppressed, self._last = self._suppressed, 0, now
        return True, held


_reporter = Reporter()


async def on_error(update: object, context: Context) -> None:
    """Answer a DomainError with its message; log and report anything else."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", error, exc_info=error)
        return
    if isinstance(error, DomainError):
        await _tell(update, context, error.key, error.params)
        return
    log.error("error while handling update %s", update.to_dict(), exc_info=error)
    try:
        await _tell(update, context, "common.oops", {})
    except TelegramError:
        log.exception("could not tell the person about the error")
    await _report(update, context, error)


async def _tell(update: Update, context: Context, key: str, params: dict[str, object]) -> None:
    s = services(context)
    text = s.t(await language(update, context), key, **params)
    if update.callback_query is not None:
        # A button: answer it (so the client stops spinning) with the message as an alert
        await update.callback_query.answer(truncate(text, 200), show_alert=True)
        return
    if update.effective_chat is not None:
        await send(update, context, Reply(text))


async def _report(update: Update, context: Context, error: BaseException | None) -> None:
    s = services(context)
    due, held = _reporter.due()
    if not due:
        return
    lang = s.config.event.default_language
    text = s.t(
        lang,
        "errors.report",
        error=html.escape(truncate(repr(error), 300)),
        update=html.escape(str(update.update_id)),
    )
    if held:
        text += "\n" + s.t(lang, "errors.suppressed", count=held)
    for organiser in s.config.event.organisers:
        try:
            await context.bot.send_message(organiser, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.warning("could not report the error to organiser %s: %s", organiser, exc)
