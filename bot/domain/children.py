"""The kids' club: children a parent registers, and what a child may be signed up for.

Model: a child is a dependant with an id of its own, and a booking made for a child is the
same `booking` row an adult's is, with the parent in `user_id` (the person the bot talks to,
reminds and tells of a promotion) and the child in `child_id`. The booking core counts
*holders*: an adult's holder is their user id, a child's is the negative of the child's id
(`holder`), which no Telegram user id can be. So a standing, the capacity, the waiting list,
promotions and `shrink` work on children unchanged, in the same `BEGIN IMMEDIATE` transaction,
and a child's clashes are read from the child's own bookings, not the parent's. The smaller
alternative, a nullable child beside the parent in the key, would have made every standing a
list of (person, child) pairs and every caller of the core learn them.
Pure logic; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.models import Workshop

MAX_AGE = 17
MAX_NAME = 40
MAX_CHILDREN = 8
"""Children one parent may register (a bound, so that a list of buttons stays short)."""


@dataclass(frozen=True, slots=True)
class Child:
    """A child a parent registered."""

    id: int
    parent_id: int
    first_name: str
    age: int

    @property
    def holder(self) -> int:
        """Give the id the booking core counts this child under."""
        return holder(self.id)


def holder(child_id: int) -> int:
    """Give the booking core's id of a child: negative, never a Telegram user id."""
    return -child_id


def is_child(holder_id: int) -> bool:
    """Tell whether a booking core id stands for a child."""
    return holder_id < 0


def child_id_of(holder_id: int) -> int:
    """Give the child's id behind a booking core id that stands for a child."""
    return -holder_id


def clean_name(text: str) -> str:
    """Check a first name as typed: one line, 1 to 40 characters; refuse anything else."""
    name = " ".join(text.split())
    if not name:
        raise DomainError("children.name_empty")
    if len(name) > MAX_NAME:
        raise DomainError("children.name_too_long", max=MAX_NAME)
    return name


def parse_age(text: str) -> int:
    """Read an age as typed ("6", "6 ans", "6 years"); refuse one outside 0-17."""
    words = text.strip().split()
    if not words or not words[0].isdecimal() or len(words[0]) > 3:
        raise DomainError("children.age_not_number", max=MAX_AGE)
    return check_age(int(words[0]))


def check_age(age: int) -> int:
    """Refuse an age outside 0-17."""
    if not 0 <= age <= MAX_AGE:
        raise DomainError("children.age_out_of_range", age=age, max=MAX_AGE)
    return age


def fits(item: Workshop, age: int) -> bool:
    """Tell whether a child of this age may come to an item (its ages, when it gives them)."""
    if item.min_age is not None and age < item.min_age:
        return False
    return item.max_age is None or age <= item.max_age


def ages(item: Workshop) -> str:
    """Say the ages an item is for, in figures ("3–10", "3+", "≤ 10")."""
    low, high = item.min_age, item.max_age
    if low is not None and high is not None:
        return f"{low}–{high}"
    return f"{low}+" if low is not None else f"≤ {high}"
