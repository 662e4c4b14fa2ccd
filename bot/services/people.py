"""Registering people, their language, organisation and role."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.clock import Clock
from bot.domain.errors import DomainError
from bot.domain.models import Participant, Workshop
from bot.events import Events, PersonRegistered
from storage import participants as participants_repo
from storage.db import Database


def language_for(code: str | None) -> str:
    """Choose French for a Telegram language code starting with fr, English otherwise."""
    return "fr" if code and code.lower().startswith("fr") else "en"


class PeopleService:
    """Who is who."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        organisers: Sequence[int],
        organisations: Sequence[str],
        events: Events | None = None,
    ) -> None:
        self._events = events or Events()
        """Where this service says what happened (bot/app.py subscribes)."""
        self._db = db
        self._clock = clock
        self._organisers = frozenset(organisers)
        self.organisations = tuple(organisations)
        self._languages: dict[int, str] = {}
        """Called after each /start with the person and whether they are new."""

    async def register(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> tuple[Participant, bool]:
        """Register a person on /start (or refresh their name); tell whether they are new."""
        async with self._db.write_now() as conn:
            person, new = await participants_repo.upsert(
                conn,
                user_id=user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language=language_for(language_code),
                now=self._clock.now(),
            )
        self._languages[user_id] = person.language
        await self._events.publish(PersonRegistered(user_id, new))
        return person, new

    async def enrol(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        person: Participant | None,
        *,
        in_private: bool = False,
    ) -> bool:
        """Register someone who has not sent /start, in the caller's transaction (a booking's:
        first come, first served); tell whether they are new.

        Known from a group button only, they are marked unreachable (no private message until
        they send /start); `in_private`: they wrote to the bot (/children), so they are not.
        The caller publishes PersonRegistered once its transaction is committed.
        """
        if await participants_repo.get(conn, user_id) is not None:
            return False
        if person is None:
            raise DomainError("common.not_registered")
        await participants_repo.upsert(
            conn,
            user_id=person.user_id,
            first_name=person.first_name,
            last_name=person.last_name,
            username=person.username,
            language=person.language,
            now=self._clock.now(),
        )
        if not in_private:
            await participants_repo.set_unreachable(conn, person.user_id)
        return True

    async def get(self, user_id: int) -> Participant | None:
        """Find a registered person (one row, read on the event loop: a person's first answer
        reads their language here; through a thread, 3-4 ms at p50 and up to 17 ms in
        bench.soak)."""
        async with self._db.read_now() as conn:
            return await participants_repo.get(conn, user_id)

    async def language(self, user_id: int | None, language_code: str | None) -> str:
        """Give the language to answer a person in: theirs if registered, else from Telegram."""
        if user_id is None:
            return language_for(language_code)
        if user_id not in self._languages:
            person = await self.get(user_id)
            if person is None:
                return language_for(language_code)
            self._languages[user_id] = person.language
        return self._languages[user_id]

    async def choose_language(self, user_id: int, language: str) -> None:
        """Record the language a person picked with /lang."""
        if language not in ("fr", "en"):
            raise DomainError("lang.unknown", language=language)
        async with self._db.transaction() as conn:
            if await participants_repo.get(conn, user_id) is None:
                raise DomainError("common.not_registered")
            await participants_repo.set_language(conn, user_id, language)
        self._languages[user_id] = language

    async def choose_organisation(self, user_id: int, index: int | None) -> str | None:
        """Record the organisation picked from the config list (None: skipped)."""
        if index is not None and not 0 <= index < len(self.organisations):
            raise DomainError("common.stale_button")
        organisation = None if index is None else self.organisations[index]
        async with self._db.transaction() as conn:
            if await participants_repo.get(conn, user_id) is None:
                raise DomainError("common.not_registered")
            await participants_repo.set_organisation(conn, user_id, organisation)
        return organisation

    def is_organiser(self, user_id: int) -> bool:
        """Tell whether a person is one of the organisers named in the config."""
        return user_id in self._organisers


def facilitated_by(workshops: Sequence[Workshop], username: str) -> list[Workshop]:
    """List the items whose facilitators include this Telegram username."""
    wanted = username.lstrip("@").casefold()
    return [
        w
        for w in workshops
        if any(f.telegram and f.telegram.lstrip("@").casefold() == wanted for f in w.facilitators)
    ]
