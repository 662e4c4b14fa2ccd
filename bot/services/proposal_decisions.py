"""Sessions proposed in chat: the organisers' decisions (approve, move, decline), the cards
they read, and the approved proposals kept when the programme file is imported again.

Approval checks the room in the same BEGIN IMMEDIATE transaction that puts the item in the
programme: a room is never given twice for the same time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain import proposals as core
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.domain.models import Programme, Room
from bot.domain.proposals import Proposal, Slot, Status
from bot.events import Events, ProgrammeChanged
from bot.services.drafts import DraftService
from bot.services.programme import ProgrammeService
from bot.services.proposal_slots import ProposalSlots
from bot.services.roles import RolesService
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage import programme as programme_repo
from storage import proposals as repo
from storage import roles as roles_repo
from storage.db import Database
from storage.outbox import Entry

log = logging.getLogger(__name__)

DECLINE_FLOW = "proposals.declining"
"""An organiser's decline, waiting for its reason."""
KIND = MessageKind.PROPOSAL


class ProposalDecisions:
    """Let the organisers decide on proposals, and turn the approved ones into items."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        roles: RolesService,
        drafts: DraftService,
        slots: ProposalSlots,
        events: Events,
        organisers: Sequence[int],
        organisers_chat: int | None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._roles = roles
        self._drafts = drafts
        self._slots = slots
        self._events = events
        self._organisers = tuple(organisers)
        self._organisers_chat = organisers_chat

    async def get(self, proposal_id: int) -> Proposal | None:
        """Give a proposal, if it exists."""
        async with self._db.read() as conn:
            return await repo.get(conn, proposal_id)

    async def read(self, conn: aiosqlite.Connection, proposal_id: int) -> Proposal:
        """Give a proposal (in the caller's transaction), or refuse the button as stale."""
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
        slots = await self._slots.slots_for(proposal.user_id, proposal.minutes, limit=8)
        return proposal, [s for s in slots if (s.start, s.room) != (proposal.start, proposal.room)]

    async def approve(self, organiser: int, proposal_id: int, slot: Slot | None = None) -> Proposal:
        """Approve a proposal in its slot, or in `slot` (a move); all in one transaction.

        Refused: not an organiser, decided already, no slot yet, in the past, room taken.
        """
        await self._roles.require_organiser(organiser)
        async with self._db.transaction() as conn:
            proposal = await self.read(conn, proposal_id)
            if proposal.status is not Status.PENDING:
                raise DomainError(f"proposals.already_{proposal.status.value}")
            if slot is None:
                if proposal.start is None or proposal.room is None:
                    raise DomainError("proposals.choose_slot")
                slot = Slot(proposal.start, proposal.room)
            approved = await self.approve_in(conn, proposal, slot, organiser)
        log.info("proposal %d approved by %s: %s", proposal_id, organiser, approved.item_id)
        await self.changed()
        return approved

    async def approve_in(
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
        approved = await self.read(conn, proposal.id)
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

    async def changed(self) -> None:
        """Forget the cached programme and roles; say the programme changed."""
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
            proposal = await self.read(conn, proposal_id)
            if not await repo.decline(conn, proposal_id, reason, organiser, now):
                raise DomainError(f"proposals.already_{proposal.status.value}")
            params = {"proposal_id": proposal_id, "what": "declined"}
            news = Entry(
                f"{KIND}:declined:{proposal_id}", KIND, proposal.user_id, now, params, urgent=True
            )
            await outbox_repo.add(conn, [news], now)
            declined = await self.read(conn, proposal_id)
        log.info("proposal %d declined by %s", proposal_id, organiser)
        return declined

    async def cards(
        self, conn: aiosqlite.Connection, proposal: Proposal, now: datetime
    ) -> list[Entry]:
        """Give the cards that show a new proposal to the organisers."""
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
