"""Who is an organiser, who runs which item; invitations for facilitators."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from bot.clock import Clock
from bot.domain.errors import DomainError
from bot.domain.models import Facilitator, Invite, Participant, Programme, Role, Workshop
from bot.domain.text import words
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from storage import participants as participants_repo
from storage import roles as repo
from storage.db import Database

INVITE_BYTES = 24  # 32 characters of A-Za-z0-9_-: unguessable, fits the 64 of a deep link
NAMES_SHOWN = 1500  # characters of facilitators' names in an answer, well under a message's 4096


class RolesService:
    """Answer "may this person do that?" where the action happens."""

    def __init__(
        self, db: Database, clock: Clock, programme: ProgrammeService, people: PeopleService
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._map: dict[int, frozenset[str]] | None = None
        self._map_of: Programme | None = None
        self._version = 0
        """Counts forget(): a map read before a change is not kept (_runs)."""

    def forget(self) -> None:
        """Drop the cached map of who runs what (after a link or a change)."""
        self._map = None
        self._version += 1

    async def registered(self, user_id: int) -> None:
        """Drop the map if a person's registration can change it: their username names a
        facilitator of the programme, or they run something now (their username may have
        changed). Rebuilt after every registration, in a storm of first presses the map was
        read again and again, and the presses that found it whole overtook those reading it."""
        known = self._map
        if known is None:
            return
        person = await self._people.get(user_id)
        handles = {
            handle
            for w in (await self._programme.current()).workshops
            for f in w.facilitators
            if (handle := _handle(f)) is not None
        }
        username = person.username.casefold() if person and person.username else None
        if user_id in known or (username is not None and username in handles):
            self.forget()  # (or someone else did meanwhile: nothing more to do)

    async def _runs(self) -> dict[int, frozenset[str]]:
        """Map each person to the ids of the items they run."""
        programme = await self._programme.current()
        if self._map is not None and self._map_of is programme:
            return self._map
        version = self._version
        async with self._db.read() as conn:
            named = await participants_repo.with_usernames(conn)
            linked = await repo.links(conn)
            overrides = await repo.item_facilitators(conn)
        runs: dict[int, set[str]] = {}
        by_username = {u.casefold(): uid for uid, u in named}
        by_name: dict[str, set[int]] = {}
        for uid, name in linked:
            by_name.setdefault(name.casefold(), set()).add(uid)
        for w in programme.workshops:
            for f in w.facilitators:
                handle = _handle(f)
                named_uid = by_username.get(handle) if handle is not None else None
                if named_uid is not None:
                    runs.setdefault(named_uid, set()).add(w.id)
                for linked_uid in by_name.get(f.name.casefold(), ()):
                    runs.setdefault(linked_uid, set()).add(w.id)
        for item_id, uid, role in overrides:
            if role == "added":
                runs.setdefault(uid, set()).add(item_id)
            else:
                runs.get(uid, set()).discard(item_id)
        built = {uid: frozenset(ids) for uid, ids in runs.items() if ids}
        # A change committed while this read was under way (forget) would be lost if the map
        # read before it were kept: the read stays this answer's, the next one reads again
        if version == self._version:
            self._map, self._map_of = built, programme
        return built

    async def items_run_by(self, user_id: int) -> list[Workshop]:
        """List the items a person runs."""
        ids = (await self._runs()).get(user_id, frozenset())
        if not ids:
            return []
        return [w for w in (await self._programme.current()).workshops if w.id in ids]

    async def facilitating(self) -> dict[int, list[str]]:
        """Map every facilitator to the ids of the items they run."""
        return {uid: sorted(ids) for uid, ids in (await self._runs()).items()}

    async def role(self, user_id: int) -> Role:
        """Give a person's highest role."""
        if self._people.is_organiser(user_id):
            return Role.ORGANISER
        if (await self._runs()).get(user_id):
            return Role.FACILITATOR
        return Role.PARTICIPANT

    async def require_organiser(self, user_id: int) -> None:
        """Refuse anyone but an organiser."""
        if not self._people.is_organiser(user_id):
            raise DomainError("common.not_allowed")

    async def may_change(self, user_id: int, item: Workshop) -> bool:
        """Tell whether a person may change an item: its facilitators and the organisers."""
        if self._people.is_organiser(user_id):
            return True
        return item.id in (await self._runs()).get(user_id, frozenset())

    async def invites(self, organiser: int) -> list[Invite]:
        """Give each facilitator of the programme a personal invitation (organisers)."""
        await self.require_organiser(organiser)
        programme = await self._programme.current()
        counts: dict[str, int] = {}
        for w in programme.workshops:
            for f in w.facilitators:
                counts[f.name] = counts.get(f.name, 0) + 1
        out = []
        async with self._db.transaction() as conn:
            for name in sorted(counts):
                token = await repo.open_invite(conn, name)
                if token is None:
                    token = secrets.token_urlsafe(INVITE_BYTES)
                    await repo.add_invite(conn, token, name, organiser, self._clock.now())
                out.append(Invite(name, token, counts[name]))
        return out

    async def revoke(self, organiser: int, name: str) -> tuple[str, int]:
        """Revoke the unused invitations of the facilitator a name points to; count them."""
        await self.require_organiser(organiser)
        programme = await self._programme.current()
        async with self._db.transaction() as conn:
            # Names the programme no longer has may still have a link waiting
            names = {f.name for w in programme.workshops for f in w.facilitators}
            names.update(await repo.open_invite_names(conn))
            facilitator = _one_named(name, names)
            count = await repo.revoke_invites(conn, facilitator)
            if count:
                await repo.audit(
                    conn,
                    at=self._clock.now(),
                    user_id=organiser,
                    item_id=None,
                    action="invite_revoked",
                    before={"title": facilitator},
                    after={"count": count},
                )
            return facilitator, count

    async def redeem(self, token: str, user_id: int) -> tuple[str, list[Workshop]]:
        """Spend an invitation: link the person to its facilitator; refuse a wrong or used one."""
        if not (0 < len(token) <= 64) or not all(c.isalnum() or c in "-_" for c in token):
            raise DomainError("roles.bad_invite")
        async with self._db.transaction() as conn:
            name = await repo.use_invite(conn, token, user_id, self._clock.now())
            if name is None:
                raise DomainError("roles.bad_invite")
            await repo.link(conn, user_id, name, self._clock.now())
        self.forget()
        return name, await self.items_run_by(user_id)

    async def set_facilitator(
        self, organiser: int, item: Workshop, user_id: int, *, add: bool
    ) -> None:
        """Add or remove a person as facilitator of an item (organisers)."""
        await self.require_organiser(organiser)
        async with self._db.transaction() as conn:
            person = await participants_repo.get(conn, user_id)
            if person is None:
                raise DomainError("roles.unknown_person")
            role = "added" if add else "removed"
            now = self._clock.now()
            await repo.set_item_facilitator(conn, item.id, user_id, role, organiser, now)
            await repo.audit(
                conn,
                at=now,
                user_id=organiser,
                item_id=item.id,
                action=f"facilitator_{role}",
                before={"title": item.title},
                after={"user_id": user_id, "name": person.display_name},
            )
        self.forget()

    async def find_person(self, text: str) -> Participant:
        """Find a registered person by @username or numeric id (their name is what we show)."""
        text = text.strip()
        async with self._db.read() as conn:
            if text.lstrip("-").isdigit():
                person = await participants_repo.get(conn, int(text))
                if person is not None:
                    return person
            else:
                for uid, username in await participants_repo.with_usernames(conn):
                    if username.casefold() == text.lstrip("@").casefold():
                        found = await participants_repo.get(conn, uid)
                        if found is not None:
                            return found
        raise DomainError("roles.unknown_person")


def _one_named(text: str, names: Iterable[str]) -> str:
    """Find the one facilitator a name points to: the whole name, or the start of its words."""
    wanted = words(text)
    if not wanted:
        raise DomainError("roles.invites_usage")
    known = sorted(names)
    if not known:
        raise DomainError("roles.no_facilitators")
    if text.strip() in known:
        return text.strip()
    found = [n for n in known if words(n) == wanted] or [
        n for n in known if all(any(w.startswith(q) for w in words(n)) for q in wanted)
    ]
    if len(found) == 1:
        return found[0]
    key = "roles.revoke_which" if found else "roles.revoke_unknown"
    raise DomainError(key, name=text.strip(), names=_listed(found or known))


def _listed(names: list[str]) -> str:
    """Join names with commas, cut to what fits in an answer."""
    text = ", ".join(names)
    return text if len(text) <= NAMES_SHOWN else text[: NAMES_SHOWN - 1].rstrip(", ") + "…"


def _handle(facilitator: Facilitator) -> str | None:
    """Give a facilitator's Telegram username as it is matched (without @, case folded)."""
    return facilitator.telegram.lstrip("@").casefold() if facilitator.telegram else None
