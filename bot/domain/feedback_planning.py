"""Favourites and feedback (issue 14, parts 2 and 3): when the bot asks "how was it?" after
the items someone came to, and when a facilitator reads the answers' summary.

Pure, as the rest of the planner (bot/domain/planning.py), whose Planned and Rules it uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.booking import Status, TargetKind
from bot.domain.messages import MessageKind
from bot.domain.models import Kind, Programme, Workshop
from bot.domain.planning import Commitments, PersonSettings, Planned, Rules
from bot.domain.schedule import local_day

FEEDBACK, FEEDBACK_SUMMARY = MessageKind.FEEDBACK, MessageKind.FEEDBACK_SUMMARY
FEEDBACK_KINDS = (FEEDBACK, FEEDBACK_SUMMARY)
FEEDBACK_AFTER = timedelta(minutes=10)
"""How long after an item ends its question goes (the last of a half day's items)."""
NOON = time(13, 0)
"""Where the morning ends and the afternoon starts, for "one question a half day"."""
SUMMARY_AT = time(21, 0)
"""When a facilitator's summary goes, if fewer than SUMMARY_ANSWERS answered before."""
SUMMARY_ANSWERS = 3
"""Answers that make a summary go at once (fewer would not be anonymous)."""


def attended(commitments: Commitments) -> dict[int, set[str]]:
    """Give, for each person, the items they came to (signed up, in, or starred), not those
    they ran."""
    came: dict[int, set[str]] = {}
    for b in commitments.bookings:
        if b.kind is TargetKind.WORKSHOP and b.status is Status.IN:
            came.setdefault(b.user_id, set()).add(b.target_id)
    for user_id, ids in commitments.favourites.items():
        came.setdefault(user_id, set()).update(ids)
    for user_id, ids in commitments.facilitating.items():
        if user_id in came:
            came[user_id] -= set(ids)
    return came


def _half_day(when: datetime, tz: ZoneInfo) -> str:
    local = when.astimezone(tz)
    return f"{local.date().isoformat()}:{'am' if local.time() < NOON else 'pm'}"


def feedback(
    programme: Programme,
    commitments: Commitments,
    people: Iterable[PersonSettings],
    rules: Rules,
    tz: ZoneInfo,
) -> list[Planned]:
    """Plan each person's question after the items they came to: one a half day at most.

    Each item's question would go FEEDBACK_AFTER its end (past the quiet hours); those that
    fall in the same half day go together, in one message, after the last of them.
    """
    items = {w.id: w for w in programme.workshops if w.kind is not Kind.MEAL}
    came = attended(commitments)
    out: list[Planned] = []
    for person in people:
        if not person.feedback or person.user_id not in came:
            continue
        buckets: dict[str, list[tuple[datetime, Workshop]]] = {}
        for item_id in sorted(came[person.user_id]):
            if item_id not in items:
                continue
            w = items[item_id]
            due = w.end + FEEDBACK_AFTER
            if rules.quiet is not None:
                due = rules.quiet.release(due, tz)
            buckets.setdefault(_half_day(due, tz), []).append((due, w))
        for half, found in buckets.items():
            due = max(d for d, _ in found)
            ids = sorted(w.id for _, w in found)
            out.append(
                Planned(
                    f"{FEEDBACK}:{person.user_id}:{half}",
                    FEEDBACK,
                    person.user_id,
                    due,
                    {"items": ids},
                    expires=due + timedelta(hours=12),
                )
            )
    return out


def feedback_summaries(
    programme: Programme,
    commitments: Commitments,
    answers: Mapping[str, int],
    rules: Rules,
    tz: ZoneInfo,
) -> list[Planned]:
    """Plan each facilitator's summary of an item's answers: as soon as SUMMARY_ANSWERS
    people answered, else in the evening (past the quiet hours). Once per item and person."""
    items = {w.id: w for w in programme.workshops}
    out: list[Planned] = []
    for user_id, ids in commitments.facilitating.items():
        for item_id in ids:
            w = items.get(item_id)
            if w is None:
                continue
            if answers.get(item_id, 0) >= SUMMARY_ANSWERS:
                due = w.end
            else:
                evening = datetime.combine(local_day(w.end, tz), SUMMARY_AT, tzinfo=tz)
                due = max(evening, w.end + timedelta(hours=1))
            if rules.quiet is not None:
                due = rules.quiet.release(due, tz)
            out.append(
                Planned(
                    f"{FEEDBACK_SUMMARY}:{item_id}:{user_id}",
                    FEEDBACK_SUMMARY,
                    user_id,
                    due,
                    {"item_id": item_id},
                    expires=due + timedelta(days=2),
                )
            )
    return out
