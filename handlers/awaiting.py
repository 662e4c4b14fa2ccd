"""Multi-step flows (/change, /broadcast) that wait for the person's next text message.

A flow's service keeps its draft with the name of the text input it waits for, if any (in the
database, so a restart forgets nothing); the plain-words handler hands the next private text to
the reader registered under that name instead of reading it as a question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import Context
from bot.reply import Reply
from handlers.common import renderer, send, services

Reader = Callable[[Update, Context, str], Awaitable[None]]

_READERS: dict[str, Reader] = {}


def reader(name: str) -> Callable[[Reader], Reader]:
    """Register the function that reads the text a flow waits for."""

    def register(func: Reader) -> Reader:
        _READERS[name] = func
        return func

    return register


# The buttons of each flow's own messages (pressing them goes on with the flow), and the
# commands that start it again (a new draft: nothing to say about the old one's wait)
_FLOW_BUTTONS = {
    "change": "ch:",
    "broadcast": "bc:",
    "questions": "qa:",
    # Issue 14, part 1: sessions proposed in chat
    "proposals": "pp:",
    "proposals.declining": "pr:",
    # The kids' club (issue 14, part 5)
    "children": "kid:",
    # Favourites and feedback (issue 14, parts 2 and 3)
    "feedback": "fb:",
}
_FLOW_COMMANDS = {
    "change": ("change", "changer"),
    "broadcast": ("broadcast", "diffuser"),
    "questions": ("ask", "question"),
    # Issue 14, part 1: sessions proposed in chat
    "proposals": ("propose", "proposer"),
    # The kids' club (issue 14, part 5)
    "children": ("children", "enfants"),
}


async def give_way(update: Update, context: Context) -> None:
    """Stop waiting for a flow's text when the person moves on (a command, another button)."""
    user, query = update.effective_user, update.callback_query
    if user is None or update.effective_chat is None or update.effective_chat.type != "private":
        return
    if query is not None and any(
        (query.data or "").startswith(prefix) for prefix in _FLOW_BUTTONS.values()
    ):
        return
    flow = await services(context).drafts.leave_awaiting(user.id)
    text = update.effective_message.text if update.effective_message else None
    command = (text or "").split(maxsplit=1)[0].lstrip("/").split("@")[0].lower() if text else ""
    if flow is not None and command not in _FLOW_COMMANDS.get(flow, ()):
        r = await renderer(update, context)
        await send(update, context, Reply(r(f"{flow}.flow_left")))


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
