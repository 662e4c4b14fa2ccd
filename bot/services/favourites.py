"""Favourites: "remind me" on any item, places or not; reminded and told of changes, no clash."""

from __future__ import annotations

from collections.abc import Sequence

from bot.clock import Clock
from bot.domain.booking import ref
from bot.domain.errors import DomainError
from bot.domain.models import Workshop
from bot.services.announcements import AnnouncementService
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from storage import favourites as repo
from storage.db import Database


class FavouriteService:
    """Star and unstar items, and say who is interested."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        announcements: AnnouncementService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._announcements = announcements

    async def _item(self, code: str) -> Workshop:
        for w in (await self._programme.current()).workshops:
            if ref(w.id) == code:
                return w
        raise DomainError("common.stale_button")

    async def star(self, user_id: int, code: str, *, on: bool) -> Workshop:
        """Star (or unstar) the item a button names, then re-plan that person's reminders.

        The same press twice changes nothing more: the button says what it does, not "toggle".
        """
        if await self._people.get(user_id) is None:
            raise DomainError("common.not_registered")
        item = await self._item(code)
        async with self._db.transaction() as conn:
            if on:
                changed = await repo.add(conn, user_id, item.id, self._clock.now())
            else:
                changed = await repo.remove(conn, user_id, item.id)
        if changed:
            await self._announcements.replan({user_id})
        return item

    async def of_user(self, user_id: int | None) -> frozenset[str]:
        """Give the ids of the items a person starred."""
        if user_id is None:
            return frozenset()
        async with self._db.read() as conn:
            return frozenset(await repo.of_user(conn, user_id))

    async def interested(self, items: Sequence[Workshop]) -> dict[str, int]:
        """Count the people who starred each item."""
        if not items:
            return {}
        async with self._db.read() as conn:
            return await repo.counts(conn, [w.id for w in items])
