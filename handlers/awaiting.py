"""Multi-step flows (/change, /broadcast) that wait for the person's next text message.

A flow's service keeps its draft with the name of the text input it waits for, if any (in the
database, so a restart forgets nothing); the plain-words handler hands the next private text to
the reader registered under that name instead of reading it as a question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.app import Context
from handlers.common import services

Reader = Callable[[Update, Context, str], Awaitable[None]]

_READERS: dict[str, Reader] = {}


def reader(name: str) -> Callable[[Reader], Reader]:
    """Register the function that reads the text a flow waits for."""

    def register(func: Reader) -> Reader:
        _READERS[name] = func
        return func

    return register


async def dispatch(update: Update, context: Context, text: str) -> bool:
    """Give the text to the flow that waits for it; tell whether one did."""
    user = update.effective_user
    if user is None:
        return False
    name = await services(context).drafts.take_awaiting(user.id)
    if name is None or name not in _READERS:
        return False
    await _READERS[name](update, context, text)
    return True
