"""Feedback for facilitators: one question after the items a person came to, anonymous answers.

Only someone who came (signed up, in, or starred the item) may answer, once, after the item
ended; a press that does not fit is a stale button and changes nothing. A comment is the
optional next text (a draft waits for it, and gives way to any command or other button).
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.clock import Clock
from bot.domain.booking import Status, TargetKind, ref
from bot.domain.errors import DomainError
from bot.domain.feedback import Answer, Tally, tally
from bot.domain.feedback_planning import SUMMARY_ANSWERS
from bot.domain.models import Workshop
from bot.services.announcements import AnnouncementService
from bot.services.drafts import DraftService
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as bookings_repo
from storage import favourites as favourites_repo
from storage import feedback as repo
from storage.db import Database

FLOW = "feedback"
"""The drafts' flow that waits for a comment."""
COMMENT = "feedback_comment"
MAX_COMMENT = 500


class FeedbackService:
    """Ask, keep the answers, and sum them up for the facilitators and the organisers."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        roles: RolesService,
        drafts: DraftService,
        announcements: AnnouncementService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._roles = roles
        self._drafts = drafts
        self._announcements = announcements

    async def _came(self, conn: aiosqlite.Connection, user_id: int, item_id: str) -> bool:
        if item_id in await favourites_repo.of_user(conn, user_id):
            return True
        return any(
            b.kind is TargetKind.WORKSHOP and b.target_id == item_id and b.status is Status.IN
            for b in await bookings_repo.of_user(conn, user_id)
        )

    async def _runs(self, user_id: int, item_id: str) -> bool:
        return item_id in (await self._roles.facilitating()).get(user_id, [])

    async def to_ask(self, user_id: int, item_ids: Sequence[str]) -> list[Workshop]:
        """Give the items of a planned question still worth asking about, at send time."""
        items = {w.id: w for w in (await self._programme.current()).workshops}
        now = self._clock.now()
        out = []
        async with self._db.read() as conn:
            done = await repo.answered(conn, user_id)
            for item_id in item_ids:
                w = items.get(item_id)
                if w is None or w.end > now or item_id in done:
                    continue
                if await self._came(conn, user_id, item_id) and not await self._runs(
                    user_id, item_id
                ):
                    out.append(w)
        return sorted(out, key=lambda w: (w.start, w.title))

    async def answer(self, user_id: int, code: str, score: int) -> Workshop:
        """Keep a person's answer about an item they came to, once; then wait for a comment."""
        if await self._people.get(user_id) is None:
            raise DomainError("common.not_registered")
        item = next(
            (w for w in (await self._programme.current()).workshops if ref(w.id) == code), None
        )
        if item is None or item.end > self._clock.now() or await self._runs(user_id, item.id):
            raise DomainError("common.stale_button")
        async with self._db.transaction() as conn:
            if not await self._came(conn, user_id, item.id):
                raise DomainError("common.stale_button")
            if not await repo.add(conn, user_id, item.id, score, self._clock.now()):
                raise DomainError("feedback.already", title=item.title)
            count = len(await repo.of_item(conn, item.id))
        await self._drafts.put(user_id, FLOW, ref(item.id), {"item": item.id}, awaiting=COMMENT)
        if count == SUMMARY_ANSWERS:
            await self._announcements.replan()  # the facilitators' summary goes now
        return item

    async def comment(self, user_id: int, text: str) -> Workshop:
        """Add the comment a person wrote after answering (once; a draft waited for it)."""
        draft = await self._drafts.get(user_id, FLOW)
        if draft is None:
            raise DomainError("feedback.no_comment_expected")
        text = text.strip()
        if len(text) > MAX_COMMENT:
            await self._drafts.put(user_id, FLOW, draft.tag, draft.body, awaiting=COMMENT)
            raise DomainError("feedback.comment_too_long", limit=MAX_COMMENT)
        item_id = str(draft.body.get("item", ""))
        async with self._db.transaction() as conn:
            await self._drafts.take(conn, user_id, FLOW, draft.tag, missing="common.stale_button")
            if not await repo.comment(conn, user_id, item_id, text):
                raise DomainError("feedback.already_commented")
        items = {w.id: w for w in (await self._programme.current()).workshops}
        if item_id not in items:
            raise DomainError("common.stale_button")
        return items[item_id]

    async def summary(self, item_id: str) -> Tally | None:
        """Give the anonymous tally of an item's answers; None when nobody answered."""
        items = {w.id: w for w in (await self._programme.current()).workshops}
        if item_id not in items:
            return None
        async with self._db.read() as conn:
            answers = await repo.of_item(conn, item_id)
        return tally(items[item_id], answers) if answers else None

    async def overview(self, user_id: int) -> list[Tally]:
        """Give every item's tally, in programme order (organisers only)."""
        await self._roles.require_organiser(user_id)
        async with self._db.read() as conn:
            answers = await repo.everything(conn)
        by_item: dict[str, list[Answer]] = {}
        for a in answers:
            by_item.setdefault(a.item_id, []).append(a)
        programme = await self._programme.current()
        return [
            tally(w, by_item[w.id])
            for w in sorted(programme.workshops, key=lambda w: (w.start, w.title))
            if w.id in by_item
        ]
