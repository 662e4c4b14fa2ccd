"""The one clock everything reads: real time, or a rehearsal clock (another start, faster)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tell the time, and how long real seconds last on this clock."""

    def now(self) -> datetime:
        """Give the current instant, timezone-aware."""
        ...

    def seconds_until(self, when: datetime) -> float:
        """Give how many real seconds remain until `when` on this clock (0 if past)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Give the current instant in UTC."""
        return datetime.now(UTC)

    def seconds_until(self, when: datetime) -> float:
        """Give the real seconds until `when`."""
        return max(0.0, (when - self.now()).total_seconds())


class RehearsalClock:
    """A clock that starts at a chosen instant and runs `speed` times faster than real time."""

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the rehearsal clock needs a timezone-aware start")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._monotonic = monotonic
        self._origin = start
        self._t0 = monotonic()
        self.speed = speed

    def now(self) -> datetime:
        """Give the rehearsal's current instant, in UTC (cheap to compare with stored times)."""
        elapsed = timedelta(seconds=(self._monotonic() - self._t0) * self.speed)
        return (self._origin + elapsed).astimezone(UTC)

    def seconds_until(self, when: datetime) -> float:
        """Give the real seconds until `when` on the rehearsal clock."""
        return max(0.0, (when - self.now()).total_seconds() / self.speed)

    def jump_to(self, when: datetime) -> None:
        """Move the clock to `when`; it goes on at the same speed from there."""
        if when.tzinfo is None:
            raise ValueError("the rehearsal clock needs a timezone-aware instant")
        self._origin = when
        self._t0 = self._monotonic()

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self.jump_to(self.now() + delta)


class FrozenClock(RehearsalClock):
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start, speed=1.0, monotonic=lambda: 0.0)
