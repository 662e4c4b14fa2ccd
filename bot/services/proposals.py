"""Sessions participants propose in chat: the guided draft, the organisers' decision, the item.

The proposer's answers are a draft (bot/services/drafts.py, flow `proposals`), so a restart
forgets nothing. A submitted proposal waits for an organiser (a card through the outbox), or
with `approval = "automatic"` is accepted at once when its slot is free. Approval checks the
room in the same BEGIN IMMEDIATE transaction that puts the item in the programme: a room is
never given twice for the same time. Approved proposals stay in the programme when the file is
imported again (`keep`, called by ProgrammeService.store); a file that now takes their room and
time is told to the organisers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain import proposals as core
from bot.domain.booking import TargetKind
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.domain.models import Programme, Room
from bot.domain.proposals import Draft, Proposal, Slot, Status
from bot.events import Events, ProgrammeChanged
from bot.services.drafts import DraftService
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as bookings_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage import programme as programme_repo
from storage import proposals as repo
from storage import roles as roles_repo
from storage.db import Database
from storage.outbox import Entry

log = logging.getLogger(__name__)

FLOW = "proposals"
"""The proposer's draft, and the name of the text it waits for (title, description, places)."""
DECLINE_FLOW = "proposals.declining"
"""An organiser's decline, waiting for its reason."""
KIND = MessageKind.PROPOSAL


@dataclass(frozen=True, slots=True)
class Submitted:
    """A proposal sent: it waits for the organisers, or (automatic) is in the programme."""

    proposal: Proposal
    approved: bool


class SlotTaken(DomainError):
    """The slot chosen was taken meanwhile: choose another (the draft is kept)."""

    def __init__(self) -> None:
        super().__init__("proposals.slot_taken")


