"""Domain models of the programme, the people and their bookings. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """What sort of programme item a workshop is."""

    WORKSHOP = "workshop"
    PLENARY = "plenary"
    MEAL = "meal"
    EVENING = "evening"
    KIDS = "kids"
    OTHER = "other"


class Role(StrEnum):
    """What a person may do."""

    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    ORGANISER = "organiser"


@dataclass(frozen=True, slots=True)
class Facilitator:
    """A person who runs a workshop; `telegram` is a username without the leading @."""

    name: str
    telegram: str | None = None


@dataclass(frozen=True, slots=True)
class Room:
    """A place where workshops happen."""

    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Workshop:
    """A programme item of any kind; `capacity` set means it takes sign-ups."""

    id: str
    title: str
    start: datetime
    end: datetime
    kind: Kind = Kind.WORKSHOP
    room: str | None = None
    description: str = ""
    facilitators: tuple[Facilitator, ...] = ()
    capacity: int | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    """The ages a kids' item is for, when the programme gives them (children's sign-ups)."""

    @property
    def takes_signups(self) -> bool:
        """Tell whether people sign up for this item."""
        return self.capacity is not None


@dataclass(frozen=True, slots=True)
class Cancelled:
    """An item cancelled in chat, as it was, and who was signed up or waiting for it.

    Cancelled items are kept beside the programme, not in it: everything that reads the
    programme (planning, announcements, sign-ups, clashes, the board, "what's next") ignores
    them without a word, and only the answers that must show them as cancelled (a day, an
    item, a search, /mine) read them too.
    """

    item: Workshop
    people: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class RotaSlot:
    """A tidy-up duty: an area to look after between two times, for a number of people."""

    id: str
    area: str
    start: datetime
    end: datetime
    places: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class Programme:
    """Everything a programme file says: workshops, rooms and rota slots."""

    workshops: tuple[Workshop, ...]
    rooms: tuple[Room, ...] = ()
    rota: tuple[RotaSlot, ...] = ()
    name: str | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Participant:
    """A registered person: anyone who sent /start to the bot."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language: str = "fr"
    organisation: str | None = None

    @property
    def display_name(self) -> str:
        """Give the name shown to other people."""
        if self.last_name:
            return f"{self.first_name} {self.last_name}"
        return self.first_name


@dataclass(frozen=True, slots=True)
class Invite:
    """A facilitator's personal invitation link."""

    facilitator: str
    token: str
    items: int
