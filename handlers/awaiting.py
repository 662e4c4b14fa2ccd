"""Multi-step flows (/change, /broadcast) that wait for the person's next text message.

A flow says what it waits for with `expect(context, name)`; the plain-words handler hands
the next private text to the registered reader instead of reading it as a question.
Drafts live in memory (user_data): a restart only loses an unconfirmed draft.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.app import Context

Reader = Callable[[Update, Context, str], Awaitable[None]]

_READERS: dict[str, Reader] = {}
_KEY = "awaiting"


def reader(name: str) -> Callable[[Reader], Reader]:
    """Register the function that reads the text a flow waits for."""

    def register(func: Reader) -> Reader:
        _READERS[name] = func
        return func

    return register


def expect(context: Context, name: str) -> None:
    """Say that this person's next text message belongs to the flow `name`."""
    if context.user_data is not None:
        context.user_data[_KEY] = name


def forget(context: Context) -> None:
    """Stop waiting for text from this person."""
    if context.user_data is not None:
        context.user_data.pop(_KEY, None)


async def dispatch(update: Update, context: Context, text: str) -> bool:
    """Give the text to the flow that waits for it; tell whether one did."""
    if context.user_data is None:
        return False
    name = context.user_data.pop(_KEY, None)
    if name is None or name not in _READERS:
        return False
    await _READERS[name](update, context, text)
    return True
