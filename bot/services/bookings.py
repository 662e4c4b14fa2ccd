"""Sign-ups for workshops and the tidy-up rota: one booking core, one transaction per move."""

from __future__ import annotations

import asyncio
import contextvars
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import booking as core
from bot.domain.booking import (
    AgendaEntry,
    Commitment,
    Move,
    Outcome,
    Seats,
    Standing,
    Status,
    Target,
    TargetKind,
)
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.domain.models import Kind, Participant, Programme, RotaSlot, Workshop
from bot.domain.schedule import local_day
from bot.domain.text import Match
from bot.events import BookingsChanged, Events, PersonRegistered
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as repo
from storage import children as children_repo
from storage import favourites as favourites_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage.db import BULK_WORK, Database
from storage.outbox import Entry


class BookingService:
    """Take, give up and swap places, never more than there are."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        roles: RolesService,
        tz: ZoneInfo,
        grace: timedelta,
        events: Events | None = None,
    ) -> None:
        self._events = events or Events()
        """Where this service says what happened (bot/app.py subscribes)."""
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._roles = roles
        self._tz = tz
        self.grace = grace
        self._index_of: Programme | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._index: dict[tuple[TargetKind, str], Target] = {}

    def changed(self, users: set[int]) -> None:
        """Let the listeners know whose bookings changed, without holding up the answer."""
        for reaction in self._events.reactions(BookingsChanged(frozenset(users))):
            # Bulk work (re-planning): it takes the database after the people being answered
            bulk = contextvars.copy_context()
            bulk.run(BULK_WORK.set, True)
            task = asyncio.create_task(reaction, context=bulk)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def welcome(self, user_id: int) -> None:
        """Publish PersonRegistered for a first press (or a first child), without waiting."""
        for reaction in self._events.reactions(PersonRegistered(user_id, True)):
            task = asyncio.create_task(reaction)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the listeners still at work (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # Targets

    def targets(self, programme: Programme) -> dict[tuple[TargetKind, str], Target]:
        """Index what takes sign-ups: the items with places and the rota slots."""
        if self._index_of is not programme:
            index: dict[tuple[TargetKind, str], Target] = {}
            for w in programme.workshops:
                if w.capacity is not None:
                    target = Target.of_workshop(w)
                    index[(target.kind, target.ref)] = target
            for r in programme.rota:
                target = Target.of_rota(r)
                index[(target.kind, target.ref)] = target
            self._index, self._index_of = index, programme
        return self._index

    async def target(self, kind: TargetKind, ref: str) -> Target:
        """Find what a button refers to, or refuse it as stale."""
        return self._find(await self._programme.current(), kind, ref)

    def _find(self, programme: Programme, kind: TargetKind, ref: str) -> Target:
        found = self.targets(programme).get((kind, ref))
        if found is None:
            raise DomainError("common.stale_button")
        return found

    def _bookable(self, programme: Programme, kind: TargetKind, ref: str) -> Target:
        """Find what a sign-up button refers to, still open, or refuse it."""
        target = self._find(programme, kind, ref)
        if not self.is_open(target):
            raise DomainError("bookings.closed", title=target.title)
        return target

    @staticmethod
    def workshop_target(w: Workshop) -> Target | None:
        """Give the target of an item that takes sign-ups."""
        return Target.of_workshop(w) if w.capacity is not None else None

    async def standings(self, targets: Sequence[Target]) -> dict[tuple[TargetKind, str], Standing]:
        """Read the standing of several targets (a day's rota, say: on the event loop when they
        are few enough for one statement a kind, Database.read_now)."""
        few = len(targets) <= repo.CHUNK
        async with self._db.read_now() if few else self._db.read() as conn:
            return await repo.standings(conn, targets)

    async def seats(self, items: Sequence[Workshop], user_id: int | None) -> Seats:
        """Read places left and this person's standing for the items of an answer."""
        targets = [Target.of_workshop(w) for w in items if w.capacity is not None]
        gone = {c.item.id for c in await self._programme.cancelled()}
        starred: set[str] = set()
        if user_id is not None and repo.one_statement(targets):
            # An answer's list: read on the event loop, no trip to a thread (Database.read_now)
            async with self._db.read_now() as conn:
                found, starred = await repo.standings_and_starred(conn, targets, user_id)
        else:
            async with self._db.read() as conn:
                if user_id is None:
                    found = await repo.standings(conn, targets)
                else:  # one statement for both: one trip to the database, not two
                    found, starred = await repo.standings_and_starred(conn, targets, user_id)
        return Seats(
            user_id,
            {t.id: found[(t.kind, t.id)] for t in targets if t.id not in gone},
            frozenset(t.id for t in targets if self.is_open(t) and t.id not in gone),
            cancelled=frozenset(w.id for w in items if w.id in gone),
            favourites=frozenset(w.id for w in items if w.id in starred),
        )

    def is_open(self, target: Target) -> bool:
        """Tell whether sign-ups for a target are still open."""
        return core.is_open(target, self._clock.now(), self.grace)

    # Commitments

    async def commitments(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        runs: Sequence[Workshop],
        programme: Programme,
    ) -> list[Commitment]:
        """List what a person is booked on, waits for, or runs (in the transaction)."""
        workshops = {w.id: w for w in programme.workshops}
        slots = {r.id: r for r in programme.rota}
        found: list[Commitment] = []
        for b in await repo.of_user(conn, user_id):
            waiting = b.status is not Status.IN
            if b.kind is TargetKind.WORKSHOP and b.target_id in workshops:
                w = workshops[b.target_id]
                found.append(Commitment(b.kind, w.id, w.title, w.start, w.end, waiting=waiting))
            elif b.kind is TargetKind.ROTA and b.target_id in slots:
                r = slots[b.target_id]
                found.append(Commitment(b.kind, r.id, r.area, r.start, r.end, waiting=waiting))
        for w in runs:
            found.append(Commitment(TargetKind.WORKSHOP, w.id, w.title, w.start, w.end, True))
        return found

    async def release(
        self, conn: aiosqlite.Connection, target: Target, user_id: int
    ) -> tuple[Outcome, tuple[tuple[Target, int], ...]]:
        """Give up a booking and fill the freed place from the waiting list (in the transaction).

        `user_id` may be a child's (negative) id: the news of a promotion goes to the parent.
        """
        before = await repo.standing(conn, target)
        outcome = core.decide_cancel(before, user_id)
        if outcome is Outcome.NOT_BOOKED:
            return outcome, ()
        await repo.remove(conn, target.kind, target.id, user_id)
        if target.kind is TargetKind.ROTA:
            await repo.withdraw_offers(conn, target.id, user_id, self._clock.now())
        after = await repo.standing(conn, target)
        now = self._clock.now()
        lucky = core.to_promote(after, now, self.grace)
        await repo.promote(conn, target, lucky)
        kids = await children_repo.behind(conn, lucky)
        # The news goes into the outbox in the same transaction: told if and only if promoted
        await outbox_repo.add(
            conn,
            [
                Entry(
                    # queued in the promotion's own transaction: the key needs no meaning
                    f"promoted:{target.kind.value}:{target.id}:{u}:{secrets.token_hex(8)}",
                    MessageKind.PROMOTED,
                    kids[u].parent_id if u in kids else u,
                    now,
                    {"target_kind": target.kind.value, "target_id": target.id}
                    | ({"child": kids[u].first_name, "child_id": kids[u].id} if u in kids else {}),
                    expires_at=target.end,
                    urgent=True,
                )
                for u in lucky
            ],
            now,
        )
        return outcome, tuple((target, u) for u in lucky)

    # Moves

    async def sign_up(
        self,
        user_id: int,
        kind: TargetKind,
        ref: str,
        *,
        person: Participant | None = None,
    ) -> Move:
        """Ask for a place: in, waiting list, or a clash to resolve; nothing twice."""
        return await self._book(user_id, kind, ref, person, switch=False)

    async def switch(
        self,
        user_id: int,
        kind: TargetKind,
        ref: str,
        *,
        person: Participant | None = None,
    ) -> Move:
        """Give up what clashes with a target and take it in one step: never both, never neither."""
        return await self._book(user_id, kind, ref, person, switch=True)

    async def _book(
        self,
        user_id: int,
        kind: TargetKind,
        ref: str,
        person: Participant | None,
        *,
        switch: bool,
    ) -> Move:
        """Take a place or join the waiting list; on a clash, stop there or (switch) give it up."""
        programme = await self._programme.current()
        target = self._bookable(programme, kind, ref)
        if kind is TargetKind.WORKSHOP and any(
            w.id == target.id and w.kind is Kind.KIDS for w in programme.workshops
        ):
            raise DomainError("children.for_a_child", title=target.title)  # /children's buttons
        runs = await self._roles.items_run_by(user_id)
        promoted: list[tuple[Target, int]] = []
        cancelled: list[Target] = []
        async with self._db.write_now() as conn:
            # Registered in the booking's own transaction: first come, first served
            new = await self._people.enrol(conn, user_id, person)
            current = await repo.standing(conn, target)
            outcome = core.decide_sign_up(current, user_id)
            if outcome in (Outcome.ALREADY_IN, Outcome.ALREADY_WAITING):
                return Move(user_id, outcome, current)
            clash = core.clashes(target, await self.commitments(conn, user_id, runs, programme))
            if clash and not switch:
                return Move(user_id, outcome, current, clash=tuple(clash))
            if any(c.facilitating for c in clash):
                raise DomainError("bookings.cannot_switch_facilitating")
            if clash:
                index = {(t.kind, t.id): t for t in self.targets(programme).values()}
                for c in clash:
                    old = index.get((c.kind, c.id))
                    if old is None:
                        continue
                    _, lucky = await self.release(conn, old, user_id)
                    promoted.extend(lucky)
                    cancelled.append(old)
                current = await repo.standing(conn, target)
                outcome = core.decide_sign_up(current, user_id)
            status = Status.IN if outcome is Outcome.SIGNED_UP else Status.WAITING
            await repo.add(conn, target, user_id, status, self._clock.now())
            after = await repo.standing(conn, target)
        if new:  # someone new is never already in, nor has a clash: not for the returns above
            self.welcome(user_id)
        self.changed({user_id} | {u for _, u in promoted})
        return Move(user_id, outcome, after, promoted=tuple(promoted), cancelled=tuple(cancelled))

    async def cancel(self, user_id: int, kind: TargetKind, ref: str) -> Move:
        """Give up a place (or a place in the queue); the first waiting person moves up."""
        target = await self.target(kind, ref)
        async with self._db.write_now() as conn:
            outcome, promoted = await self.release(conn, target, user_id)
            after = await repo.standing(conn, target)
        self.changed({user_id} | {u for _, u in promoted})
        return Move(user_id, outcome, after, promoted=promoted)

    # Reading

    async def agenda(self, user_id: int, days: Sequence[date] | None = None) -> list[AgendaEntry]:
        """List a person's commitments and queue places (on `days`, or all), in time order."""
        programme = await self._programme.current()
        workshops = {w.id: w for w in programme.workshops}
        slots = {r.id: r for r in programme.rota}
        # A person's own: small, read on the event loop (Database.read_now)
        async with self._db.read_now() as conn:
            bookings = await repo.of_user(conn, user_id)
            targets = [
                t
                for t in self.targets(programme).values()
                if any(b.kind is t.kind and b.target_id == t.id for b in bookings)
            ]
            standing = await repo.standings(conn, targets)
            offers = {o.slot_id for o in await repo.open_offers(conn) if o.user_id == user_id}
            starred = await favourites_repo.of_user(conn, user_id)
        entries: list[AgendaEntry] = []
        for b in bookings:
            target = next((t for t in targets if t.kind is b.kind and t.id == b.target_id), None)
            if target is None:
                continue
            if b.kind is TargetKind.WORKSHOP:
                w = workshops[b.target_id]
                position = standing[(b.kind, b.target_id)].position(user_id)
                kind = "in" if b.status is Status.IN else "waiting"
                entries.append(AgendaEntry(kind, w.title, w.start, w.end, w.room, target, position))
            elif b.status is Status.IN:
                r: RotaSlot = slots[b.target_id]
                entries.append(
                    AgendaEntry(
                        "rota", r.area, r.start, r.end, None, target, offered=r.id in offers
                    )
                )
            else:
                r = slots[b.target_id]
                position = standing[(b.kind, b.target_id)].position(user_id)
                entries.append(
                    AgendaEntry("rota_waiting", r.area, r.start, r.end, None, target, position)
                )
        for w in await self._roles.items_run_by(user_id):
            entries.append(AgendaEntry("facilitating", w.title, w.start, w.end, w.room))
        for gone in await self._programme.cancelled():
            if user_id in gone.people:
                w = gone.item
                entries.append(AgendaEntry("cancelled", w.title, w.start, w.end, w.room))
        # Favourites (issue 14): starred items, unless already listed as a sign-up or run
        listed = {b.target_id for b in bookings if b.kind is TargetKind.WORKSHOP}
        listed |= {w.id for w in await self._roles.items_run_by(user_id)}
        for item_id in sorted(starred - listed):
            if item_id in workshops:
                w = workshops[item_id]
                entries.append(AgendaEntry("favourite", w.title, w.start, w.end, w.room))
        wanted = set(days) if days is not None else None
        return sorted(
            (e for e in entries if wanted is None or local_day(e.start, self._tz) in wanted),
            key=lambda e: (e.start, e.title),
        )

    async def participants(
        self, actor_id: int, ref_or_words: str
    ) -> tuple[Workshop, list[Participant], list[Participant]]:
        """List who is in and who waits for an item: for its facilitators and the organisers."""
        programme = await self._programme.current()
        item = _find_item(programme, ref_or_words) or _first(
            (await self._programme.index()).search(ref_or_words)
        )
        if item is None:
            raise DomainError("bookings.no_such_item", text=ref_or_words)
        if not await self._roles.may_change(actor_id, item):
            raise DomainError("bookings.participants_not_allowed")
        target = self.workshop_target(item)
        if target is None:
            return item, [], []
        async with self._db.read() as conn:
            s = await repo.standing(conn, target)
            people = {
                uid: p
                for uid in (*s.ins, *s.waiting)
                if (p := await participants_repo.get(conn, uid)) is not None
            }
        return (
            item,
            [people[u] for u in s.ins if u in people],
            [people[u] for u in s.waiting if u in people],
        )


def _find_item(programme: Programme, text: str) -> Workshop | None:
    text = text.strip()
    for w in programme.workshops:
        if w.id == text or core.ref(w.id) == text:
            return w
    return None


def _first(found: Sequence[Match[Workshop]]) -> Workshop | None:
    return found[0].item if found else None
