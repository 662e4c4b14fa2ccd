"""The kids' club: a parent's children, and their sign-ups to items of kind `kids`.

A child's sign-up is a booking like an adult's, counted under the child's own (negative) id
(bot/domain/children.py): the booking core decides, in one `BEGIN IMMEDIATE` transaction, and
BookingService.release gives a freed place to the next on the waiting list. The parent is the
one the bot talks to. A child's first name is shown to the parent, and to the item's
facilitators and the organisers in its roster (/participants); nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.clock import Clock
from bot.domain import booking as core
from bot.domain import children as rules
from bot.domain.booking import Outcome, Standing, Status, Target, TargetKind
from bot.domain.children import Child
from bot.domain.errors import DomainError
from bot.domain.models import Kind, Participant, Programme, Workshop
from bot.services.bookings import BookingService
from bot.services.drafts import DraftService
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from storage import bookings as bookings_repo
from storage import children as repo
from storage import participants as participants_repo
from storage.db import Database

FLOW = "children"
NAME = "children_name"
AGE = "children_age"
"""What the flow waits for: a first name, or an age (handlers/children.py reads them)."""


@dataclass(frozen=True, slots=True)
class ChildPlace:
    """One of a child's sign-ups: the item, and where the child stands."""

    item: Workshop
    status: Status
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Family:
    """A parent's children, each with their sign-ups in time order."""

    children: tuple[tuple[Child, tuple[ChildPlace, ...]], ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """A child as the "for whom?" question shows them for one item."""

    child: Child
    status: Status | None
    position: int | None
    fits: bool


@dataclass(frozen=True, slots=True)
class ForWhom:
    """The "for whom?" question for one kids' item."""

    item: Workshop
    standing: Standing
    choices: tuple[Choice, ...]
    open: bool


@dataclass(frozen=True, slots=True)
class ChildMove:
    """What a child's sign-up or cancellation did."""

    child: Child
    item: Workshop
    outcome: Outcome
    position: int | None = None
    clash: Workshop | None = None
    """Set when the child is already signed up for another item at that time."""


@dataclass(frozen=True, slots=True)
class RosterLine:
    """A child in a facilitator's roster: their age and the parent to see at pick-up."""

    child: Child
    parent: Participant | None


class ChildrenService:
    """Register children, and sign them up for the kids' club, never beyond its places."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        bookings: BookingService,
        drafts: DraftService,
        people: PeopleService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._bookings = bookings
        self._drafts = drafts
        self._people = people

    # The parent's children

    async def family(self, parent_id: int) -> Family:
        """List a parent's children with their sign-ups."""
        programme = await self._programme.current()
        items = {w.id: w for w in programme.workshops}
        async with self._db.read() as conn:
            children = await repo.of_parent(conn, parent_id)
            found = []
            for child in children:
                places = []
                for kind, target_id, status in await repo.booked(conn, child.id):
                    item = items.get(target_id)
                    if kind is not TargetKind.WORKSHOP or item is None:
                        continue
                    position = None
                    if status is Status.WAITING:
                        standing = await bookings_repo.standing(conn, Target.of_workshop(item))
                        position = standing.position(child.holder)
                    places.append(ChildPlace(item, status, position))
                places.sort(key=lambda p: (p.item.start, p.item.title))
                found.append((child, tuple(places)))
        return Family(tuple(found))

    async def child(self, parent_id: int, child_id: int) -> Child:
        """Find one of this parent's children; refuse anybody else's."""
        async with self._db.read() as conn:
            return await self._own(conn, parent_id, child_id)

    @staticmethod
    async def _own(conn: aiosqlite.Connection, parent_id: int, child_id: int) -> Child:
        found = await repo.get(conn, child_id)
        if found is None or found.parent_id != parent_id:
            raise DomainError("children.not_yours")
        return found

    async def ask_name(self, parent_id: int, child_id: int | None = None) -> None:
        """Wait for a first name: a new child's (None), or a new one for a child."""
        if child_id is not None:
            await self.child(parent_id, child_id)
        else:
            await self._room_for_one_more(parent_id)
        await self._drafts.put(parent_id, FLOW, "name", {"child_id": child_id}, awaiting=NAME)

    async def ask_age(self, parent_id: int, child_id: int) -> Child:
        """Wait for a child's new age (typed, or from the buttons)."""
        child = await self.child(parent_id, child_id)
        await self._drafts.put(parent_id, FLOW, "age", {"child_id": child_id}, awaiting=AGE)
        return child

    async def _room_for_one_more(self, parent_id: int) -> None:
        async with self._db.read() as conn:
            if len(await repo.of_parent(conn, parent_id)) >= rules.MAX_CHILDREN:
                raise DomainError("children.too_many", max=rules.MAX_CHILDREN)

    async def name_typed(self, parent: Participant, text: str) -> Child | str:
        """Take a typed first name: rename a child (given back), or keep a new one's (its name).

        Bad input changes nothing, and the flow waits for the name again.
        """
        draft = await self._drafts.get(parent.user_id, FLOW)
        if draft is None or draft.tag != "name":
            raise DomainError("children.draft_expired")
        child_id = draft.body.get("child_id")
        try:
            name = rules.clean_name(text)
        except DomainError:
            await self._drafts.put(parent.user_id, FLOW, "name", draft.body, awaiting=NAME)
            raise
        if child_id is None:
            await self._drafts.put(parent.user_id, FLOW, "age", {"name": name}, awaiting=AGE)
            return name
        async with self._db.transaction() as conn:
            child = await self._own(conn, parent.user_id, int(child_id))
            renamed = Child(child.id, child.parent_id, name, child.age)
            await repo.update(conn, renamed)
        await self._drafts.drop(parent.user_id, FLOW)
        return renamed

    async def age_typed(self, parent: Participant, text: str) -> Child:
        """Take a typed age for the child the flow is about (new, or registered)."""
        try:
            age = rules.parse_age(text)
        except DomainError:
            draft = await self._drafts.get(parent.user_id, FLOW)
            if draft is not None and draft.tag == "age":
                await self._drafts.put(parent.user_id, FLOW, "age", draft.body, awaiting=AGE)
            raise
        return await self.age_chosen(parent, None, age)

    async def age_chosen(self, parent: Participant, child_id: int | None, age: int) -> Child:
        """Set an age: a registered child's (`child_id`), or the new child's the flow keeps."""
        age = rules.check_age(age)
        if child_id is not None:
            return await self._set_age(parent.user_id, child_id, age)
        draft = await self._drafts.get(parent.user_id, FLOW)
        if draft is None or draft.tag != "age":
            raise DomainError("children.draft_expired")
        if draft.body.get("child_id") is not None:
            return await self._set_age(parent.user_id, int(draft.body["child_id"]), age)
        name = rules.clean_name(str(draft.body.get("name", "")))
        async with self._db.transaction() as conn:
            new = await self._enrol(conn, parent)
            if len(await repo.of_parent(conn, parent.user_id)) >= rules.MAX_CHILDREN:
                raise DomainError("children.too_many", max=rules.MAX_CHILDREN)
            await self._drafts.take(
                conn, parent.user_id, FLOW, "age", missing="children.draft_expired"
            )
            child = await repo.add(conn, parent.user_id, name, age, self._clock.now())
        if new:
            self._bookings.welcome(parent.user_id)
        return child

    async def register(self, parent: Participant, first_name: str, age: int) -> Child:
        """Register a child at once, name and age checked (the sample week, scripts)."""
        name, age = rules.clean_name(first_name), rules.check_age(age)
        async with self._db.transaction() as conn:
            new = await self._enrol(conn, parent)
            if len(await repo.of_parent(conn, parent.user_id)) >= rules.MAX_CHILDREN:
                raise DomainError("children.too_many", max=rules.MAX_CHILDREN)
            child = await repo.add(conn, parent.user_id, name, age, self._clock.now())
        if new:
            self._bookings.welcome(parent.user_id)
        return child

    async def _set_age(self, parent_id: int, child_id: int, age: int) -> Child:
        """Change a child's age, unless a sign-up of theirs would then be outside its ages."""
        programme = await self._programme.current()
        items = {w.id: w for w in programme.workshops}
        async with self._db.transaction() as conn:
            child = await self._own(conn, parent_id, child_id)
            for _, target_id, _ in await repo.booked(conn, child.id):
                item = items.get(target_id)
                if item is not None and not rules.fits(item, age):
                    raise DomainError(
                        "children.age_against_sign_up", name=child.first_name, title=item.title
                    )
            changed = Child(child.id, child.parent_id, child.first_name, age)
            await repo.update(conn, changed)
        await self._drafts.drop(parent_id, FLOW)
        return changed

    async def remove(self, parent_id: int, child_id: int) -> Child:
        """Forget a child: their places go to the next on each waiting list."""
        programme = await self._programme.current()
        targets = {w.id: Target.of_workshop(w) for w in programme.workshops if w.takes_signups}
        async with self._db.transaction() as conn:
            child = await self._own(conn, parent_id, child_id)
            for kind, target_id, _ in await repo.booked(conn, child.id):
                target = targets.get(target_id)
                if kind is TargetKind.WORKSHOP and target is not None:
                    await self._bookings.release(conn, target, child.holder)
            await repo.delete(conn, child.id)
        self._bookings.changed({parent_id})
        return child

    async def _enrol(self, conn: aiosqlite.Connection, parent: Participant) -> bool:
        """Register a parent who wrote /children before /start, as anyone is (PeopleService),
        in the caller's transaction; tell whether they are new (the caller then says so, once
        it has committed). They wrote in private: they stay reachable."""
        return await self._people.enrol(conn, parent.user_id, parent, in_private=True)

    # Sign-ups

    def _kids_item(self, programme: Programme, ref: str) -> Workshop:
        item = next((w for w in programme.workshops if core.ref(w.id) == ref), None)
        if item is None or item.kind is not Kind.KIDS or not item.takes_signups:
            raise DomainError("common.stale_button")
        return item

    async def for_whom(self, parent_id: int, ref: str) -> ForWhom:
        """Give the "for whom?" question of a kids' item: each child, where they stand."""
        programme = await self._programme.current()
        item = self._kids_item(programme, ref)
        target = Target.of_workshop(item)
        async with self._db.read() as conn:
            children = await repo.of_parent(conn, parent_id)
            standing = await bookings_repo.standing(conn, target)
        choices = tuple(
            Choice(
                c,
                standing.status_of(c.holder),
                standing.position(c.holder),
                rules.fits(item, c.age),
            )
            for c in children
        )
        return ForWhom(item, standing, choices, self._bookings.is_open(target))

    async def sign_up(self, parent_id: int, ref: str, child_id: int) -> ChildMove:
        """Sign a child up (or onto the waiting list): within their ages, never twice at once."""
        programme = await self._programme.current()
        item = self._kids_item(programme, ref)
        target = Target.of_workshop(item)
        if not self._bookings.is_open(target):
            raise DomainError("bookings.closed", title=item.title)
        items = {w.id: w for w in programme.workshops}
        async with self._db.transaction() as conn:
            child = await self._own(conn, parent_id, child_id)
            if not rules.fits(item, child.age):
                raise DomainError(
                    "children.wrong_age",
                    name=child.first_name,
                    age=child.age,
                    title=item.title,
                    ages=rules.ages(item),
                )
            current = await bookings_repo.standing(conn, target)
            outcome = core.decide_sign_up(current, child.holder)
            if outcome in (Outcome.ALREADY_IN, Outcome.ALREADY_WAITING):
                return ChildMove(child, item, outcome, current.position(child.holder))
            for _, target_id, _ in await repo.booked(conn, child.id):
                other = items.get(target_id)
                if other is not None and target.overlaps(other.start, other.end):
                    return ChildMove(child, item, outcome, clash=other)
            status = Status.IN if outcome is Outcome.SIGNED_UP else Status.WAITING
            await repo.book(conn, target, child, status, self._clock.now())
            after = await bookings_repo.standing(conn, target)
        self._bookings.changed({parent_id})
        return ChildMove(child, item, outcome, after.position(child.holder))

    async def cancel(self, parent_id: int, ref: str, child_id: int) -> ChildMove:
        """Take a child off an item (or its waiting list); the next one waiting moves up."""
        programme = await self._programme.current()
        item = self._kids_item(programme, ref)
        target = Target.of_workshop(item)
        async with self._db.transaction() as conn:
            child = await self._own(conn, parent_id, child_id)
            outcome, promoted = await self._bookings.release(conn, target, child.holder)
            kids = await repo.behind(conn, [u for _, u in promoted])
        self._bookings.changed(
            {parent_id} | {kids[u].parent_id if u in kids else u for _, u in promoted}
        )
        return ChildMove(child, item, outcome)

    # The roster

    async def roster(self, item: Workshop) -> tuple[list[RosterLine], list[RosterLine]]:
        """List the children in, then waiting, for an item, each with their parent.

        Call it after BookingService.participants, which checks who may see the roster.
        """
        if not item.takes_signups:
            return [], []
        async with self._db.read() as conn:
            standing = await bookings_repo.standing(conn, Target.of_workshop(item))
            kids = await repo.behind(conn, (*standing.ins, *standing.waiting))
            parents = {
                c.parent_id: await participants_repo.get(conn, c.parent_id) for c in kids.values()
            }

        def lines(holders: Sequence[int]) -> list[RosterLine]:
            return [RosterLine(kids[h], parents[kids[h].parent_id]) for h in holders if h in kids]

        return lines(standing.ins), lines(standing.waiting)
