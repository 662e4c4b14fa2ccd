"""flush() returns only when nothing is due and nothing is in flight; a chat gets one message
at a time.

The race it once lost (seen in CI as an organiser not told, under load): send_due skips the
private messages when all their places are busy and reads the group messages; the busy sends
end during that read; send_due then reports that it started nothing, nothing is busy any more,
and flush returned while a private message was still due.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import FrozenClock
from bot.reply import Reply
from bot.services.outbox import Delivery, Outbox
from storage import outbox as repo
from storage.db import Database
from storage.outbox import Entry, Row
from storage.wire import WireLog

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)


class NoBackground(Outbox):
    """An outbox whose background sender does nothing: flush alone sends (the race is its own)."""

    async def _run(self) -> None:
        return


class Held:
    """A transport whose first send waits until it is let go."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        """(chat, text) of each message sent, in order."""
        self.let_go = asyncio.Event()

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
        if not self.sent:
            await self.let_go.wait()
        self.sent.append((chat_id, reply.text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        raise AssertionError("no board here")


async def compose(row: Row) -> Delivery:
    return Delivery(Reply(row.key))


@asynccontextmanager
async def started(
    tmp_path: Path, window: int, *keyed: tuple[str, int]
) -> AsyncIterator[tuple[Database, NoBackground, Held]]:
    """An outbox on a new database, sending through a Held transport, with digests queued
    (key, chat)."""
    db = await Database.open(tmp_path / "r.sqlite3")
    outbox = NoBackground(db, FrozenClock(NOW), window=window, wire=WireLog(tmp_path / "w.wire"))
    transport = Held()
    try:
        await outbox.start(transport, compose)
        await outbox.add(Entry(k, "digest", c, NOW, {"date": "2026-08-24"}) for k, c in keyed)
        yield db, outbox, transport
    finally:
        await outbox.stop()
        await db.close()


async def test_flush_sends_what_became_sendable_while_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # window 2: one place for private messages, one for groups
    queued = (("digest:1001", 1001), ("digest:1002", 1002))
    async with started(tmp_path, 2, *queued) as (_, outbox, transport):
        assert await outbox.send_due() == 1  # 1001 takes the one private place, and waits
        (first,) = [t for t in asyncio.all_tasks() if t.get_name().startswith("outbox-")]
        real_due = repo.due

        async def due_ending_the_busy_send(
            conn: aiosqlite.Connection, now: datetime, limit: int, *, to_groups: bool
        ) -> list[Row]:
            rows = await real_due(conn, now, limit, to_groups=to_groups)
            if to_groups:  # flush skipped the full private lane and reads the groups': 1001 ends
                transport.let_go.set()
                await first  # marked sent, and out of the busy ones (its callback ran first)
            return rows

        monkeypatch.setattr(repo, "due", due_ending_the_busy_send)
        await outbox.flush()
        assert [chat for chat, _ in transport.sent] == [1001, 1002]


async def test_a_chat_gets_one_message_at_a_time_in_the_order_queued(tmp_path: Path) -> None:
    """Sent together, two messages to one person could arrive in either order (a change, then
    the cancellation that followed it, read backwards): the second waits for the first."""
    queued = (("first", 1001), ("second", 1001), ("other", 1002))
    async with started(tmp_path, 4, *queued) as (_, outbox, transport):
        # Three places: "first" and "other" go (and wait on their way), "second" waits for
        # "first" to be done
        assert await outbox.send_due() == 2
        transport.let_go.set()
        await outbox.flush()
        assert [text for chat, text in transport.sent if chat == 1001] == ["first", "second"]
        assert sorted(text for _, text in transport.sent) == ["first", "other", "second"]


async def test_settled_waits_until_a_message_on_its_way_to_the_chat_is_written_down(
    tmp_path: Path,
) -> None:
    """A reply to a copy just arrived finds the copy's message id (questions.relayed_as)."""
    async with started(tmp_path, 4, ("copy", 1001)) as (db, outbox, transport):
        assert await outbox.send_due() == 1
        assert await outbox.settled(1002) is False  # nothing on its way there: at once
        waiting = asyncio.create_task(outbox.settled(1001))
        await asyncio.sleep(0)
        assert not waiting.done()
        transport.let_go.set()
        assert await waiting is True
        async with db.read() as conn:
            (row,) = await repo.rows(conn)
        assert (row.status, row.message_id) == ("sent", 1)