class ProposalService:
    """Take proposals in, and turn the approved ones into programme items."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        roles: RolesService,
        drafts: DraftService,
        events: Events,
        organisers: Sequence[int],
        organisers_chat: int | None,
        automatic: bool,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._roles = roles
        self._drafts = drafts
        self._events = events
        self._organisers = tuple(organisers)
        self._organisers_chat = organisers_chat
        self.automatic = automatic

    # The proposer's draft, step by step

    async def _draft(self, user_id: int) -> Draft:
        found = await self._drafts.get(user_id, FLOW)
        if found is None:
            raise DomainError("proposals.no_draft")
        return Draft.of(found.body)

    async def _put(self, user_id: int, draft: Draft) -> Draft:
        waits = draft.step in ("title", "description", "places")
        await self._drafts.put(user_id, FLOW, "", draft.body(), awaiting=FLOW if waits else None)
        return draft

    async def _pending_count(self, user_id: int) -> int:
        async with self._db.read() as conn:
            return await repo.pending_count(conn, user_id)

    async def begin(self, user_id: int) -> Draft:
        """Start a proposal: refuse someone unknown, or with too many waiting already."""
        if await self._people.get(user_id) is None:
            raise DomainError("common.not_registered")
        if await self._pending_count(user_id) >= core.MAX_PENDING:
            raise DomainError("proposals.too_many", limit=core.MAX_PENDING)
        return await self._put(user_id, Draft("title"))

    async def typed(self, user_id: int, text: str) -> Draft:
        """Read the text the draft waits for (title, description, places); give the next step.

        A value that cannot be used is refused and the draft keeps waiting for another one.
        """
        draft = await self._draft(user_id)
        try:
            if draft.step == "title":
                title = core.check_title(text)
                return await self._put(user_id, Draft("description", title=title))
            if draft.step == "description":
                description = core.check_description(text)
                step = Draft("minutes", draft.title, description)
                return await self._put(user_id, step)
            if draft.step == "places":
                return await self.places(user_id, core.check_places(text))
        except DomainError:
            await self._put(user_id, draft)  # keep waiting for a usable value
            raise
        raise DomainError("proposals.use_buttons")

    async def duration(self, user_id: int, minutes: int) -> tuple[Draft, list[Slot]]:
        """Keep the duration; give the next free slots for it."""
        draft = await self._draft(user_id)
        if minutes not in core.DURATIONS or not draft.description:
            raise DomainError("common.bad_button")
        draft = Draft("when", draft.title, draft.description, minutes)
        await self._put(user_id, draft)
        return draft, await self.slots_for(user_id, minutes)

    async def slots_for(
        self, user_id: int, minutes: int, limit: int = core.SLOTS_OFFERED
    ) -> list[Slot]:
        """List the next slots where a room is free and this person has nothing else."""
        programme = await self._programme.current()
        runs = (await self._roles.facilitating()).get(user_id, ())
        async with self._db.read() as conn:
            busy = await self._busy(conn, programme, user_id, runs)
        rooms = core.rooms_to_offer(programme)
        return core.free_slots(programme.workshops, rooms, busy, minutes, self._clock.now(), limit)

    async def _busy(
        self, conn: aiosqlite.Connection, programme: Programme, user_id: int, runs: Sequence[str]
    ) -> list[tuple[datetime, datetime]]:
        """List the spans a person is bound to: sign-ups, waiting places, rota slots, items run."""
        items = {w.id: w for w in programme.workshops}
        slots = {r.id: r for r in programme.rota}
        spans = []
        for b in await bookings_repo.of_user(conn, user_id):
            if b.kind is TargetKind.WORKSHOP and (w := items.get(b.target_id)) is not None:
                spans.append((w.start, w.end))
            elif b.kind is TargetKind.ROTA and (r := slots.get(b.target_id)) is not None:
                spans.append((r.start, r.end))
        for item_id in runs:
            if (w := items.get(item_id)) is not None:
                spans.append((w.start, w.end))
        return spans

    async def when(self, user_id: int, slot: Slot | None) -> Draft:
        """Keep the slot chosen (None: the organisers choose); refuse one taken meanwhile."""
        draft = await self._draft(user_id)
        if not draft.minutes:
            raise DomainError("common.bad_button")
        if slot is not None:
            await self._still_free(user_id, draft.minutes, slot)
        step = Draft(
            "places",
            draft.title,
            draft.description,
            draft.minutes,
            slot.start if slot else None,
            slot.room if slot else None,
        )
        return await self._put(user_id, step)

    async def rechoose(self, user_id: int) -> list[Slot]:
        """Go back to choosing the slot (the one chosen was taken); give the free ones now."""
        draft = await self._draft(user_id)
        if not draft.minutes:
            raise DomainError("proposals.no_draft")
        draft = Draft("when", draft.title, draft.description, draft.minutes)
        await self._put(user_id, draft)
        return await self.slots_for(user_id, draft.minutes)

    async def _still_free(self, user_id: int, minutes: int, slot: Slot) -> None:
        if slot.start <= self._clock.now():
            raise DomainError("proposals.in_the_past")
        free = await self.slots_for(user_id, minutes, limit=1000)
        if slot not in free and not await self._room_free_now(slot, minutes):
            raise SlotTaken

    async def _room_free_now(self, slot: Slot, minutes: int) -> bool:
        """Tell whether the room is free then (a slot not among the first offered)."""
        programme = await self._programme.current()
        end = slot.start + timedelta(minutes=minutes)
        known = {r.name for r in programme.rooms}
        return (
            slot.room in known
            and core.room_taken(programme.workshops, slot.room, slot.start, end) is None
        )

    async def places(self, user_id: int, capacity: int | None) -> Draft:
        """Keep the number of places (None: no sign-ups)."""
        draft = await self._draft(user_id)
        if draft.step not in ("places", "language"):
            raise DomainError("common.bad_button")
        step = Draft(
            "language",
            draft.title,
            draft.description,
            draft.minutes,
            draft.start,
            draft.room,
            capacity,
        )
        return await self._put(user_id, step)

    async def language(self, user_id: int, language: str) -> Draft:
        """Keep the language; give the draft to preview."""
        draft = await self._draft(user_id)
        if language not in core.LANGUAGES or draft.step not in ("language", "preview"):
            raise DomainError("common.bad_button")
        step = Draft(
            "preview",
            draft.title,
            draft.description,
            draft.minutes,
            draft.start,
            draft.room,
            draft.capacity,
            language,
        )
        return await self._put(user_id, step)

    async def abandon(self, user_id: int) -> None:
        """Forget the person's draft."""
        await self._drafts.drop(user_id, FLOW)

    async def submit(self, user_id: int) -> Submitted:
        """Send the draft: to the organisers, or (automatic, in a free slot) into the programme.

        A slot taken or gone by meanwhile is refused (SlotTaken) and the draft kept.
        """
        draft = await self._draft(user_id)
        if draft.step != "preview":
            raise DomainError("proposals.no_draft")
        person = await self._people.get(user_id)
        if person is None:
            raise DomainError("common.not_registered")
        now = self._clock.now()
        approved = False
        async with self._db.transaction() as conn:
            if await repo.pending_count(conn, user_id) >= core.MAX_PENDING:
                raise DomainError("proposals.too_many", limit=core.MAX_PENDING)
            if draft.start is not None:
                if draft.start <= now:
                    raise DomainError("proposals.in_the_past")
                assert draft.room is not None
                items = (await programme_repo.load(conn)).workshops
                end = draft.start + timedelta(minutes=draft.minutes)
                if core.room_taken(items, draft.room, draft.start, end) is not None:
                    raise SlotTaken
            await self._drafts.take(conn, user_id, FLOW, "", missing="proposals.no_draft")
            proposal = Proposal(
                id=0,
                user_id=user_id,
                title=draft.title,
                description=draft.description,
                minutes=draft.minutes,
                start=draft.start,
                room=draft.room,
                capacity=draft.capacity,
                language=draft.language,
                proposer_name=person.display_name,
                proposer_username=person.username,
                status=Status.PENDING,
                created_at=now,
            )
            number = await repo.add(conn, proposal)
            proposal = await self._get(conn, number)
            if self.automatic and proposal.start is not None and proposal.room is not None:
                slot = Slot(proposal.start, proposal.room)
                # The proposer reads the guide in the answer to their press: no second message
                proposal = await self._approve_in(conn, proposal, slot, 0, tell=False)
                approved = True
            else:
                await outbox_repo.add(conn, await self._cards(conn, proposal, now), now)
        log.info("proposal %d by %s (%s)", number, user_id, "approved" if approved else "pending")
        if approved:
            await self._changed()
        return Submitted(proposal, approved)

    async def _cards(
        self, conn: aiosqlite.Connection, proposal: Proposal, now: datetime
    ) -> list[Entry]:
        params = {"proposal_id": proposal.id, "what": "card"}
        return [
            Entry(f"{KIND}:card:{proposal.id}:{chat}", KIND, chat, now, params, urgent=True)
            for chat in await self._organiser_chats(conn)
        ]

    async def _organiser_chats(self, conn: aiosqlite.Connection) -> list[int]:
        """Give where the organisers hear of proposals: their group, or each who started me."""
        if self._organisers_chat is not None:
            return [self._organisers_chat]
        return [o for o in self._organisers if await participants_repo.get(conn, o) is not None]

    # The organisers' decisions

    async def get(self, proposal_id: int) -> Proposal | None:
        """Give a proposal, if it exists."""
        async with self._db.read() as conn:
            return await repo.get(conn, proposal_id)

    async def _get(self, conn: aiosqlite.Connection, proposal_id: int) -> Proposal:
        found = await repo.get(conn, proposal_id)
        if found is None:
            raise DomainError("common.stale_button")
        return found

    async def pending(self, organiser: int, proposal_id: int) -> Proposal:
        """Give a proposal still waiting for a decision (organisers); refuse a decided one."""
        await self._roles.require_organiser(organiser)
        proposal = await self.get(proposal_id)
        if proposal is None:
            raise DomainError("common.stale_button")
        if proposal.status is not Status.PENDING:
            raise DomainError(f"proposals.already_{proposal.status.value}")
        return proposal

    async def has_slot(self, proposal_id: int) -> bool:
        """Tell whether a proposal asked for a slot (or leaves it to the organisers)."""
        proposal = await self.get(proposal_id)
        return proposal is None or proposal.start is not None

    async def move_slots(self, organiser: int, proposal_id: int) -> tuple[Proposal, list[Slot]]:
        """Give a pending proposal and the free slots it may be moved to (organisers)."""
        proposal = await self.pending(organiser, proposal_id)
        slots = await self.slots_for(proposal.user_id, proposal.minutes, limit=8)
        return proposal, [s for s in slots if (s.start, s.room) != (proposal.start, proposal.room)]

    async def approve(self, organiser: int, proposal_id: int, slot: Slot | None = None) -> Proposal:
        """Approve a proposal in its slot, or in `slot` (a move); all in one transaction.

        Refused: not an organiser, decided already, no slot yet, in the past, room taken.
        """
        await self._roles.require_organiser(organiser)
        async with self._db.transaction() as conn:
            proposal = await self._get(conn, proposal_id)
            if proposal.status is not Status.PENDING:
                raise DomainError(f"proposals.already_{proposal.status.value}")
            if slot is None:
                if proposal.start is None or proposal.room is None:
                    raise DomainError("proposals.choose_slot")
                slot = Slot(proposal.start, proposal.room)
            approved = await self._approve_in(conn, proposal, slot, organiser)
        log.info("proposal %d approved by %s: %s", proposal_id, organiser, approved.item_id)
        await self._changed()
        return approved

    async def _approve_in(
        self,
        conn: aiosqlite.Connection,
        proposal: Proposal,
        slot: Slot,
        by: int,
        *,
        tell: bool = True,
    ) -> Proposal:
        """Approve inside the caller's BEGIN IMMEDIATE: the room is read and taken at once."""
        now = self._clock.now()
        if slot.start <= now:
            raise DomainError("proposals.in_the_past")
        end = slot.start + timedelta(minutes=proposal.minutes)
        programme = await programme_repo.load(conn)
        taken = core.room_taken(programme.workshops, slot.room, slot.start, end)
        if taken is not None:
            raise DomainError("proposals.room_taken", room=slot.room, title=taken.title)
        item_id = core.item_id(proposal.id)
        if not await repo.approve(conn, proposal.id, slot.start, slot.room, item_id, by, now):
            raise DomainError("proposals.already_decided")
        approved = await self._get(conn, proposal.id)
        item = core.as_item(approved)
        await programme_repo.add_workshop(conn, item)
        await programme_repo.add_room(conn, slot.room)
        await roles_repo.set_item_facilitator(conn, item.id, proposal.user_id, "added", by, now)
        await roles_repo.audit(
            conn,
            at=now,
            user_id=by or proposal.user_id,
            item_id=item.id,
            action="proposal_approved",
            before={"title": item.title},
            after={"room": slot.room, "start": item.start.isoformat(timespec="minutes")},
        )
        if tell:
            params = {"proposal_id": proposal.id, "what": "approved"}
            news = Entry(
                f"{KIND}:approved:{proposal.id}", KIND, proposal.user_id, now, params, urgent=True
            )
            await outbox_repo.add(conn, [news], now)
        return approved

    async def _changed(self) -> None:
        self._programme.forget()
        self._roles.forget()
        await self._events.publish(ProgrammeChanged())

    async def ask_reason(self, organiser: int, proposal_id: int) -> Proposal:
        """Keep a decline that waits for its reason (organisers)."""
        proposal = await self.pending(organiser, proposal_id)
        await self._drafts.put(
            organiser, DECLINE_FLOW, "", {"proposal_id": proposal_id}, awaiting=DECLINE_FLOW
        )
        return proposal

    async def decline(self, organiser: int, text: str) -> Proposal:
        """Decline the proposal the organiser's draft names, with this reason; tell the proposer."""
        await self._roles.require_organiser(organiser)
        found = await self._drafts.get(organiser, DECLINE_FLOW)
        if found is None:
            raise DomainError("proposals.declining.no_draft")
        proposal_id = int(found.body["proposal_id"])
        try:
            reason = core.check_reason(text)
        except DomainError:
            await self._drafts.put(organiser, DECLINE_FLOW, "", found.body, awaiting=DECLINE_FLOW)
            raise
        now = self._clock.now()
        async with self._db.transaction() as conn:
            await self._drafts.take(
                conn, organiser, DECLINE_FLOW, "", missing="proposals.declining.no_draft"
            )
            proposal = await self._get(conn, proposal_id)
            if not await repo.decline(conn, proposal_id, reason, organiser, now):
                raise DomainError(f"proposals.already_{proposal.status.value}")
            params = {"proposal_id": proposal_id, "what": "declined"}
            news = Entry(
                f"{KIND}:declined:{proposal_id}", KIND, proposal.user_id, now, params, urgent=True
            )
            await outbox_repo.add(conn, [news], now)
            declined = await self._get(conn, proposal_id)
        log.info("proposal %d declined by %s", proposal_id, organiser)
        return declined

    # Re-importing the programme file

    async def keep(self, conn: aiosqlite.Connection, programme: Programme, tell: bool) -> Programme:
        """Add the approved proposals a new programme file lacks; tell the organisers of clashes.

        Called inside the import's transaction. An item of the file in a proposed item's room
        at its time is kept as the file says, and so is the proposed item: the organisers are
        told (once per clash), never the participants.
        """
        proposed = await repo.approved(conn)
        if not proposed:
            return programme
        ids = {w.id for w in programme.workshops}
        added = [core.as_item(p) for p in proposed if p.item_id not in ids]
        if not added:
            return programme
        now = self._clock.now()
        # Where each is now: changes made in chat since (a move, a cancellation) count
        stored = {w.id: w for w in (await programme_repo.load(conn)).workshops} if tell else {}
        entries: list[Entry] = []
        for item in added:
            current = stored.get(item.id)
            if current is None or current.room is None or current.end <= now:
                continue
            clash = core.room_taken(programme.workshops, current.room, current.start, current.end)
            if clash is None:
                continue
            proposal_id = int(item.id.removeprefix("proposal-"))
            log.warning("re-import: %s takes the room of proposed %s", clash.id, item.id)
            params = {"proposal_id": proposal_id, "what": "clash", "clash": clash.title}
            entries += [
                Entry(
                    f"{KIND}:clash:{proposal_id}:{clash.id}:{chat}",
                    KIND,
                    chat,
                    now,
                    params,
                    urgent=True,
                )
                for chat in await self._organiser_chats(conn)
            ]
        if entries:
            await outbox_repo.add(conn, entries, now)
        rooms = {r.name for r in programme.rooms}
        extra_rooms = tuple(Room(w.room) for w in added if w.room and w.room not in rooms)
        return Programme(
            programme.workshops + tuple(added),
            programme.rooms + tuple(dict.fromkeys(extra_rooms)),
            programme.rota,
            programme.name,
            programme.warnings,
        )
