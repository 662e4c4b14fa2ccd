"""What every codec shares: Telegram's limit on a button's data."""

from __future__ import annotations

MAX_BYTES = 64
"""Telegram's limit on a button's callback data."""
