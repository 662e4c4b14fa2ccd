"""Rencontre: a Telegram bot for a participatory week."""

import os

# python-telegram-bot 22 warns on every RetryAfter unless it may use timedelta already
os.environ.setdefault("PTB_TIMEDELTA", "true")
