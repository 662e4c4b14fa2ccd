"""The wiring of the features that take many parts, for `build_services` (bot/app.py).

Each `wire_<feature>` builds one feature's collaborating services from the config and the
services they lean on; what reacts to what (the events) stays in `build_services`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.composer import Composer
from bot.config import Config
from bot.events import Events
from bot.i18n import Translator
from bot.services.announcements import AnnouncementService, parse_rules
from bot.services.bookings import BookingService
from bot.services.drafts import DraftService
from bot.services.outbox import Outbox
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.proposal_decisions import ProposalDecisions
from bot.services.proposal_slots import ProposalSlots
from bot.services.proposals import ProposalService
from bot.services.questions import QuestionService
from bot.services.roles import RolesService
from storage.db import Database


def wire_announcements(
    config: Config,
    clock: Clock,
    db: Database,
    t: Translator,
    programme: ProgrammeService,
    people: PeopleService,
    roles: RolesService,
    bookings: BookingService,
    outbox: Outbox,
) -> tuple[AnnouncementService, Composer]:
    """Build the announcements' planner and the composer that writes the outbox's rows."""
    tz: ZoneInfo = config.event.tz
    a = config.announcements
    rules = parse_rules(
        a.enabled,
        a.lead_minutes,
        a.reminder_minutes,
        a.digest_at,
        a.quiet_hours,
        config.event.announce_chat_id,
        a.board,
        a.skip_kinds,
        a.digest_window_minutes,
    )
    announcements = AnnouncementService(
        db, clock, programme, people, roles, bookings, outbox, rules, tz
    )
    # The outbox's rows are written at send time by the composer (services never render)
    announcements.compose = composer = Composer(
        clock,
        t,
        tz,
        config.event.default_language,
        programme,
        people,
        roles,
        bookings,
        announcements,
    )
    return announcements, composer


def wire_questions(
    config: Config,
    clock: Clock,
    db: Database,
    people: PeopleService,
    outbox: Outbox,
    drafts: DraftService,
) -> QuestionService:
    """Build the questions to the organisers (/ask)."""
    return QuestionService(
        db,
        clock,
        people,
        outbox,
        drafts,
        config.event.tz,
        config.event.organisers,
        config.event.organisers_chat_id,
    )


def wire_proposals(
    config: Config,
    clock: Clock,
    db: Database,
    programme: ProgrammeService,
    people: PeopleService,
    roles: RolesService,
    drafts: DraftService,
    events: Events,
) -> tuple[ProposalService, ProposalDecisions]:
    """Build the sessions proposed in chat: the proposer's flow and the organisers' decisions."""
    slots = ProposalSlots(db, clock, programme, roles)
    decisions = ProposalDecisions(
        db,
        clock,
        programme,
        roles,
        drafts,
        slots,
        events,
        config.event.organisers,
        config.event.organisers_chat_id,
    )
    automatic = config.proposals.approval == "automatic"
    return ProposalService(db, clock, people, drafts, slots, decisions, automatic), decisions
