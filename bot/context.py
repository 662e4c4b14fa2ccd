"""The types handlers and the sandbox share with the assembly: services, bot_data, context.

A leaf module: it imports the services' types and nothing that imports it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.config import Config
from bot.events import Events
from bot.i18n import Translator
from bot.services import membership, status
from bot.services.agenda import AgendaService
from bot.services.announcements import AnnouncementService
from bot.services.bookings import BookingService
from bot.services.broadcasts import BroadcastService
from bot.services.calendar import CalendarService
from bot.services.changes import ChangeService
from bot.services.children import ChildrenService
from bot.services.drafts import DraftService
from bot.services.favourites import FavouriteService
from bot.services.feedback import FeedbackService
from bot.services.importing import ImportService
from bot.services.outbox import Outbox
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.programme_page import ProgrammePageService
from bot.services.proposal_decisions import ProposalDecisions
from bot.services.proposals import ProposalService
from bot.services.questions import QuestionService
from bot.services.roles import RolesService
from bot.services.rooms import RoomService
from bot.services.rota import RotaService
from bot.services.screen import ScreenService
from bot.telegram_bot import RencontreBot
from bot.web.server import WebServer
from storage.db import Database


@dataclass
class Services:
    """Everything handlers may call, built once."""

    config: Config
    clock: Clock
    events: Events
    db: Database
    t: Translator
    membership: membership.MembershipService
    status: status.StatusService
    people: PeopleService
    roles: RolesService
    changes: ChangeService
    programme: ProgrammeService
    agenda: AgendaService
    bookings: BookingService
    outbox: Outbox
    announcements: AnnouncementService
    broadcasts: BroadcastService
    drafts: DraftService
    imports: ImportService
    calendar: CalendarService
    screen: ScreenService
    programme_page: ProgrammePageService
    # Questions to the organisers (/ask)
    questions: QuestionService
    # Issue 14, part 1: sessions proposed in chat
    proposals: ProposalService
    # The kids' club (issue 14, part 5)
    children: ChildrenService
    # Favourites and feedback (issue 14, parts 2 and 3)
    favourites: FavouriteService
    feedback: FeedbackService
    # Issue 12, round 2: the rota, proposals' decisions and rooms, each its own service
    rota: RotaService
    proposal_decisions: ProposalDecisions
    rooms: RoomService


class BotData:
    """The application's bot_data: typed access to the services (and the web server, if on)."""

    services: Services
    web: WebServer | None = None


Context = CallbackContext[RencontreBot, dict[Any, Any], dict[Any, Any], BotData]
RencontreApp = Application[RencontreBot, Context, dict[Any, Any], dict[Any, Any], BotData, Any]
