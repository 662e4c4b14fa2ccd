"""What every security test checks after the bot has been handed something odd."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.booking import Target, TargetKind
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness
from bot.sandbox.records import Call
from storage.timefmt import from_db

# What the organisers' error report starts with, in French and in English (errors.report), and
# what a person is told after an unexpected error (common.oops)
CRASH_SIGNS = (
    "Erreur inattendue",
    "Unexpected error",
    "Oups, quelque chose s'est mal passé",
    "Oops, something went wrong",
    "Traceback",
)


@dataclass(frozen=True)
class Refusal:
    """A refused Bot API call that is not the bot's fault, and why."""

    method: str
    description: str
    why: str

    def covers(self, call: Call) -> bool:
        """Tell whether this refusal explains a call."""
        return call.method == self.method and self.description in str(
            call.response.get("description", "")
        )


# The refusals a test may meet without the bot having done anything wrong
EXPECTED_REFUSALS = (
    Refusal(
        "sendMessage",
        "chat not found",
        "an update from a chat the emulator does not know (a deleted account, a group the "
        "bot has left): the reply has nowhere to go",
    ),
    Refusal(
        "sendMessage",
        "bot was blocked by the user",
        "a person who blocked the bot right after writing to it",
    ),
    Refusal(
        "sendMessage",
        "bot can't initiate conversation",
        "a clash offer for someone who pressed in the group and never started the bot: the "
        "handler tries, then answers the press with an alert",
    ),
)


def sent_texts(emu: BotApiEmulator) -> list[str]:
    """List every text the bot showed anyone: messages, their earlier versions, alerts."""
    texts: list[str] = []
    for messages in emu.world.sent.values():
        for m in messages:
            texts.append(m.plain_text)
            texts.extend(v.plain_text for v in m.edits)
    texts.extend(str(a.get("text") or "") for a in emu.callback_answers.values())
    return texts


def unexpected_refusals(
    calls: Sequence[Call], allowed: Iterable[Refusal] = EXPECTED_REFUSALS
) -> list[str]:
    """List the refused calls none of the expected refusals explains."""
    allowed = tuple(allowed)
    return [
        f"{c.method} {c.params} -> {c.status} {c.response.get('description')}"
        for c in calls
        if c.status != 200 and not any(r.covers(c) for r in allowed)
    ]


# A refusal that could not be given because the button press was already answered: the
# person never learns why nothing happened
LOST_REFUSAL = "query is too old"


def errors_logged(records: Iterable[logging.LogRecord]) -> list[str]:
    """List the log records at ERROR or above (and lost refusals), with their exception."""
    found = []
    for record in records:
        lost = LOST_REFUSAL in record.getMessage().lower()
        if record.levelno >= logging.ERROR or lost:
            detail = repr(record.exc_info[1]) if record.exc_info else record.exc_text or ""
            found.append(f"{record.name}: {record.getMessage()} {detail}")
    return found


def crash_signs(texts: Iterable[str]) -> list[str]:
    """List the texts that show an unexpected error or a traceback."""
    return [t for t in texts if any(sign in t for sign in CRASH_SIGNS)]


@dataclass(frozen=True)
class Tally:
    """One target's bookings."""

    kind: str
    target_id: str
    ins: int
    waiting: int
    places: int | None
    starts_at: str | None
    resized: bool


async def broken_invariants(bot: Harness) -> list[str]:
    """List what is wrong with the bookings in the database (nothing, normally)."""
    problems = []
    async with bot.db.read() as conn:
        cursor = await conn.execute(
            """
            SELECT b.kind, b.target_id,
                   SUM(b.status = 'in'), SUM(b.status = 'waiting'),
                   CASE b.kind WHEN 'workshop' THEN w.capacity ELSE r.places END,
                   CASE b.kind WHEN 'workshop' THEN w.starts_at ELSE r.starts_at END,
                   EXISTS (SELECT 1 FROM audit_log a
                           WHERE a.item_id = b.target_id AND a.action = 'capacity')
            FROM booking b
            LEFT JOIN workshop w ON b.kind = 'workshop' AND w.id = b.target_id
            LEFT JOIN rota_slot r ON b.kind = 'rota' AND r.id = b.target_id
            GROUP BY b.kind, b.target_id
            """
        )
        tallies = [Tally(*row) for row in await cursor.fetchall()]
        cursor = await conn.execute(
            """
            SELECT kind, target_id, user_id, COUNT(*) FROM booking
            GROUP BY kind, target_id, user_id HAVING COUNT(*) > 1
            """
        )
        doubles = await cursor.fetchall()
    for t in tallies:
        if t.places is None:
            problems.append(f"{t.kind} {t.target_id}: bookings for something without places")
            continue
        if t.ins > t.places and not t.resized:
            problems.append(f"{t.kind} {t.target_id}: {t.ins} in for {t.places} places")
        start = from_db(t.starts_at) if t.starts_at else None
        closed = start is not None and not bot.services.bookings.is_open(
            Target(TargetKind(t.kind), t.target_id, "", start, start, t.places)
        )
        # Once sign-ups close, a freed place is not filled from the queue
        if t.waiting and t.ins < t.places and not t.resized and not closed:
            problems.append(
                f"{t.kind} {t.target_id}: {t.waiting} waiting while {t.ins}/{t.places} are in"
            )
    problems += [f"{k} {target}: user {user} booked {n} times" for k, target, user, n in doubles]
    return problems
