"""Following a broadcast to its end: the organiser's progress message, then one report.

A watcher edits the progress message every few seconds; when nothing is left in flight it
queues the final report (once: the broadcast is marked done in the same transaction). After a
restart, `resume` gives the unfinished broadcasts their watcher back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.clock import Clock
from bot.domain.broadcasts import Audience, Counts, batch
from bot.domain.messages import MessageKind
from bot.reply import Reply
from bot.services.outbox import DeliveryError, Outbox, Transport
from storage import broadcasts as repo
from storage import outbox as outbox_repo
from storage.broadcasts import Broadcast
from storage.db import Database
from storage.outbox import Entry

log = logging.getLogger(__name__)

PROGRESS_EVERY = 3.0  # seconds between two edits of the progress message


class ProgressTexts(Protocol):
    """What the watcher writes (bot/views/broadcasts.py writes it)."""

    def progress(self, lang: str, label: str, counts: Counts) -> str:
        """Say how far a broadcast got."""
        ...

    def report(self, lang: str, audience: Audience, label: str, counts: Counts) -> str:
        """Give the final report, sent to the organiser."""
        ...

    def done(self, lang: str, audience: Audience, label: str, counts: Counts) -> str:
        """Give the last state of the progress message."""
        ...


Label = Callable[[Audience, str], Awaitable[str]]


class BroadcastFollower:
    """Watch each broadcast under way until its report is queued."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        texts: ProgressTexts,
        label: Label,
        *,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self._db = db
        self._clock = clock
        self._outbox = outbox
        self._texts = texts
        self._label = label
        self.progress_every = progress_every
        """Seconds between two edits of a progress message."""
        self._transport: Transport | None = None
        self._watchers: dict[int, asyncio.Task[None]] = {}

    async def counts(self, broadcast_id: int) -> Counts:
        """Count a broadcast's messages by fate."""
        async with self._db.read() as conn:
            return Counts.of(await outbox_repo.batch_counts(conn, batch(broadcast_id)))

    async def resume(self, transport: Transport) -> None:
        """Follow broadcasts from now on, and the unfinished ones again (at start-up)."""
        self._transport = transport
        async with self._db.read() as conn:
            unfinished = await repo.unfinished(conn)
        for broadcast in unfinished:
            log.info("following broadcast %d again after a restart", broadcast.id)
            self.follow(broadcast)

    async def stop(self) -> int:
        """Stop following; give how many broadcasts were under way.

        Their messages not sent yet stay queued: at the next start the outbox sends them and
        `resume` follows the broadcast again, to its report.
        """
        self._transport = None  # a broadcast queued from now on is followed after the restart
        watchers = list(self._watchers.values())
        for task in watchers:
            task.cancel()
        for task in watchers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return len(watchers)

    async def drain(self) -> None:
        """Wait until every followed broadcast is finished (tests, rehearsals)."""
        while self._watchers:
            await asyncio.gather(*self._watchers.values(), return_exceptions=True)

    def follow(self, broadcast: Broadcast) -> None:
        if self._transport is None or broadcast.id in self._watchers:
            return
        task = asyncio.create_task(self._watch(broadcast), name=f"broadcast-{broadcast.id}")
        self._watchers[broadcast.id] = task
        task.add_done_callback(lambda _: self._watchers.pop(broadcast.id, None))

    async def _watch(self, broadcast: Broadcast) -> None:
        lang = broadcast.language
        shown: str | None = None
        while True:
            try:
                label = await self._label(Audience.parse(broadcast.audience), lang)
                counts = await self.counts(broadcast.id)
                if counts.done:
                    await self._finish(broadcast, counts, lang, label)
                    return
                text = self._texts.progress(lang, label, counts)
                if text != shown:
                    await self._show(broadcast, text)
                    shown = text
            except Exception:
                log.exception("following broadcast %d failed; trying again", broadcast.id)
            await asyncio.sleep(self.progress_every)

    async def _finish(self, broadcast: Broadcast, counts: Counts, lang: str, label: str) -> None:
        audience = Audience.parse(broadcast.audience)
        report = self._texts.report(lang, audience, label, counts)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            first = await repo.finish(conn, broadcast.id, now)
            if first:
                entry = Entry(
                    f"broadcast:{broadcast.id}:report",
                    MessageKind.REPORT,
                    broadcast.by_user,
                    now,
                    {"html": str(report)},
                    urgent=True,
                )
                await outbox_repo.add(conn, [entry], now)
        if first:
            log.info("broadcast %d done: %s", broadcast.id, counts)
            self._outbox.wake()
            await self._show(broadcast, self._texts.done(lang, audience, label, counts))

    async def _show(self, broadcast: Broadcast, text: str) -> None:
        chat, message = broadcast.progress_chat, broadcast.progress_message
        if self._transport is None or chat is None or message is None:
            return
        try:
            await self._transport.edit(chat, message, Reply(text))
        except DeliveryError as exc:
            # Progress is a courtesy: the report still comes at the end
            log.info("could not show the progress of broadcast %d: %s", broadcast.id, exc)
