"""Organisers' broadcasts and notices: written once, sent through the outbox, followed to the end.

A broadcast is one `broadcast` row and one outbox message per recipient, queued in the same
transaction; the outbox sends them within Telegram's limits and records each one's fate.
`BroadcastAudiences` (broadcast_audiences.py) says who an audience stands for;
`BroadcastFollower` (broadcast_following.py) shows the progress and queues the report.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from markupsafe import escape

from bot.clock import Clock
from bot.domain.broadcasts import Audience, BroadcastDraft, Counts, Recipients, batch
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.i18n import Count
from bot.services.broadcast_audiences import (
    MAX_ITEMS,
    BroadcastAudiences,
    require_organiser,
)
from bot.services.broadcast_following import PROGRESS_EVERY, BroadcastFollower, ProgressTexts
from bot.services.drafts import DraftService
from bot.services.outbox import Outbox, Transport
from bot.services.people import PeopleService
from storage import broadcasts as repo
from storage import outbox as outbox_repo
from storage.broadcasts import Broadcast, Notice
from storage.db import Database
from storage.outbox import Entry

__all__ = [
    "ASK_ITEM",
    "FLOW",
    "KINDS",
    "MAX_ITEMS",
    "MAX_TEXT",
    "PROGRESS_EVERY",
    "Audience",
    "BroadcastDraft",
    "BroadcastService",
    "Counts",
    "Recipients",
    "batch",
]

log = logging.getLogger(__name__)

BROADCAST, NOTICE, REPORT = MessageKind.BROADCAST, MessageKind.NOTICE, MessageKind.REPORT
KINDS = (BROADCAST, NOTICE, REPORT)
"""The outbox kinds of this feature (bot/views/broadcasts.py writes them)."""

MAX_TEXT = 3500  # Telegram takes 4096 characters; the header and the preview need the rest
NOTICE_HOURS = 24
MAX_NOTICES = 10
FLOW = "broadcast"
"""The drafts' flow, and the name of the text input that waits for a broadcast's text."""
ASK_ITEM = "broadcast_item"
"""The name of the text input that waits for the workshop a broadcast goes to."""


class BroadcastService:
    """Let organisers write to many people at once, and see it through."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleService,
        audience: BroadcastAudiences,
        outbox: Outbox,
        texts: ProgressTexts,
        drafts: DraftService,
        *,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self._db = db
        self._drafts = drafts
        self._clock = clock
        self._people = people
        self._outbox = outbox
        self.group_chat = audience.group_chat
        self.audience = audience
        """Who an audience stands for, and its name."""
        self.following = BroadcastFollower(
            db, clock, outbox, texts, audience.label, progress_every=progress_every
        )
        """The watchers of the broadcasts under way."""

    @property
    def progress_every(self) -> float:
        """Give the seconds between two edits of a progress message."""
        return self.following.progress_every

    @progress_every.setter
    def progress_every(self, seconds: float) -> None:
        self.following.progress_every = seconds

    # Who may, and what

    def require_organiser(self, user_id: int) -> None:
        """Refuse anyone but an organiser."""
        require_organiser(self._people, user_id)

    @staticmethod
    def check_text(text: str) -> str:
        """Give the message to send, or refuse an empty or too long one."""
        text = text.strip()
        if not text:
            raise DomainError("broadcast.empty")
        if len(text) > MAX_TEXT:
            raise DomainError("broadcast.too_long", length=Count(len(text)), limit=Count(MAX_TEXT))
        return text

    # Drafts: one per organiser, kept in the database until sent, cancelled or expired

    async def ask_text(self, organiser: int) -> None:
        """Wait for the text of a new broadcast (an older draft's buttons stop working)."""
        self.require_organiser(organiser)
        await self._drafts.put(organiser, FLOW, "", {"text": ""}, awaiting=FLOW)

    async def write(self, organiser: int, text: str) -> BroadcastDraft:
        """Start a draft with this text, under a new tag; a refused text waits for another."""
        self.require_organiser(organiser)
        try:
            text = self.check_text(text)
        except DomainError:
            await self.ask_text(organiser)  # the next text is the shorter version
            raise
        draft = BroadcastDraft(secrets.token_hex(3), text)
        await self.keep(organiser, draft)
        return draft

    async def draft(self, organiser: int, tag: str | None = None) -> BroadcastDraft:
        """Give the organiser's written draft (whose tag is `tag`), or refuse it as stale."""
        self.require_organiser(organiser)
        found = await self._drafts.get(organiser, FLOW)
        if found is None or not found.tag or (tag is not None and found.tag != tag):
            raise DomainError("common.stale_button")
        audience = found.body.get("audience")
        return BroadcastDraft(
            found.tag, str(found.body["text"]), Audience.parse(audience) if audience else None
        )

    async def keep(self, organiser: int, draft: BroadcastDraft, *, ask_item: bool = False) -> None:
        """Keep the draft as it now stands (and wait for a workshop's name if `ask_item`)."""
        body = {"text": draft.text, "audience": draft.audience.code if draft.audience else None}
        await self._drafts.put(
            organiser, FLOW, draft.tag, body, awaiting=ASK_ITEM if ask_item else None
        )

    async def drop(self, organiser: int) -> None:
        """Forget the organiser's draft."""
        await self._drafts.drop(organiser, FLOW)

    # Sending

    async def send(
        self,
        organiser: int,
        text: str,
        audience: Audience,
        *,
        language: str | None = None,
        progress_chat: int | None = None,
        progress_message: int | None = None,
        draft_tag: str | None = None,
    ) -> Broadcast:
        """Queue a broadcast, one outbox message per recipient, in one transaction; follow it.

        Its progress and report are written in `language` (by default the organiser's).
        With `draft_tag`, the organiser's draft of that tag is taken in the same transaction:
        a second confirmation (a double press, a press replayed) finds it gone and sends nothing.

        People the bot could not reach last time are tried once more all the same: the flag
        may be stale (someone who unblocked the bot), and a refusal costs one call, no retry.
        """
        self.require_organiser(organiser)
        text = self.check_text(text)
        recipients = await self.audience.recipients(organiser, audience)
        if not recipients.chat_ids:
            raise DomainError("broadcast.nobody")
        now = self._clock.now()
        params = {"html": str(escape(text))}
        lang = language or await self._people.language(organiser, None)
        async with self._db.transaction() as conn:
            if draft_tag is not None:
                await self._drafts.take(
                    conn, organiser, FLOW, draft_tag, missing="common.stale_button"
                )
            broadcast_id = await repo.add(
                conn,
                by_user=organiser,
                text=text,
                audience=audience.code,
                language=lang,
                recipients=len(recipients.chat_ids),
                now=now,
                progress_chat=progress_chat,
                progress_message=progress_message,
            )
            entries = [
                Entry(
                    f"broadcast:{broadcast_id}:{chat}",
                    BROADCAST,
                    chat,
                    now,
                    params,
                    batch=batch(broadcast_id),
                )
                for chat in recipients.chat_ids
            ]
            await outbox_repo.add(conn, entries, now)
            broadcast = await repo.get(conn, broadcast_id)
        assert broadcast is not None
        log.info(
            "broadcast %d by %d to %s: %d recipients",
            broadcast_id,
            organiser,
            audience.code,
            len(recipients.chat_ids),
        )
        self._outbox.wake()
        self.following.follow(broadcast)
        return broadcast

    async def counts(self, broadcast_id: int) -> Counts:
        """Count a broadcast's messages by fate."""
        return await self.following.counts(broadcast_id)

    async def resume(self, transport: Transport) -> None:
        """Follow broadcasts from now on, and the unfinished ones again (at start-up)."""
        await self.following.resume(transport)

    async def stop(self) -> int:
        """Stop following; give how many broadcasts were under way (their rest stays queued)."""
        return await self.following.stop()

    # Notices

    async def notice(self, organiser: int, text: str, request: str) -> bool:
        """Post a notice to the group and pin it, through the outbox.

        request names the organiser's message (its update): the same request again (replayed
        after a restart) posts nothing more. Give whether this one was new.
        """
        self.require_organiser(organiser)
        text = self.check_text(text)
        if self.group_chat is None:
            raise DomainError("broadcast.no_group")
        now = self._clock.now()
        async with self._db.transaction() as conn:
            entry = Entry(
                f"notice:{request}",
                NOTICE,
                self.group_chat,
                now,
                {"html": str(escape(text))},
                urgent=True,
            )
            new = await outbox_repo.add(conn, [entry], now) == 1
            if new:
                await repo.add_notice(conn, organiser, text, self.group_chat, now)
        self._outbox.wake()
        return new

    async def notices(self) -> list[Notice]:
        """List the notices still current: those posted in the last 24 hours, newest first."""
        since = self._clock.now() - timedelta(hours=NOTICE_HOURS)
        async with self._db.read() as conn:
            return await repo.notices_since(conn, since, MAX_NOTICES)
