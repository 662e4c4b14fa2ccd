"""The sender's composer: each outbox row written at send time, with what is true then.

As a handler does for an update, it reads what the row needs from the services, then lets the
feature's view say it (bot/views/<feature>.py). Services never render; views never read.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.clock import Clock
from bot.domain import messages
from bot.domain.booking import Status, TargetKind
from bot.domain.membership import GroupChange
from bot.domain.messages import MessageKind
from bot.domain.models import Kind, Programme
from bot.domain.schedule import by_start, local_day, next_slot, running
from bot.i18n import Translator
from bot.reply import Reply
from bot.services.announcements import AnnouncementService
from bot.services.bookings import BookingService
from bot.services.feedback import FeedbackService
from bot.services.outbox import Delivery
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.proposal_decisions import ProposalDecisions
from bot.services.questions import QuestionService
from bot.services.roles import RolesService
from bot.views import announcements as announcements_view
from bot.views import broadcasts as broadcasts_view
from bot.views import changes as changes_view
from bot.views import children as children_view
from bot.views import feedback as feedback_view
from bot.views import proposals as proposals_view
from bot.views import questions as questions_view
from bot.views.common import Renderer
from bot.views.membership import membership_text
from storage.outbox import Row

log = logging.getLogger(__name__)


class Composer:
    """Write a planned message with what is true now; None when there is nothing to say."""

    proposals: ProposalDecisions | None = None
    """Issue 14, part 1: where proposals are read (set by bot/app.py)."""

    def __init__(
        self,
        clock: Clock,
        t: Translator,
        tz: ZoneInfo,
        default_language: str,
        programme: ProgrammeService,
        people: PeopleService,
        roles: RolesService,
        bookings: BookingService,
        announcements: AnnouncementService,
        feedback: FeedbackService | None = None,
    ) -> None:
        self._clock = clock
        self._t = t
        self._tz = tz
        self._default = default_language
        self._programme = programme
        self._people = people
        self._roles = roles
        self._bookings = bookings
        self._announcements = announcements
        # Questions to the organisers (/ask): set at assembly, once the service is built
        self.questions: QuestionService | None = None
        self.feedback = feedback
        """The feedback service (issue 14): set at assembly, once it is built."""

    async def _renderer(self, chat_id: int) -> Renderer:
        lang = self._default if chat_id < 0 else await self._people.language(chat_id, None)
        return Renderer(self._t, lang, self._tz, self._clock.now())

    async def __call__(self, row: Row) -> Delivery | None:
        """Write one row for the chat it goes to, in that chat's language."""
        try:
            kind = messages.kind_of(row.kind)
        except messages.UnknownMessage:
            log.warning("unknown outbox kind %s", row.kind)
            return None
        params = messages.parse(kind, row.params)  # parameters that do not fit: a failure
        programme = await self._programme.current()
        r = await self._renderer(row.chat_id)
        rules = self._announcements.rules
        if isinstance(params, messages.Announce):
            start = params.start
            starting = [
                w
                for w in programme.workshops
                if w.start == start and w.kind not in rules.skip_kinds
            ]
            if not starting:
                return None
            items = list(by_start(starting)[0].items)
            seats = await self._bookings.seats(items, None)
            return Delivery(announcements_view.announcement(r, start, items, seats))
        if isinstance(params, messages.Board):
            now = self._clock.now()
            return Delivery(
                announcements_view.board(
                    r, running(programme.workshops, now), next_slot(programme.workshops, now)
                ),
                board=True,
            )
        if isinstance(params, messages.Reminder):
            return await self._reminder(row.chat_id, params, programme, r)
        if isinstance(params, messages.Digest):
            return await self._digest(row.chat_id, params, programme, r)
        if isinstance(params, messages.Correction):
            return Delivery(announcements_view.correction(r, params, programme))
        if isinstance(params, messages.ChangeNotice):
            return Delivery(changes_view.change_notice(r, params))
        if isinstance(params, messages.Promoted) and params.child is not None:
            return Delivery(children_view.promoted_row(r, params, programme))
        if isinstance(params, messages.Promoted):
            return Delivery(announcements_view.promoted_row(r, params, programme))
        if isinstance(params, messages.Html):
            reply = broadcasts_view.compose(r, kind, params)
            return Delivery(reply, pin=kind is MessageKind.NOTICE)
        if isinstance(params, messages.GroupSetup):
            change = GroupChange.of(dict(row.params))
            configured = change.chat_id == rules.group_chat
            return Delivery(Reply(membership_text(r, change, configured)))
        # Questions to the organisers (/ask): the copy and the answer say what is true now
        if isinstance(params, messages.QuestionRef) and self.questions is not None:
            question = await self.questions.get(params.question_id)
            if question is None:
                return None
            if kind is MessageKind.QUESTION:
                return Delivery(questions_view.relay(r, question))
            return Delivery(questions_view.answer(r, question))
        # Issue 14, part 1: sessions proposed in chat
        if isinstance(params, messages.ProposalNews):
            return await self._proposal(params, r)
        # Favourites and feedback (issue 14, parts 2 and 3)
        if isinstance(params, messages.FeedbackAsk):
            assert self.feedback is not None
            asked = await self.feedback.to_ask(row.chat_id, params.items)
            return Delivery(feedback_view.ask(r, asked)) if asked else None
        if isinstance(params, messages.FeedbackSummary):
            assert self.feedback is not None
            tally = await self.feedback.summary(params.item_id)
            return Delivery(feedback_view.summary(r, tally)) if tally else None
        raise AssertionError(f"a kind without its composer: {kind}")

    async def _proposal(self, params: messages.ProposalNews, r: Renderer) -> Delivery | None:
        proposal = None if self.proposals is None else await self.proposals.get(params.proposal_id)
        if proposal is None:
            return None
        if params.what == "card":
            return Delivery(proposals_view.card(r, proposal))
        if params.what == "declined":
            return Delivery(proposals_view.declined_news(r, proposal))
        item = next(
            (w for w in (await self._programme.current()).workshops if w.id == proposal.item_id),
            None,
        )
        if item is None:  # cancelled since, or never approved
            return None
        if params.what == "approved":
            return Delivery(proposals_view.guide(r, item))
        return Delivery(proposals_view.clash(r, proposal, item, params.clash or ""))

    async def _reminder(
        self, chat_id: int, params: messages.Reminder, programme: Programme, r: Renderer
    ) -> Delivery | None:
        target_id, start = params.target_id, params.start
        if params.target_kind is TargetKind.WORKSHOP:
            item = next((w for w in programme.workshops if w.id == target_id), None)
            if item is None or item.start != start:
                return None
            if params.child is not None:
                return Delivery(children_view.reminder(r, item, params.child))
            return Delivery(
                announcements_view.reminder(
                    r, item.title, item.start, item.end, item.room, rota=False
                )
            )
        slot = next((s for s in programme.rota if s.id == target_id), None)
        if slot is None or slot.start != start:
            return None
        mine = await self._announcements.bookings_of(chat_id)
        if not any(
            b.kind is TargetKind.ROTA and b.target_id == slot.id and b.status is Status.IN
            for b in mine
        ):
            return None
        return Delivery(
            announcements_view.reminder(r, slot.area, slot.start, slot.end, None, rota=True)
        )

    async def _digest(
        self, chat_id: int, params: messages.Digest, programme: Programme, r: Renderer
    ) -> Delivery | None:
        day = params.date
        person = await self._people.get(chat_id)
        if person is None:
            return None
        mine = await self._announcements.bookings_of(chat_id)
        items = {w.id: w for w in programme.workshops}
        slots = {s.id: s for s in programme.rota}
        lines: list[tuple[datetime, str, Markup]] = []
        for b in mine:
            if b.kind is TargetKind.WORKSHOP and b.target_id in items:
                w = items[b.target_id]
                if local_day(w.start, self._tz) == day:
                    state = "in" if b.status is Status.IN else "waiting"
                    line = announcements_view.digest_line(r, w.title, w.start, w.end, w.room, state)
                    lines.append((w.start, state, line))
            elif b.kind is TargetKind.ROTA and b.target_id in slots and b.status is Status.IN:
                s = slots[b.target_id]
                if local_day(s.start, self._tz) == day:
                    line = announcements_view.digest_line(r, s.area, s.start, s.end, None, "rota")
                    lines.append((s.start, "rota", line))
        for w in await self._roles.items_run_by(chat_id):
            if local_day(w.start, self._tz) == day:
                line = announcements_view.digest_line(r, w.title, w.start, w.end, w.room, "run")
                lines.append((w.start, "run", line))
        highlights = [
            w
            for slot in by_start(
                w for w in programme.workshops if local_day(w.start, self._tz) == day
            )
            for w in slot.items
            if w.kind in (Kind.PLENARY, Kind.EVENING)
        ]
        return Delivery(
            announcements_view.digest(
                r, person.first_name, day, [text for _, _, text in sorted(lines)], highlights
            )
        )
