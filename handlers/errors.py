"""The one error handler: refusals become a short reply, surprises are logged and reported."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut

from bot.context import Context, Services
from bot.domain.errors import DomainError
from bot.reply import Reply
from bot.telegram_bot import RencontreBot
from bot.views.common import truncate
from handlers.common import language, send, services, unchanged

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
        try:
            await _tell(update, context, error.key, error.params)
        except TelegramError as exc:
            # A button pressed too long ago, a chat gone: the refusal has nowhere to go
            log.warning("could not give the refusal %s: %s", error.key, exc)
        return
    if _unreachable(error):
        # The person blocked the bot, or the chat is gone: nobody to tell, nothing to fix
        log.warning("update %s: its chat cannot be reached (%s)", update.update_id, error)
        return
    if isinstance(error, TimedOut):
        # Telegram did not answer in time, tries again included: a reply may have arrived all
        # the same, so no apology on top of it; the network is nobody's fault to report
        log.warning("update %s: Telegram did not answer in time (%s)", update.update_id, error)
        return
    if unchanged(error):
        # An edit that would change nothing (two quick taps): harmless, nothing to report
        log.info("update %s: an edit changed nothing (%s)", update.update_id, error)
        return
    if _expired_press(update, error):
        # Telegram takes an answer to a press for a short while only: a press replayed after
        # a restart, or handled too late, cannot be answered any more; there is nothing to fix
        log.warning("update %s: the press can no longer be answered (%s)", update.update_id, error)
        return
    log.error("error while handling update %s", update.to_dict(), exc_info=error)
    try:
        await _tell(update, context, "common.oops", {})
    except TelegramError:
        log.exception("could not tell the person about the error")
    await _report(update, context, error)


async def refused(update: Update, context: Context, error: TelegramError, what: str) -> None:
    """A send refused in the middle of a handler's work, after the work is done.

    The handler goes on (what it did stays done), but the refusal is not swallowed: it is
    logged and reported to the organisers like any other failure, unless it is harmless
    (the person blocked the bot or the chat is gone, an edit that would change nothing).
    """
    if _unreachable(error) or unchanged(error):
        log.info("update %s: %s: %s (harmless)", update.update_id, what, error)
        return
    log.error("update %s: %s: %s", update.update_id, what, error, exc_info=error)
    await _report(update, context, error)


def _unreachable(error: object) -> bool:
    """Tell whether an error says the chat cannot be written to (blocked, kicked, gone)."""
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and "chat not found" in error.message.lower()


def _expired_press(update: Update, error: object) -> bool:
    """Tell whether an error says a button press is too old to be answered."""
    if update.callback_query is None or not isinstance(error, BadRequest):
        return False
    message = error.message.lower()
    return "query is too old" in message or "query id is invalid" in message


async def _tell(update: Update, context: Context, key: str, params: dict[str, object]) -> None:
    s = services(context)
    lang = await language(update, context)
    if update.callback_query is not None:
        # A button: answer it (so the client stops spinning) with the message as an alert,
        # which is plain text: the parameters go in as they are
        text = s.t.plain(lang, key, **params)
        await update.callback_query.answer(truncate(text, 200), show_alert=True)
        return
    if update.effective_chat is not None:
        # Parameters are plain text (what the person typed, a title): the Translator escapes them
        await send(update, context, Reply(s.t(lang, key, **params)))


async def _report(update: Update, context: Context, error: BaseException | None) -> None:
    s = services(context)
    due, held = _reporter.due()
    if not due:
        return
    lang = s.config.event.default_language
    # An exception may quote a request URL, and the URL holds the token
    said = repr(error).replace(context.bot.token, "<token>")
    text = s.t(
        lang,
        "errors.report",
        error=truncate(said, 300),
        update=update.update_id,
    )
    if held:
        text += "\n" + s.t(lang, "errors.suppressed", n=held)
    for organiser in s.config.event.organisers:
        try:
            await context.bot.send_text(organiser, text)
        except TelegramError as exc:
            log.warning("could not report the error to organiser %s: %s", organiser, exc)


async def report_failure(bot: RencontreBot, s: Services, key: str, error: BaseException) -> None:
    """Tell the organisers about a failure outside any update (the outbox's sender), as the
    error handler does for the others: at most once a minute, the token never shown."""
    due, held = _reporter.due()
    if not due:
        return
    lang = s.config.event.default_language
    said = repr(error).replace(bot.token, "<token>")
    text = s.t(lang, key, error=truncate(said, 300))
    if held:
        text += "\n" + s.t(lang, "errors.suppressed", count=held)
    for organiser in s.config.event.organisers:
        try:
            await bot.send_text(organiser, text)
        except TelegramError as exc:
            log.warning("could not report the failure to organiser %s: %s", organiser, exc)
