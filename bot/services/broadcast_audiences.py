"""Who a broadcast goes to: the audiences offered, the chats each stands for now, their names."""

from __future__ import annotations

from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.audience import AudienceKind
from bot.domain.booking import Status, TargetKind, ref
from bot.domain.broadcasts import Audience, Recipients
from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.domain.schedule import local_day
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import broadcasts as repo
from storage.db import Database

MAX_ITEMS = 8


class AudienceNames(Protocol):
    """How an audience is named to an organiser (bot/views/broadcasts.py writes it)."""

    def audience(self, lang: str, audience: Audience, title: str | None) -> str:
        """Name an audience: 'everyone registered', 'Atelier A', 'Oxalis'."""
        ...


def require_organiser(people: PeopleService, user_id: int) -> None:
    """Refuse anyone but an organiser."""
    if not people.is_organiser(user_id):
        raise DomainError("common.not_allowed")


class BroadcastAudiences:
    """Resolve a broadcast's audience into chats, for organisers only."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleService,
        programme: ProgrammeService,
        roles: RolesService,
        tz: ZoneInfo,
        group_chat: int | None,
        names: AudienceNames,
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = people
        self._programme = programme
        self._roles = roles
        self._tz = tz
        self.group_chat = group_chat
        self._names = names

    def offered(self) -> list[AudienceKind]:
        """List the audiences this event offers (the group and organisations if configured)."""
        out = [AudienceKind.ALL]
        if self.group_chat is not None:
            out.append(AudienceKind.GROUP)
        out += [AudienceKind.ITEM, AudienceKind.FACILITATORS, AudienceKind.ROTA]
        if self._people.organisations:
            out.append(AudienceKind.ORGANISATION)
        return out

    async def items_matching(self, organiser: int, query: str) -> list[Workshop]:
        """Find the items that take sign-ups whose title matches `query` (or whose id it is)."""
        require_organiser(self._people, organiser)
        items = [w for w in (await self._programme.current()).workshops if w.takes_signups]
        exact = [w for w in items if w.id == query.strip()]
        if exact:
            return exact
        found = (await self._programme.index()).search(query)
        return [m.item for m in found if m.item.takes_signups][:MAX_ITEMS]

    async def item_by_ref(self, organiser: int, code: str) -> Workshop:
        """Give the item a button refers to, or refuse a stale reference."""
        require_organiser(self._people, organiser)
        for w in (await self._programme.current()).workshops:
            if w.takes_signups and ref(w.id) == code:
                return w
        raise DomainError("common.stale_button")

    async def recipients(self, organiser: int, audience: Audience) -> Recipients:
        """Give who an audience stands for now; refuse one that does not exist (any more)."""
        require_organiser(self._people, organiser)
        chats: list[int]
        kind = audience.kind
        if kind is AudienceKind.GROUP:
            if self.group_chat is None:
                raise DomainError("common.stale_button")
            return Recipients(audience, (self.group_chat,), 0)
        if kind is AudienceKind.FACILITATORS:
            chats = list(await self._roles.facilitating())
        elif kind is AudienceKind.ITEM:
            item = await self._item(audience.arg)
            async with self._db.read() as conn:
                chats = await repo.booked(
                    conn,
                    TargetKind.WORKSHOP.value,
                    [item.id],
                    [Status.IN.value, Status.WAITING.value],
                )
        elif kind is AudienceKind.ROTA:
            today = local_day(self._clock.now(), self._tz)
            slots = [
                s.id
                for s in (await self._programme.current()).rota
                if local_day(s.start, self._tz) == today
            ]
            async with self._db.read() as conn:
                chats = await repo.booked(conn, TargetKind.ROTA.value, slots, [Status.IN.value])
        elif kind is AudienceKind.ORGANISATION:
            if audience.arg not in self._people.organisations:
                raise DomainError("common.stale_button")
            async with self._db.read() as conn:
                chats = await repo.of_organisation(conn, audience.arg)
        else:
            async with self._db.read() as conn:
                chats = await repo.registered(conn)
        chat_ids = tuple(sorted(set(chats)))
        async with self._db.read() as conn:
            unreachable = await repo.count_unreachable(conn, chat_ids)
        return Recipients(audience, chat_ids, unreachable)

    async def _item(self, item_id: str | None) -> Workshop:
        for w in (await self._programme.current()).workshops:
            if w.id == item_id and w.takes_signups:
                return w
        raise DomainError("common.stale_button")

    async def label(self, audience: Audience, lang: str) -> str:
        """Name an audience for the organiser: 'everyone registered', 'Atelier A', 'Oxalis'."""
        title = None
        if audience.kind is AudienceKind.ITEM:
            programme = await self._programme.current()
            title = next((w.title for w in programme.workshops if w.id == audience.arg), None)
        return self._names.audience(lang, audience, title)
