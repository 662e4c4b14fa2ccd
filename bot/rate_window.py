"""One sliding window of Telegram's limits, counted from when each send came back."""

from __future__ import annotations

import math
from collections import deque


class Send:
    """A granted send: when its request came back (None while it is on its way)."""

    __slots__ = ("end",)

    def __init__(self) -> None:
        self.end: float | None = None


class Window:
    """The last `limit` sends granted, and when the next one fits.

    Telegram counts a message when it arrives, somewhere between our grant and the answer.
    A new send fits once every send granted `limit` sends before it (and all earlier ones) has
    come back, at least `span` ago: its arrival is then surely out of Telegram's window,
    whatever the delays on the way (a loaded machine, a queued connection).
    """

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.sends: deque[Send] = deque()
        self.settled = -math.inf
        """The latest end of the sends forgotten (all of them older than the last `limit`)."""

    def add(self, send: Send) -> None:
        """Count one more granted send."""
        self.sends.append(send)

    def free_at(self, keep: int = 0) -> float:
        """Return the earliest time one more send fits, leaving `keep` places free after it.

        -inf if it fits already, inf while a send it waits for is still on its way.
        """
        while len(self.sends) >= self.limit:
            end = self.sends[0].end
            if end is None:
                return math.inf  # the send `limit` back has not come back yet
            self.settled = max(self.settled, end)
            self.sends.popleft()
        # With `keep`, the window is `keep` places smaller: the sends that many further back
        # must have come back too
        older = len(self.sends) - (self.limit - keep) + 1
        ends = [self.sends[i].end for i in range(max(0, older))]
        if None in ends:
            return math.inf
        return max([self.settled, *(e for e in ends if e is not None)]) + self.span

    def expired(self, now: float) -> bool:
        """Say whether every send it holds came back and left the window."""
        return self.settled + self.span <= now and all(
            s.end is not None and s.end + self.span <= now for s in self.sends
        )
