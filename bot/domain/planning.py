"""What the bot will send on its own, and when: one planner for the live bot and `run.py plan`.

Pure: it reads the programme, the bookings and people's settings, and gives planned messages,
each with a key that names it for good (the outbox sends a key once).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.booking import Booking, Status, TargetKind
from bot.domain.messages import MessageKind
from bot.domain.models import Kind, Programme, Workshop
from bot.domain.schedule import by_start, local_day

# A message sent with no lead (lead_minutes or reminder_minutes = 0) says "it starts now": it is
# due at the start, and still useful a moment after it (else it would be stale when due)
STARTED_GRACE = timedelta(minutes=2)
# The kinds of message planned here (bot/domain/messages.py lists them all)
ANNOUNCE, BOARD, REMINDER, DIGEST, CORRECTION = (
    MessageKind.ANNOUNCE,
    MessageKind.BOARD,
    MessageKind.REMINDER,
    MessageKind.DIGEST,
    MessageKind.CORRECTION,
)
PLANNED_KINDS = (ANNOUNCE, BOARD, REMINDER, DIGEST)


@dataclass(frozen=True, slots=True)
class PersonSettings:
    """What a person wants to receive."""

    user_id: int
    digest: bool = True
    reminders: bool = True
    feedback: bool = True


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A nightly span when private messages that are not urgent wait."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Read '22:00-07:30'."""
        first, _, second = text.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()))

    def contains(self, when: time) -> bool:
        """Tell whether a local time of day falls in the quiet hours."""
        if self.start <= self.end:
            return self.start <= when < self.end
        return when >= self.start or when < self.end

    def release(self, when: datetime, tz: ZoneInfo) -> datetime:
        """Give the first moment at or after `when` outside the quiet hours."""
        local = when.astimezone(tz)
        if not self.contains(local.time()):
            return when
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Rules:
    """The [announcements] settings."""

    enabled: bool = True
    lead: timedelta = timedelta(minutes=15)
    reminder: timedelta = timedelta(minutes=10)
    digest_at: time = time(8, 0)
    digest_window: timedelta = timedelta(0)
    """Digests are spread over this window after `digest_at`, so that replies never wait."""
    quiet: QuietHours | None = None
    group_chat: int | None = None
    board: bool = True
    skip_kinds: frozenset[Kind] = frozenset({Kind.MEAL})


@dataclass(frozen=True, slots=True)
class Planned:
    """One message the bot will send."""

    key: str
    kind: str
    chat_id: int
    due: datetime
    params: Mapping[str, Any] = field(default_factory=dict)
    expires: datetime | None = None
    urgent: bool = False


def _iso(when: datetime) -> str:
    """Write a moment the one way keys use (in UTC, as the stored programme has it)."""
    return when.astimezone(UTC).isoformat(timespec="minutes")


def _private(planned: Planned, rules: Rules, tz: ZoneInfo) -> Planned | None:
    """Hold a private message back past the quiet hours; none if it would then be stale."""
    if planned.urgent or rules.quiet is None:
        return planned
    due = rules.quiet.release(planned.due, tz)
    if planned.expires is not None and due >= planned.expires:
        return None
    if due == planned.due:
        return planned
    return Planned(
        planned.key, planned.kind, planned.chat_id, due, planned.params, planned.expires, False
    )


