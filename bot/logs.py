"""Logging set-up: the bot token never reaches a log line."""

from __future__ import annotations

import logging
import sys


class RedactToken(logging.Filter):
    """Replace the token wherever it appears in a record, arguments and traceback included."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drop it."""
        if not self._token:
            return True
        message = record.getMessage()
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = formatted.replace(self._token, "<token>")
            record.exc_info = None
        record.msg = message.replace(self._token, "<token>")
        record.args = None
        return True


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    """Log to stderr, with the token redacted and HTTP request lines kept quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if token:
        handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and the URL holds the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
