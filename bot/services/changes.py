"""Facilitators' and organisers' changes to items: preview, confirm, tell, re-plan, log."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import booking as core
from bot.domain import changes
from bot.domain.booking import Commitment, Standing, Status, Target, TargetKind
from bot.domain.changes import AuditEntry, Change, ChangeKind, Preview
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.domain.models import Programme, Role, Workshop
from bot.domain.schedule import local_day
from bot.domain.text import fold
from bot.events import Events, ProgrammeChanged
from bot.services.drafts import DraftService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as bookings_repo
from storage import children as children_repo
from storage import favourites as favourites_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage import programme as programme_repo
from storage import roles as roles_repo
from storage.db import Database
from storage.outbox import Entry

log = logging.getLogger(__name__)

FLOW = "change"
"""The drafts' flow, and the name of the text input a draft waits for."""


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
        tz: ZoneInfo,
        events: Events | None = None,
    ) -> None:
        self._events = events or Events()
        """Where this service says what happened (bot/app.py subscribes)."""
        self._db = db
        self._drafts = drafts
        self._clock = clock
        self._programme = programme
        self._roles = roles
        self._group = group_chat
        self._grace = grace
        self._tz = tz

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
        after = changes.apply(item, change)
        if change.kind is ChangeKind.ROOM and fold(change.value) == fold(item.room or ""):
            raise DomainError("change.same_room", room=item.room or "")
        programme = await self._programme.current()
        timed = change.kind in (ChangeKind.SHIFT, ChangeKind.LATE)
        if timed and after is not None:
            self._within_week(programme, after)
        standing = Standing(Target.of_workshop(item), (), ()) if item.takes_signups else None
        preview = Preview(change, item, after, 0, self._group is not None)
        async with self._db.read() as conn:
            if standing is not None:
                standing = await bookings_repo.standing(conn, standing.target)
                told = len(standing.ins) + len(standing.waiting)
                preview = dataclasses.replace(preview, told=told)
            if after is not None and (timed or change.kind is ChangeKind.ROOM):
                preview = dataclasses.replace(
                    preview, taken=changes.room_clashes(after, programme.workshops)
                )
            if after is not None and timed:
                people = (standing.ins + standing.waiting) if standing else ()
                busy, running = await self._busy(conn, programme, after, people)
                preview = dataclasses.replace(preview, busy=busy, busy_running=running)
            if after is not None and after.capacity is not None and standing is not None:
                keep, wait = core.shrink(standing, after.capacity)
                if wait:
                    preview = dataclasses.replace(
                        preview,
                        keep=await _names(conn, keep),
                        wait=await _names(conn, wait),
                    )
        return preview

    def _within_week(self, programme: Programme, after: Workshop) -> None:
        """Refuse a new time on a day the programme does not span."""
        days = sorted({local_day(w.start, self._tz) for w in programme.workshops})
        day = local_day(after.start, self._tz)
        if days and not days[0] <= day <= days[-1]:
            raise DomainError(
                "change.day_outside",
                first=days[0].strftime("%d/%m"),
                last=days[-1].strftime("%d/%m"),
            )

    async def _busy(
        self,
        conn: aiosqlite.Connection,
        programme: Programme,
        after: Workshop,
        people: tuple[int, ...],
    ) -> tuple[int, int]:
        """Count the people in or waiting, and the facilitators, busy elsewhere at the new time."""
        runs = await self._roles.facilitating()
        items = {w.id: w for w in programme.workshops}
        slots = {r.id: r for r in programme.rota}
        target = Target(
            TargetKind.WORKSHOP, after.id, after.title, after.start, after.end, 0, after.room
        )

        async def busy(user_id: int) -> bool:
            found: list[Commitment] = []
            for b in await bookings_repo.of_user(conn, user_id):
                waiting = b.status is not Status.IN
                if b.kind is TargetKind.WORKSHOP and (w := items.get(b.target_id)) is not None:
                    found.append(Commitment(b.kind, w.id, w.title, w.start, w.end, waiting=waiting))
                elif b.kind is TargetKind.ROTA and (r := slots.get(b.target_id)) is not None:
                    found.append(Commitment(b.kind, r.id, r.area, r.start, r.end, waiting=waiting))
            for item_id in runs.get(user_id, ()):
                if (w := items.get(item_id)) is not None:
                    found.append(
                        Commitment(TargetKind.WORKSHOP, w.id, w.title, w.start, w.end, True)
                    )
            return bool(core.clashes(target, found))

        running = [u for u, ids in runs.items() if after.id in ids]
        return (
            sum([await busy(u) for u in people]),
            sum([await busy(u) for u in running if u not in people]),
        )

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

    async def read_when(self, user_id: int, draft: Change, text: str) -> str:
        """Read a typed new time for the draft's item as the minutes it moves it."""
        item = await self.item(user_id, draft.item_id)
        programme = await self._programme.current()
        week = sorted({local_day(w.start, self._tz) for w in programme.workshops})
        today = local_day(self._clock.now(), self._tz)
        return str(changes.read_when(text, item.start, self._tz, today, week))

    async def draft(self, user_id: int) -> Change:
        """Give the person's draft, or refuse: none, or expired."""
        draft = await self._drafts.get(user_id, FLOW)
        if draft is None:
            raise DomainError("change.no_draft")
        return _change(draft.body)

    async def abandon(self, user_id: int) -> None:
        """Forget the person's draft."""
        await self._drafts.drop(user_id, FLOW)

    async def confirm(self, user_id: int, *, share: bool = False) -> Preview:
        """Make the person's draft change, once: a press again finds nothing to confirm.

        share: the person said yes to sharing the room with what is there at that time.
        """
        return await self.apply(user_id, await self.draft(user_id), from_draft=True, share=share)

    async def apply(
        self, user_id: int, change: Change, *, from_draft: bool = False, share: bool = False
    ) -> Preview:
        """Make the change, tell everyone concerned, log it; all in one step.

        from_draft: the change is the person's draft, taken in the same step (or refused if
        an earlier press took it). A room taken at that time is refused unless `share`.
        """
        preview = await self.preview(user_id, change)
        before, after = preview.before, preview.after
        if preview.taken and not share and after is not None:
            raise DomainError(
                "change.room_taken", room=after.room or "", title=preview.taken[0].title
            )
        now = self._clock.now()
        # On the event loop (a few dozen statements, none waiting for a thread): a change
        # held the writing connection 40 ms at p50 through the thread (bench.soak --stages)
        async with self._db.write_now() as conn:
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
            kept: tuple[int, ...] = ()
            demoted: tuple[int, ...] = ()
            if before.capacity is not None:
                standing = await bookings_repo.standing(conn, Target.of_workshop(before))
                people = standing.ins + standing.waiting
                if after is not None and after.capacity is not None:
                    # Read and moved in this one BEGIN IMMEDIATE: no sign-up slips in between
                    target = Target.of_workshop(after)
                    kept, demoted = core.shrink(standing, after.capacity)
                    if demoted:
                        await bookings_repo.demote(conn, target, demoted)
                    else:
                        kept = ()
                        grown = core.Standing(target, standing.ins, standing.waiting)
                        promoted = core.to_promote(grown, now, self._grace)
                        await bookings_repo.promote(conn, grown.target, promoted)
            # Favourites (issue 14): those who starred the item hear of it as those signed up
            fans = await favourites_repo.of_item(conn, before.id)
            people += tuple(u for u in fans if u not in people)
            if after is None:
                await programme_repo.keep_cancelled(conn, before, people, now)
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
            seats: dict[int, dict[str, Any]] = {u: {"seat": "kept"} for u in kept}
            seats |= {u: {"seat": "waiting", "position": i} for i, u in enumerate(demoted, 1)}
            # A child's news goes to the parent (one change notice a parent, however many)
            kids = await children_repo.behind(conn, people)
            told: dict[int, int] = {}
            for u in people:
                if u not in promoted:
                    told.setdefault(kids[u].parent_id if u in kids else u, u)
            entries = [
                Entry(
                    f"change:{before.id}:{stamp}:{chat}",
                    MessageKind.CHANGE,
                    chat,
                    now,
                    params | seats.get(u, {}),
                    urgent=True,
                )
                for chat, u in told.items()
            ]
            entries += [
                Entry(
                    f"promoted:workshop:{before.id}:{u}:{stamp}",
                    MessageKind.PROMOTED,
                    kids[u].parent_id if u in kids else u,
                    now,
                    {"target_kind": "workshop", "target_id": before.id}
                    | ({"child": kids[u].first_name, "child_id": kids[u].id} if u in kids else {}),
                    urgent=True,
                )
                for u in promoted
            ]
            if self._group is not None:
                entries.append(
                    Entry(
                        f"change:{before.id}:{stamp}:group",
                        MessageKind.CHANGE,
                        self._group,
                        now,
                        params,
                    )
                )
            await outbox_repo.add(conn, entries, now)
        log.info("%s changed %s: %s %s", user_id, before.id, change.kind, change.value)
        self._programme.forget()
        self._roles.forget()
        await self._events.publish(ProgrammeChanged())
        return preview

    async def log(self, user_id: int, limit: int = 20) -> list[AuditEntry]:
        """Give the newest changes (organisers)."""
        await self._roles.require_organiser(user_id)
        async with self._db.read() as conn:
            return await roles_repo.audit_log(conn, limit)


async def _names(conn: aiosqlite.Connection, user_ids: tuple[int, ...]) -> tuple[str, ...]:
    kids = await children_repo.behind(conn, user_ids)  # a kids' item: its roster's names
    people = [await participants_repo.get(conn, u) for u in user_ids]
    return tuple(
        kids[u].first_name if u in kids else p.display_name if p else "?"
        for u, p in zip(user_ids, people, strict=True)
    )


def _body(change: Change) -> dict[str, str]:
    return {"item_id": change.item_id, "kind": change.kind.value, "value": change.value}


def _change(body: dict[str, Any]) -> Change:
    return Change(str(body["item_id"]), ChangeKind(body["kind"]), str(body.get("value", "")))
