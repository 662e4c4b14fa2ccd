"""Feedback for facilitators: answers (anonymous) and their tally per item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import Workshop


@dataclass(frozen=True, slots=True)
class Answer:
    """One person's answer about an item (who answered is not part of it: anonymous)."""

    item_id: str
    score: int
    comment: str | None


@dataclass(frozen=True, slots=True)
class Tally:
    """The answers about one item: how many of each score, and the comments (anonymous)."""

    item: Workshop
    good: int
    so_so: int
    bad: int
    comments: tuple[str, ...]

    @property
    def total(self) -> int:
        """Count the answers."""
        return self.good + self.so_so + self.bad


def tally(item: Workshop, answers: Sequence[Answer]) -> Tally:
    """Count the answers about an item."""
    scores = [a.score for a in answers]
    return Tally(
        item,
        scores.count(1),
        scores.count(2),
        scores.count(3),
        tuple(a.comment for a in answers if a.comment),
    )
