"""Two senders on one database file: every due message goes once, whoever takes it.

Each sender has its own connection to the file, as two processes would; both read the same
pending rows at the same moments, and `claim()` (an UPDATE that only takes a pending row) is
what decides which of them sends. Without that guard both would send what both had read.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FrozenClock
from bot.reply import Reply
from bot.services.outbox import Delivery, Outbox
from storage import outbox as repo
from storage.db import Database
from storage.outbox import Entry, Row
from storage.wire import WireLog

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)
MESSAGES = 400
PEOPLE = 100


def digest(key: str, chat: int) -> Entry:
    """A morning digest, with parameters that fit its kind (the outbox refuses others)."""
    return Entry(key, "digest", chat, NOW, {"date": "2026-08-24"})


class Recorder:
    """A transport that writes down what it sends, and lets the other sender run meanwhile."""

    def __init__(self, name: str, sent: list[tuple[str, int, str]]) -> None:
        self.name = name
        self.sent = sent

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pin: bool = False,
        on_grant: Callable[[], None] | None = None,
    ) -> int:
        if on_grant is not None:
            on_grant()
        await asyncio.sleep(0)  # the request is on its way: the other sender gets its turn
        self.sent.append((self.name, chat_id, reply.text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        raise AssertionError("no board here")


async def compose(row: Row) -> Delivery:
    return Delivery(Reply(row.key))


async def test_two_senders_on_one_database_send_each_message_once(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    first, second = await Database.open(path), await Database.open(path)
    clock = FrozenClock(NOW)
    sent: list[tuple[str, int, str]] = []
    senders = [
        Outbox(db, clock, window=4, wire=WireLog(tmp_path / f"{name}.wire"))
        for db, name in ((first, "a"), (second, "b"))
    ]
    try:
        # Both start on an empty outbox: a start settles what a previous run left in flight,
        # which is only sound when no other sender runs (storage/lock.py keeps a second process
        # out). Queued before the second start, a message the first had just taken would look
        # left over from a crash to the second and go again; that is not what this test is about.
        for outbox, name in zip(senders, "ab", strict=True):
            await outbox.start(Recorder(name, sent), compose)
        await senders[0].add(digest(f"m{n}", 1000 + n % PEOPLE) for n in range(MESSAGES))
        senders[1].wake()

        async def all_sent() -> list[Row]:
            while True:
                async with first.read() as conn:
                    rows = await repo.rows(conn)
                if all(row.status == "sent" for row in rows):
                    return rows
                await asyncio.sleep(0.05)

        async with asyncio.timeout(120):
            rows = await all_sent()
    finally:
        for outbox in senders:
            await outbox.stop()
        await first.close()
        await second.close()

    assert len(rows) == MESSAGES
    twice = {key: n for key, n in Counter(text for _, _, text in sent).items() if n > 1}
    assert twice == {}, f"{len(twice)} message(s) sent twice"
    assert sorted(text for _, _, text in sent) == sorted(f"m{n}" for n in range(MESSAGES))
    # both really sent (else the test would prove nothing about two senders)
    by_sender = Counter(name for name, _, _ in sent)
    assert by_sender["a"] > 0 and by_sender["b"] > 0, by_sender
    assert sum(outbox.sent_count for outbox in senders) == MESSAGES
