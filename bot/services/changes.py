"""Facilitators' and organisers' changes to items: preview, confirm, tell, re-plan, log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.domain import booking as core
from bot.domain import changes
from bot.domain.booking import Target
from bot.domain.changes import Change, ChangeKind
from bot.domain.errors import DomainError
from bot.domain.models import Role, Workshop
from bot.services.drafts import DraftService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as bookings_repo
from storage import outbox as outbox_repo
from storage import programme as programme_repo
from storage import roles as roles_repo
from storage.db import Database
from storage.outbox import Entry
from storage.roles import AuditEntry

log = logging.getLogger(__name__)

FLOW = "change"
"""The drafts' flow, and the name of the text input a draft waits for."""


@dataclass(frozen=True, slots=True)
class Preview:
    """A change as it would be: the item before and after, and who would be told."""

    change: Change
    before: Workshop
    after: Workshop | None
    told: int
    group: bool


class ChangeService:
    """Make changes to the programme that the people concerned hear about."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        roles: RolesService,
        group_chat: int | None,
        grace: timedelta,
        drafts: DraftService,
    ) -> None:
        self._db = db
        self._drafts = drafts
        self._clock = clock
        self._programme = programme
        self._roles = roles
        self._group = group_chat
        self._grace = grace

    async def item(self, user_id: int, item_id: str) -> Workshop:
        """Give an item this person may change, or refuse."""
        item = next(
            (w for w in (await self._programme.current()).workshops if w.id == item_id), None
        )
        if item is None:
            raise DomainError("common.stale_button")
        if not await self._roles.may_change(user_id, item):
            raise DomainError("change.not_yours")
        return item

    async def changeable(self, user_id: int) -> list[Workshop]:
        """List the items, not yet over, that this person may change."""
        now = self._clock.now()
        role = await self._roles.role(user_id)
        if role is Role.PARTICIPANT:
            raise DomainError("change.not_yours")
        if role is Role.ORGANISER:
            items = (await self._programme.current()).workshops
        else:
            items = tuple(await self._roles.items_run_by(user_id))
        return [w for w in items if w.end > now]

    async def preview(self, user_id: int, change: Change) -> Preview:
        """Show what a change would do, changing nothing."""
        change = changes.check(change)
        item = await self.item(user_id, change.item_id)
        told = 0
        if item.capacity is not None:
            async with self._db.read() as conn:
                standing = await bookings_repo.standing(conn, Target.of_workshop(item))
            told = len(standing.ins) + len(standing.waiting)
        return Preview(change, item, changes.apply(item, change), told, self._group is not None)

    # Drafts: a change waiting for its value or its confirmation, one per person

    async def propose(self, user_id: int, change: Change) -> Preview:
        """Show what a change would do and keep it as the person's draft, to confirm."""
        preview = await self.preview(user_id, change)
        await self._drafts.put(user_id, FLOW, "", _body(preview.change))
        return preview

    async def ask(self, user_id: int, item_id: str, kind: ChangeKind) -> None:
        """Keep a change whose value the person types next."""
        item = await self.item(user_id, item_id)
        await self._drafts.put(user_id, FLOW, "", _body(Change(item.id, kind)), awaiting=FLOW)

    async def draft(self, user_id: int) -> Change:
        """Give the person's draft, or refuse: none, or expired."""
        draft = await self._drafts.get(user_id, FLOW)
        if draft is None:
            raise DomainError("change.no_draft")
        return _change(draft.body)

    async def abandon(self, user_id: int) -> None:
        """Forget the person's draft."""
        await self._drafts.drop(user_id, FLOW)

    async def confirm(self, user_id: int) -> Preview:
        """Make the person's draft change, once: a press again finds nothing to confirm."""
        return await self.apply(user_id, await self.draft(user_id), from_draft=True)

    async def apply(self, user_id: int, change: Change, *, from_draft: bool = False) -> Preview:
        """Make the change, tell everyone concerned, log it; all in one step.

        from_draft: the change is the person's draft, taken in the same step (or refused if
        an earlier press took it).
        """
        preview = await self.preview(user_id, change)
        before, after = preview.before, preview.after
        now = self._clock.now()
        async with self._db.transaction() as conn:
            if from_draft:
                taken = await self._drafts.take(conn, user_id, FLOW, "", missing="change.no_draft")
                if _change(taken.body) != change:
                    raise DomainError("common.stale_button")  # replaced meanwhile
            if after is None:
                await programme_repo.delete_workshop(conn, before.id)
            else:
                await programme_repo.update_workshop(conn, after)
                if after.room:
                    await programme_repo.add_room(conn, after.room)
            number = await roles_repo.audit(
                conn,
                at=now,
                user_id=user_id,
                item_id=before.id,
                action=preview.change.kind.value,
                before=changes.summary(before),
                after=changes.summary(after),
                value=preview.change.value,
            )
            people: tuple[int, ...] = ()
            promoted: tuple[int, ...] = ()
            if before.capacity is not None:
                standing = await bookings_repo.standing(conn, Target.of_workshop(before))
                people = standing.ins + standing.waiting
                if after is not None and after.capacity is not None:
                    grown = core.Standing(Target.of_workshop(after), standing.ins, standing.waiting)
                    promoted = core.to_promote(grown, now, self._grace)
                    await bookings_repo.promote(conn, grown.target, promoted)
            if after is None:
                await bookings_repo.drop_orphans(conn)
                await outbox_repo.cancelled_sent_reminders(conn, before.id)
            else:
                start = after.start.isoformat(timespec="minutes")
                await outbox_repo.retarget_sent_reminders(conn, after.id, start, after.room)
            params = {
                "item_id": before.id,
                "kind": preview.change.kind.value,
                "value": preview.change.value,
                "before": changes.summary(before),
                "after": changes.summary(after),
            }
            stamp = f"{number}"
            entries = [
                Entry(f"change:{before.id}:{stamp}:{u}", "change", u, now, params, urgent=True)
                for u in people
                if u not in promoted
            ]
            entries += [
                Entry(
                    f"promoted:workshop:{before.id}:{u}:{stamp}",
                    "promoted",
                    u,
                    now,
                    {"target_kind": "workshop", "target_id": before.id},
                    urgent=True,
                )
                for u in promoted
            ]
            if self._group is not None:
                entries.append(
                    Entry(f"change:{before.id}:{stamp}:group", "change", self._group, now, params)
                )
            await outbox_repo.add(conn, entries, now)
        log.info("%s changed %s: %s %s", user_id, before.id, change.kind, change.value)
        self._programme.forget()
        self._roles.forget()
        for hook in self._programme.after_change:
            await hook()
        return preview

    async def log(self, user_id: int, limit: int = 20) -> list[AuditEntry]:
        """Give the newest changes (organisers)."""
        await self._roles.require_organiser(user_id)
        async with self._db.read() as conn:
            return await roles_repo.audit_log(conn, limit)


def _body(change: Change) -> dict[str, str]:
    return {"item_id": change.item_id, "kind": change.kind.value, "value": change.value}


def _change(body: dict[str, Any]) -> Change:
    return Change(str(body["item_id"]), ChangeKind(body["kind"]), str(body.get("value", "")))
