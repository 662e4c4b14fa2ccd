"""The rota: its slots by day, offering one's slot and taking an offered one, gaps, fairness."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import booking as core
from bot.domain.booking import Fairness, Offer, Standing, Status, Target, TargetKind
from bot.domain.errors import DomainError
from bot.domain.models import Participant
from bot.domain.schedule import local_day
from bot.services.bookings import BookingService
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import bookings as repo
from storage.db import Database


class RotaService:
    """Share the tidy-up duties: who takes which slot, and who hands theirs over."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        roles: RolesService,
        bookings: BookingService,
        tz: ZoneInfo,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._roles = roles
        self._bookings = bookings
        """The targets, the commitments, and the news that bookings changed."""
        self._tz = tz

    async def rota(self, days: Sequence[date]) -> list[Standing]:
        """List the rota slots of the given days with their standing."""
        programme = await self._programme.current()
        wanted = set(days)
        targets = [
            Target.of_rota(r) for r in programme.rota if local_day(r.start, self._tz) in wanted
        ]
        found = await self._bookings.standings(targets)
        return [found[(t.kind, t.id)] for t in targets]

    async def offer(self, user_id: int, ref: str) -> tuple[Target, Offer]:
        """Offer one's rota slot to whoever takes it first."""
        target = await self._bookings.target(TargetKind.ROTA, ref)
        if target.start <= self._clock.now():
            raise DomainError("bookings.rota_started")
        async with self._db.write_now() as conn:
            s = await repo.standing(conn, target)
            if s.status_of(user_id) is not Status.IN:
                raise DomainError("bookings.not_your_slot")
            offer = await repo.open_offer(conn, target.id, user_id, self._clock.now())
        return target, offer

    async def posted(self, offer_id: int, chat_id: int, message_id: int) -> None:
        """Remember the message that shows an offer."""
        async with self._db.write_now() as conn:
            await repo.set_offer_message(conn, offer_id, chat_id, message_id)

    async def open_offers(self) -> list[tuple[Target, Offer]]:
        """List the rota slots on offer that have not started."""
        programme = await self._programme.current()
        slots = {
            t.id: t for t in self._bookings.targets(programme).values() if t.kind is TargetKind.ROTA
        }
        async with self._db.read_now() as conn:  # on /rota's way: no trip to a thread
            offers = await repo.open_offers(conn)
        now = self._clock.now()
        return [
            (slots[o.slot_id], o)
            for o in offers
            if o.slot_id in slots and slots[o.slot_id].start > now
        ]

    async def take(
        self,
        user_id: int,
        offer_id: int,
        *,
        person: Participant | None = None,
    ) -> tuple[Target, Offer]:
        """Take an offered rota slot: the first to press gets it, in one step."""
        programme = await self._programme.current()
        runs = await self._roles.items_run_by(user_id)
        async with self._db.write_now() as conn:
            offer = await repo.offer(conn, offer_id)
            if offer is None:
                raise DomainError("common.stale_button")
            target = next(
                (
                    t
                    for t in self._bookings.targets(programme).values()
                    if t.kind is TargetKind.ROTA and t.id == offer.slot_id
                ),
                None,
            )
            if target is None or offer.status == "withdrawn":
                raise DomainError("bookings.offer_gone")
            if offer.status == "taken":
                raise DomainError("bookings.offer_taken")
            if offer.user_id == user_id:
                raise DomainError("bookings.own_offer")
            if target.start <= self._clock.now():
                raise DomainError("bookings.rota_started")
            new = await self._people.enrol(conn, user_id, person)
            s = await repo.standing(conn, target)
            if s.status_of(user_id) is not None:
                raise DomainError("bookings.already_on_slot")
            found = await self._bookings.commitments(conn, user_id, runs, programme)
            # a waiting place elsewhere does not stop taking a slot: it waits on, as it was
            clash = [c for c in core.clashes(target, found) if not c.waiting]
            if clash:
                raise DomainError("bookings.take_clash", title=clash[0].title)
            if s.status_of(offer.user_id) is not Status.IN:
                await repo.close_offer(conn, offer.id, "withdrawn", None, self._clock.now())
                raise DomainError("bookings.offer_gone")
            await repo.transfer(conn, target.kind, target.id, offer.user_id, user_id)
            await repo.close_offer(conn, offer.id, "taken", user_id, self._clock.now())
            taken = await repo.offer(conn, offer.id)
        assert taken is not None
        if new:
            self._bookings.welcome(user_id)
        self._bookings.changed({user_id, offer.user_id})
        return target, taken

    def _organisers_only(self, actor: int) -> None:
        if not self._people.is_organiser(actor):
            raise DomainError("common.not_allowed")

    async def gaps(self, actor: int, hours: int = 24) -> list[Standing]:
        """List the rota slots of the next hours that still lack people (organisers)."""
        self._organisers_only(actor)
        programme = await self._programme.current()
        now = self._clock.now()
        targets = [
            Target.of_rota(r)
            for r in programme.rota
            if now <= r.start < now + timedelta(hours=hours)
        ]
        found = await self._bookings.standings(targets)
        return [s for t in targets if (s := found[(t.kind, t.id)]).left > 0]

    async def fairness(self, actor: int) -> Fairness:
        """Tell how the rota is shared among registered people (organisers)."""
        self._organisers_only(actor)
        async with self._db.read() as conn:
            rows = await repo.rota_slots_per_person(conn)
        spread = Counter(n for _, _, n in rows)
        by_org: dict[str, list[int]] = {}
        for _, organisation, n in rows:
            if organisation:
                by_org.setdefault(organisation, []).append(n)
        return Fairness(
            registered=len(rows),
            without_slot=spread.get(0, 0),
            spread=tuple(sorted(spread.items())),
            by_organisation=tuple((org, len(ns), sum(ns)) for org, ns in sorted(by_org.items())),
        )