def group_messages(programme: Programme, rules: Rules) -> list[Planned]:
    """Plan the group's slot announcements and the live board's updates."""
    if rules.group_chat is None:
        return []
    out: list[Planned] = []
    shown = [w for w in programme.workshops if w.kind not in rules.skip_kinds]
    for slot in by_start(shown):
        out.append(
            Planned(
                f"{ANNOUNCE}:{rules.group_chat}:{_iso(slot.start)}",
                ANNOUNCE,
                rules.group_chat,
                slot.start - rules.lead,
                {"start": _iso(slot.start), "items": [w.id for w in slot.items]},
                expires=slot.start + _grace(rules.lead),
            )
        )
    if rules.board:
        moments = sorted(
            {w.start for w in programme.workshops} | {w.end for w in programme.workshops}
        )
        for at, following in zip(moments, [*moments[1:], None], strict=True):
            out.append(
                Planned(
                    f"{BOARD}:{rules.group_chat}:{_iso(at)}",
                    BOARD,
                    rules.group_chat,
                    at,
                    {"at": _iso(at)},
                    expires=following,
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class Commitments:
    """What each person is bound to: bookings held and items they run."""

    bookings: Sequence[Booking]
    facilitating: Mapping[int, Sequence[str]] = field(default_factory=dict)
    """Item ids each person runs."""
    favourites: Mapping[int, Sequence[str]] = field(default_factory=dict)
    """Item ids each person starred: reminded as a sign-up, never a place nor a clash."""


def reminders(
    programme: Programme,
    commitments: Commitments,
    people: Iterable[PersonSettings],
    rules: Rules,
    tz: ZoneInfo,
) -> list[Planned]:
    """Plan each person's reminders before what they signed up for, run, or tidy up."""
    if not rules.enabled:
        return []
    wanted = {p.user_id for p in people if p.reminders}
    items = {w.id: w for w in programme.workshops}
    slots = {r.id: r for r in programme.rota}
    out: list[Planned] = []
    seen: set[str] = set()

    def add(
        user_id: int,
        kind: TargetKind,
        target_id: str,
        start: datetime,
        room: str | None,
        child: tuple[int, str] | None = None,
    ) -> None:
        # A child's reminder goes to the parent, naming the child: one per child
        of_child = f":child{child[0]}" if child else ""
        key = f"{REMINDER}:{user_id}:{kind.value}:{target_id}:{_iso(start)}{of_child}"
        if key in seen:  # starred and signed up (or run): one reminder, not two
            return
        seen.add(key)
        planned = Planned(
            key,
            REMINDER,
            user_id,
            start - rules.reminder,
            {"target_kind": kind.value, "target_id": target_id, "start": _iso(start), "room": room}
            | ({"child": child[1]} if child else {}),
            expires=start + _grace(rules.reminder),
        )
        held = _private(planned, rules, tz)
        if held is not None:
            out.append(held)

    for b in commitments.bookings:
        if b.status is not Status.IN or b.user_id not in wanted:
            continue
        if b.kind is TargetKind.WORKSHOP and b.target_id in items:
            w = items[b.target_id]
            child = (b.child_id, b.child or "") if b.child_id is not None else None
            add(b.user_id, b.kind, w.id, w.start, w.room, child)
        elif b.kind is TargetKind.ROTA and b.target_id in slots:
            r = slots[b.target_id]
            add(b.user_id, b.kind, r.id, r.start, None)
    for user_id, ids in commitments.facilitating.items():
        if user_id not in wanted:
            continue
        for item_id in ids:
            if item_id in items:
                w = items[item_id]
                add(user_id, TargetKind.WORKSHOP, w.id, w.start, w.room)
    for user_id, ids in commitments.favourites.items():
        if user_id not in wanted:
            continue
        for item_id in ids:
            if item_id in items:
                w = items[item_id]
                add(user_id, TargetKind.WORKSHOP, w.id, w.start, w.room)
    return out


def _grace(lead: timedelta) -> timedelta:
    """Give how long after an item's start a message sent `lead` before it stays useful."""
    return STARTED_GRACE if lead <= timedelta(0) else timedelta(0)


def digest_due(day: date, user_id: int, rules: Rules, tz: ZoneInfo) -> datetime:
    """Give the moment a person's digest is due: a fixed place in the window, the same daily.

    The place comes from a hash of the user id, so that it stays put when people join (a
    rank among the registered would move everybody's) and the digests spread evenly.
    """
    start = datetime.combine(day, rules.digest_at, tzinfo=tz)
    seconds = int(rules.digest_window.total_seconds())
    if seconds <= 0:
        return start
    return start + timedelta(seconds=zlib.crc32(str(user_id).encode()) % seconds)


def digests(
    programme: Programme, people: Iterable[PersonSettings], rules: Rules, tz: ZoneInfo
) -> list[Planned]:
    """Plan each person's morning digest on every day of the week."""
    if not rules.enabled:
        return []
    days = sorted({local_day(w.start, tz) for w in programme.workshops})
    out: list[Planned] = []
    for person in people:
        if not person.digest:
            continue
        for day in days:
            due = digest_due(day, person.user_id, rules, tz)
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
            planned = _private(
                Planned(
                    f"{DIGEST}:{person.user_id}:{day.isoformat()}",
                    DIGEST,
                    person.user_id,
                    due,
                    {"date": day.isoformat()},
                    expires=min(end, datetime.combine(day, time(12), tzinfo=tz)),
                ),
                rules,
                tz,
            )
            if planned is not None:
                out.append(planned)
    return out


def plan(
    programme: Programme,
    commitments: Commitments,
    people: Sequence[PersonSettings],
    rules: Rules,
    tz: ZoneInfo,
) -> list[Planned]:
    """Plan every message the bot sends on its own, in time order."""
    if not rules.enabled:
        return []
    out = group_messages(programme, rules)
    out += reminders(programme, commitments, people, rules, tz)
    out += digests(programme, people, rules, tz)
    return sorted(out, key=lambda p: (p.due, p.kind, p.chat_id, p.key))


def still_useful(planned: Planned, now: datetime) -> bool:
    """Tell whether a planned message is worth sending at `now`."""
    return planned.expires is None or planned.expires > now


@dataclass(frozen=True, slots=True)
class SentReminder:
    """A reminder already sent, with what it said."""

    key: str
    user_id: int
    target_kind: str
    target_id: str
    start: str
    room: str | None
    cancelled: bool = False
    """Its person has been told since that the item is cancelled."""


def _fix(
    target_id: str, was_start: str, was_room: str | None, now_item: Workshop | None
) -> tuple[str, dict[str, Any]] | None:
    """Say what a correction must tell (its version, its params), if anything."""
    if now_item is None:
        return "cancelled", {"target_id": target_id, "cancelled": True}
    if _iso(now_item.start) != was_start or now_item.room != was_room:
        at, room = _iso(now_item.start), now_item.room
        return f"{at}:{room}", {"target_id": now_item.id, "start": at, "room": room}
    return None


def file_correction(
    user_id: int, before: Workshop, after: Workshop | None, told: SentReminder | None, now: datetime
) -> Planned | None:
    """Tell someone signed up that a new programme file moved or took away their item.

    The same message, under the same key, as the correction `corrections` plans for someone
    already reminded (so they get one, and their reminder of the new time is not repeated);
    for the others, a key of their own. None when the item neither moved nor went.
    """
    taking = after if after is not None and after.capacity is not None else None
    fix = _fix(before.id, _iso(before.start), before.room, taking)
    if fix is None:
        return None
    version, params = fix
    key = (
        f"{CORRECTION}:{told.key}:{version}"
        if told is not None
        else f"{CORRECTION}:file:{user_id}:{before.id}:{_iso(before.start)}:{version}"
    )
    was = {"was_start": _iso(before.start), "was_room": before.room, "title": before.title}
    return Planned(key, CORRECTION, user_id, now, {**params, **was}, expires=None, urgent=True)


def corrections(sent: Iterable[SentReminder], programme: Programme, now: datetime) -> list[Planned]:
    """Plan one short correction for each sent reminder that the programme has since made wrong."""
    items: dict[str, Workshop] = {w.id: w for w in programme.workshops}
    out = []
    for r in sent:
        if r.target_kind != TargetKind.WORKSHOP.value:
            continue
        w = items.get(r.target_id)
        fix = None if w is None and r.cancelled else _fix(r.target_id, r.start, r.room, w)
        if fix is None or (w is not None and w.end <= now):
            continue  # nothing new to tell (a change notice told of the cancellation), or over
        version, params = fix
        out.append(
            Planned(
                f"{CORRECTION}:{r.key}:{version}",
                CORRECTION,
                r.user_id,
                now,
                {**params, "was_start": r.start, "was_room": r.room},
                expires=None,
                urgent=True,
            )
        )
    return out
