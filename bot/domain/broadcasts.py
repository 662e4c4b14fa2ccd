"""A broadcast's audience, recipients, draft and counts: the types its layers share."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.audience import AudienceKind


@dataclass(frozen=True, slots=True)
class Audience:
    """An audience and its argument: the item's id, the organisation's name."""

    kind: AudienceKind
    arg: str | None = None

    @property
    def code(self) -> str:
        """Give the stored form: 'all', 'item:<id>', 'org:<name>'."""
        return self.kind.value if self.arg is None else f"{self.kind.value}:{self.arg}"

    @classmethod
    def parse(cls, code: str) -> Audience:
        """Read the stored form back."""
        kind, _, arg = code.partition(":")
        return cls(AudienceKind(kind), arg or None)


@dataclass(frozen=True, slots=True)
class Recipients:
    """The chats an audience stands for now, and how many of them the bot could not reach."""

    audience: Audience
    chat_ids: tuple[int, ...]
    unreachable: int


@dataclass(frozen=True, slots=True)
class Counts:
    """Where a broadcast's messages stand."""

    total: int
    sent: int
    unreachable: int
    failed: int
    waiting: int
    uncertain: int = 0
    """Left as the bot stopped or the connection failed: maybe received, not sent again."""

    @property
    def done(self) -> bool:
        """Tell whether every message has met its fate."""
        return self.waiting == 0

    @classmethod
    def of(cls, by_status: dict[str, int]) -> Counts:
        """Sum the outbox's counts by status."""
        waiting = by_status.get("pending", 0) + by_status.get("sending", 0)
        failed = sum(by_status.get(s, 0) for s in ("failed", "dropped", "cancelled"))
        sent, unreachable = by_status.get("sent", 0), by_status.get("unreachable", 0)
        uncertain = by_status.get("uncertain", 0)
        total = sent + unreachable + failed + waiting + uncertain
        return cls(total, sent, unreachable, failed, waiting, uncertain)


@dataclass(frozen=True, slots=True)
class BroadcastDraft:
    """A broadcast being written: the tag its buttons carry, its text, its audience once chosen."""

    tag: str
    text: str
    audience: Audience | None = None


def batch(broadcast_id: int) -> str:
    """Name the outbox batch of a broadcast."""
    return f"broadcast:{broadcast_id}"
