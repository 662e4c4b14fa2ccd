"""The people the driver plays, and when each of them does what."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bench.common import PARIS
from bench.soak.settings import (
    ARRIVALS,
    AWAKE,
    BLOCKERS,
    BLOCKING,
    BROADCASTS,
    CHANGES,
    END,
    ENGLISH_SHARE,
    FIRST_ID,
    GAPS_AT,
    KINDS,
    LATE_SHARE,
    NOTICES,
    ORGANISERS,
    START,
)
from bot.domain.models import Participant


@dataclass
class Person:
    """Someone at the week, as the driver plays them."""

    user_id: int
    lang: str
    username: str | None = None
    registered: bool = True
    """Registered before the week; the others arrive on Monday with /start."""
    runs: tuple[str, ...] = ()
    """The ids of the items they facilitate."""
    blocked: bool = False
    read: int = 0
    """How many of the bot's messages in their chat they have looked at."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def name(self) -> str:
        """Give their first name (unique: the group's posts name people by it)."""
        return f"Personne {self.user_id}"

    @property
    def participant(self) -> Participant:
        """Give them as the bot registers them."""
        return Participant(self.user_id, self.name, username=self.username, language=self.lang)


@dataclass(order=True)
class Session:
    """Something someone does at some moment."""

    at: datetime
    seq: int
    what: str = field(compare=False)
    user: int = field(compare=False, default=0)
    arg: str = field(compare=False, default="")


def people_of(count: int, handles: Sequence[str], rng: random.Random) -> list[Person]:
    """Make the people: the first take the facilitators' usernames, a few arrive late."""
    people = []
    for n in range(count):
        facilitator = n < len(handles)
        people.append(
            Person(
                FIRST_ID + n,
                "en" if rng.random() < ENGLISH_SHARE else "fr",
                username=handles[n] if facilitator else None,
                registered=facilitator or rng.random() >= LATE_SHARE,
            )
        )
    return people


def days_of_the_week() -> list[date]:
    """List the local days the run covers."""
    return [START.date() + timedelta(days=n) for n in range((END - START).days + 1)]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Give a moment of a local day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def plan(people: Sequence[Person], rate: float, rng: random.Random) -> list[Session]:
    """Draw when each person acts and what they do; add the organisers' and facilitators'."""
    seq = itertools.count()
    sessions: list[Session] = []
    kinds, weights = list(KINDS), list(KINDS.values())
    gap = (AWAKE[1] - AWAKE[0]) / rate  # mean hours between two sessions of a person
    for p in rng.sample([p for p in people if p.registered and not p.username], BLOCKERS):
        when = BLOCKING[0] + (BLOCKING[1] - BLOCKING[0]) * rng.random()
        sessions.append(Session(when, next(seq), "block", p.user_id))
    for p in people:
        since = START
        if not p.registered:
            since = ARRIVALS[0] + (ARRIVALS[1] - ARRIVALS[0]) * rng.random()
            sessions.append(Session(since, next(seq), "arrive", p.user_id))
        for day in days_of_the_week():
            first = max(local(day, AWAKE[0]), START, since)
            last = min(local(day, AWAKE[1]), END)
            moment = first + timedelta(hours=rng.expovariate(1 / gap))
            while moment < last:  # a Poisson process
                sessions.append(
                    Session(moment, next(seq), rng.choices(kinds, weights)[0], p.user_id)
                )
                moment += timedelta(hours=rng.expovariate(1 / gap))
    for when, audience, text in BROADCASTS:
        sessions.append(Session(when, next(seq), "broadcast", ORGANISERS[0], f"{audience}:{text}"))
    for when, text in NOTICES:
        sessions.append(Session(when, next(seq), "notice", ORGANISERS[1], text))
    for when, kind in CHANGES:
        sessions.append(Session(when, next(seq), "change", 0, kind))
    for day in days_of_the_week():
        for when, what, user in (
            (local(day, *GAPS_AT), "gaps", ORGANISERS[1]),
            (local(day, 23, 30), "checkpoint", 0),
        ):
            if START <= when < END:
                sessions.append(Session(when, next(seq), what, user))
    return sorted(sessions)
