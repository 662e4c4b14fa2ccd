"""Organisers' broadcasts and notices: written once, sent through the outbox, followed to the end.

A broadcast is one `broadcast` row and one outbox message per recipient, queued in the same
transaction; the outbox sends them within Telegram's limits and records each one's fate. A
watcher edits the organiser's progress message every few seconds, and when nothing is left in
flight it queues the final report (once: the broadcast is marked done in the same transaction).
After a restart, `resume` gives the unfinished broadcasts their watcher back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from markupsafe import escape

from bot.clock import Clock
from bot.domain.audience import AudienceKind
from bot.domain.booking import Status, TargetKind, ref
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.domain.models import Workshop
from bot.domain.schedule import local_day
from bot.i18n import Count, Translator
from bot.reply import Reply
from bot.services.drafts import DraftService
from bot.services.outbox import DeliveryError, Outbox, Transport
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import RolesService
from storage import broadcasts as repo
from storage import outbox as outbox_repo
from storage.broadcasts import Broadcast, Notice
from storage.db import Database
from storage.outbox import Entry

log = logging.getLogger(__name__)

BROADCAST, NOTICE, REPORT = MessageKind.BROADCAST, MessageKind.NOTICE, MessageKind.REPORT
KINDS = (BROADCAST, NOTICE, REPORT)
"""The outbox kinds of this feature (bot/views/broadcasts.py writes them)."""

MAX_TEXT = 3500  # Telegram takes 4096 characters; the header and the preview need the rest
PROGRESS_EVERY = 3.0  # seconds between two edits of the progress message
NOTICE_HOURS = 24
MAX_NOTICES = 10
MAX_ITEMS = 8
FLOW = "broadcast"
"""The drafts' flow, and the name of the text input that waits for a broadcast's text."""
ASK_ITEM = "broadcast_item"
"""The name of the text input that waits for the workshop a broadcast goes to."""


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


class BroadcastService:
    """Let organisers write to many people at once, and see it through."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleService,
        programme: ProgrammeService,
        roles: RolesService,
        outbox: Outbox,
        t: Translator,
        tz: ZoneInfo,
        group_chat: int | None,
        drafts: DraftService,
        *,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self._db = db
        self._drafts = drafts
        self._clock = clock
        self._people = people
        self._programme = programme
        self._roles = roles
        self._outbox = outbox
        self._t = t
        self._tz = tz
        self.group_chat = group_chat
        self.progress_every = progress_every
        """Seconds between two edits of a progress message."""
        self._transport: Transport | None = None
        self._watchers: dict[int, asyncio.Task[None]] = {}

    # Who may, and what

    def require_organiser(self, user_id: int) -> None:
        """Refuse anyone but an organiser."""
        if not self._people.is_organiser(user_id):
            raise DomainError("common.not_allowed")

    @staticmethod
    def check_text(text: str) -> str:
        """Give the message to send, or refuse an empty or too long one."""
        text = text.strip()
        if not text:
            raise DomainError("broadcast.empty")
        if len(text) > MAX_TEXT:
            raise DomainError("broadcast.too_long", length=Count(len(text)), limit=Count(MAX_TEXT))
        return text

    def audiences(self) -> list[AudienceKind]:
        """List the audiences this event offers (the group and organisations if configured)."""
        out = [AudienceKind.ALL]
        if self.group_chat is not None:
            out.append(AudienceKind.GROUP)
        out += [AudienceKind.ITEM, AudienceKind.FACILITATORS, AudienceKind.ROTA]
        if self._people.organisations:
            out.append(AudienceKind.ORGANISATION)
        return out

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

    async def items_matching(self, organiser: int, query: str) -> list[Workshop]:
        """Find the items that take sign-ups whose title matches `query` (or whose id it is)."""
        self.require_organiser(organiser)
        items = [w for w in (await self._programme.current()).workshops if w.takes_signups]
        exact = [w for w in items if w.id == query.strip()]
        if exact:
            return exact
        found = (await self._programme.index()).search(query)
        return [m.item for m in found if m.item.takes_signups][:MAX_ITEMS]

    async def item_by_ref(self, organiser: int, code: str) -> Workshop:
        """Give the item a button refers to, or refuse a stale reference."""
        self.require_organiser(organiser)
        for w in (await self._programme.current()).workshops:
            if w.takes_signups and ref(w.id) == code:
                return w
        raise DomainError("common.stale_button")

    async def recipients(self, organiser: int, audience: Audience) -> Recipients:
        """Give who an audience stands for now; refuse one that does not exist (any more)."""
        self.require_organiser(organiser)
        chats: list[int]
        kind = audience.kind
        if kind is AudienceKind.GROUP:
            if self.group_chat is None:
                raise DomainError("common.stale_button")
            return Recipients(audience, (self.group_chat,), 0)
        if kind is AudienceKind.FACILITATORS:
            chats = list(await self._roles.facilitating())
        elif kind is AudienceKind.ITEM:
            item = await self._item(audience.arg)
            async with self._db.read() as conn:
                chats = await repo.booked(
                    conn,
                    TargetKind.WORKSHOP.value,
                    [item.id],
                    [Status.IN.value, Status.WAITING.value],
                )
        elif kind is AudienceKind.ROTA:
            today = local_day(self._clock.now(), self._tz)
            slots = [
                s.id
                for s in (await self._programme.current()).rota
                if local_day(s.start, self._tz) == today
            ]
            async with self._db.read() as conn:
                chats = await repo.booked(conn, TargetKind.ROTA.value, slots, [Status.IN.value])
        elif kind is AudienceKind.ORGANISATION:
            if audience.arg not in self._people.organisations:
                raise DomainError("common.stale_button")
            async with self._db.read() as conn:
                chats = await repo.of_organisation(conn, audience.arg)
        else:
            async with self._db.read() as conn:
                chats = await repo.registered(conn)
        chat_ids = tuple(sorted(set(chats)))
        async with self._db.read() as conn:
            unreachable = await repo.count_unreachable(conn, chat_ids)
        return Recipients(audience, chat_ids, unreachable)

    async def _item(self, item_id: str | None) -> Workshop:
        for w in (await self._programme.current()).workshops:
            if w.id == item_id and w.takes_signups:
                return w
        raise DomainError("common.stale_button")

    async def label(self, audience: Audience, lang: str) -> str:
        """Name an audience for the organiser: 'everyone registered', 'Atelier A', 'Oxalis'."""
        kind = audience.kind
        if kind is AudienceKind.ITEM:
            programme = await self._programme.current()
            title = next((w.title for w in programme.workshops if w.id == audience.arg), None)
            return self._t(lang, "broadcast.audience_item", title=title or "?")
        if kind is AudienceKind.ORGANISATION:
            return self._t(lang, "broadcast.audience_org", organisation=audience.arg or "?")
        return self._t(lang, f"broadcast.audience_{kind.value}")

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
        recipients = await self.recipients(organiser, audience)
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
        self._follow(broadcast)
        return broadcast

    async def counts(self, broadcast_id: int) -> Counts:
        """Count a broadcast's messages by fate."""
        async with self._db.read() as conn:
            return Counts.of(await outbox_repo.batch_counts(conn, batch(broadcast_id)))

    # Following

    async def resume(self, transport: Transport) -> None:
        """Follow broadcasts from now on, and the unfinished ones again (at start-up)."""
        self._transport = transport
        async with self._db.read() as conn:
            unfinished = await repo.unfinished(conn)
        for broadcast in unfinished:
            log.info("following broadcast %d again after a restart", broadcast.id)
            self._follow(broadcast)

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

    def _follow(self, broadcast: Broadcast) -> None:
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
                label = await self.label(Audience.parse(broadcast.audience), lang)
                counts = await self.counts(broadcast.id)
                if counts.done:
                    await self._finish(broadcast, counts, lang, label)
                    return
                text = self._t(
                    lang,
                    "broadcast.progress",
                    audience=label,
                    handled=Count(counts.total - counts.waiting),
                    total=Count(counts.total),
                    sent=self._t(lang, "plurals.received", n=counts.sent),
                    unreachable=self._t(lang, "plurals.unreachable", n=counts.unreachable),
                    failed=Count(counts.failed),
                )
                if text != shown:
                    await self._show(broadcast, text)
                    shown = text
            except Exception:
                log.exception("following broadcast %d failed; trying again", broadcast.id)
            await asyncio.sleep(self.progress_every)

    async def _finish(self, broadcast: Broadcast, counts: Counts, lang: str, label: str) -> None:
        values = {
            "audience": label,
            "total": Count(counts.total),
            "sent": self._t(lang, "plurals.received", n=counts.sent),
            "unreachable": self._t(lang, "plurals.unreachable", n=counts.unreachable),
            "failed": Count(counts.failed),
        }
        # A group is one chat, not people: "unreachable" (blocked the bot) means nothing there
        group = Audience.parse(broadcast.audience).kind is AudienceKind.GROUP
        if group:
            key = "broadcast.report_group" if counts.sent else "broadcast.report_group_failed"
            report = self._t(lang, key)
        else:
            report = self._t(lang, "broadcast.report", **values)
        if counts.uncertain:
            report += self._t(lang, "broadcast.report_uncertain", n=counts.uncertain)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            first = await repo.finish(conn, broadcast.id, now)
            if first:
                entry = Entry(
                    f"broadcast:{broadcast.id}:report",
                    REPORT,
                    broadcast.by_user,
                    now,
                    {"html": str(report)},
                    urgent=True,
                )
                await outbox_repo.add(conn, [entry], now)
        if first:
            log.info("broadcast %d done: %s", broadcast.id, counts)
            self._outbox.wake()
            if group:
                await self._show(broadcast, self._t(lang, "broadcast.progress_done_group"))
            else:
                await self._show(broadcast, self._t(lang, "broadcast.progress_done", **values))

    async def _show(self, broadcast: Broadcast, text: str) -> None:
        chat, message = broadcast.progress_chat, broadcast.progress_message
        if self._transport is None or chat is None or message is None:
            return
        try:
            await self._transport.edit(chat, message, Reply(text))
        except DeliveryError as exc:
            # Progress is a courtesy: the report still comes at the end
            log.info("could not show the progress of broadcast %d: %s", broadcast.id, exc)

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
