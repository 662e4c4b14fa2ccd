"""Sessions participants propose in chat: the guided draft, step by step, and sending it.

The proposer's answers are a draft (bot/services/drafts.py, flow `proposals`), so a restart
forgets nothing. A submitted proposal waits for an organiser (a card through the outbox), or
with `approval = "automatic"` is accepted at once when its slot is free. The organisers'
decisions are bot/services/proposal_decisions.py; the free slots bot/services/proposal_slots.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain import proposals as core
from bot.domain.errors import DomainError
from bot.domain.proposals import Draft, Proposal, Slot, Status
from bot.services.drafts import DraftService
from bot.services.people import PeopleService
from bot.services.proposal_decisions import ProposalDecisions
from bot.services.proposal_slots import ProposalSlots, SlotTaken
from storage import outbox as outbox_repo
from storage import programme as programme_repo
from storage import proposals as repo
from storage.db import Database

log = logging.getLogger(__name__)

FLOW = "proposals"
"""The proposer's draft, and the name of the text it waits for (title, description, places)."""


@dataclass(frozen=True, slots=True)
class Submitted:
    """A proposal sent: it waits for the organisers, or (automatic) is in the programme."""

    proposal: Proposal
    approved: bool


class ProposalService:
    """Guide a proposal from its title to the organisers (or, automatic, into the programme)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleService,
        drafts: DraftService,
        slots: ProposalSlots,
        decisions: ProposalDecisions,
        automatic: bool,
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = people
        self._drafts = drafts
        self._slots = slots
        self._decisions = decisions
        self.automatic = automatic

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
        return draft, await self._slots.slots_for(user_id, minutes)

    async def when(self, user_id: int, slot: Slot | None) -> Draft:
        """Keep the slot chosen (None: the organisers choose); refuse one taken meanwhile."""
        draft = await self._draft(user_id)
        if not draft.minutes:
            raise DomainError("common.bad_button")
        if slot is not None:
            await self._slots.still_free(user_id, draft.minutes, slot)
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
        return await self._slots.slots_for(user_id, draft.minutes)

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
            proposal = await self._decisions.read(conn, number)
            if self.automatic and proposal.start is not None and proposal.room is not None:
                slot = Slot(proposal.start, proposal.room)
                # The proposer reads the guide in the answer to their press: no second message
                proposal = await self._decisions.approve_in(conn, proposal, slot, 0, tell=False)
                approved = True
            else:
                await outbox_repo.add(conn, await self._decisions.cards(conn, proposal, now), now)
        log.info("proposal %d by %s (%s)", number, user_id, "approved" if approved else "pending")
        if approved:
            await self._decisions.changed()
        return Submitted(proposal, approved)
