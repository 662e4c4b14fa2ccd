"""Assembly: the ONE place that wires handlers, jobs and services into an Application."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    Defaults,
    JobQueue,
)

from bot.clock import Clock
from bot.config import Config
from bot.context import BotData, Context, RencontreApp, Services
from bot.delivery import TelegramTransport
from bot.domain.programme import RotaRule
from bot.events import BookingsChanged, Events, PersonRegistered, ProgrammeChanged
from bot.i18n import Translator
from bot.json_request import JsonRequest
from bot.menus import set_menu
from bot.polling import POLL_TIMEOUT, Inbox, Poller, PollRequest
from bot.ratelimit import RESERVE, SlidingWindowRateLimiter
from bot.services import membership, status
from bot.services.agenda import AgendaService
from bot.services.bookings import BookingService
from bot.services.broadcast_audiences import BroadcastAudiences
from bot.services.broadcasts import BroadcastService
from bot.services.calendar import CalendarService
from bot.services.changes import ChangeService
from bot.services.children import ChildrenService
from bot.services.drafts import DraftService
from bot.services.favourites import FavouriteService
from bot.services.feedback import FeedbackService
from bot.services.importing import ImportService
from bot.services.outbox import Outbox, Stopped
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.programme_page import ProgrammePageService
from bot.services.roles import RolesService
from bot.services.rooms import RoomService
from bot.services.rota import RotaService
from bot.services.screen import ScreenService
from bot.telegram_bot import RencontreBot
from bot.views.broadcasts import BroadcastTexts
from bot.web.server import WebServer
from bot.wiring import wire_announcements, wire_proposals, wire_questions
from handlers import register
from handlers.errors import report_failure
from storage import backup
from storage.db import BULK_WORK, Database, in_memory

log = logging.getLogger(__name__)

WAKE_JOB = "rencontre-outbox-wake"
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)
"""Every message the bot sends or edits is HTML, without link previews: set here only."""
STOP_GRACE = 5.0
"""Seconds a clean stop gives the sends and the handlers under way."""


class RencontreApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The Application, marking each update done in the inbox once handled."""

    inbox: Inbox | None = None
    polls: PollRequest | None = None
    """getUpdates' connection (it keeps each batch as sent, for the inbox)."""

    async def process_update(self, update: object) -> None:
        """Handle an update and mark it done (not when cancelled: it will run again)."""
        if self.inbox is None or not isinstance(update, Update):
            await super().process_update(update)
            return
        await self.inbox.handle(update.update_id, super().process_update(update))


def rota_rules(config: Config) -> tuple[RotaRule, ...]:
    """Turn the [[rota.after]] tables into domain rules."""
    return tuple(
        RotaRule(r.kind, r.areas, r.places, r.minutes, r.offset_minutes) for r in config.rota.after
    )


def build_services(
    config: Config, clock: Clock, db: Database, t: Translator | None = None
) -> Services:
    """Build the services on an open database."""
    t = t or Translator.load(config.event.default_language)
    tz = config.event.tz
    events = Events()
    programme = ProgrammeService(db, tz, rota_rules(config), clock, events)
    people = PeopleService(db, clock, config.event.organisers, config.event.organisations, events)
    grace = timedelta(minutes=config.signups.close_after_start_minutes)
    roles = RolesService(db, clock, programme, people)
    bookings = BookingService(db, clock, programme, people, roles, tz, grace, events)
    outbox = Outbox(
        db, clock, window=config.delivery.window, max_attempts=config.delivery.max_attempts
    )
    announcements, composer = wire_announcements(
        config, clock, db, t, programme, people, roles, bookings, outbox
    )
    programme.runners = roles.facilitating

    # What reacts to what: every change re-plans what the bot will send
    async def programme_changed(_: ProgrammeChanged) -> None:
        # Everyone's re-plan, run by the handler that changed the programme: bulk work, its
        # writes wait behind the people's (in the soak, a facilitator's change held the
        # writing connection six times ~28 ms while everyone else's sign-up waited)
        token = BULK_WORK.set(True)
        try:
            await announcements.replan()
        finally:
            BULK_WORK.reset(token)

    async def bookings_changed(event: BookingsChanged) -> None:
        await announcements.replan(set(event.user_ids))

    async def person_registered(event: PersonRegistered) -> None:
        await roles.registered(event.user_id)  # a username may make someone a facilitator
        if event.new:
            # Planned as for someone whose bookings changed: bulk work in a task of its own
            # (drained at the stop), so that /start's answer never waits for a re-plan of
            # everyone under way (re-plans go one at a time)
            bookings.changed({event.user_id})

    events.subscribe(ProgrammeChanged, programme_changed)
    events.subscribe(BookingsChanged, bookings_changed)
    events.subscribe(PersonRegistered, person_registered)
    drafts = DraftService(db, clock, timedelta(minutes=config.drafts.expire_minutes))
    texts = BroadcastTexts(t)
    group_chat = config.event.announce_chat_id
    audience = BroadcastAudiences(db, clock, people, programme, roles, tz, group_chat, texts)
    broadcasts = BroadcastService(db, clock, people, audience, outbox, texts, drafts)
    agenda = AgendaService(programme, roles, clock, tz)
    calendar = CalendarService(
        db,
        clock,
        programme,
        bookings,
        roles,
        config.announcements.reminder_minutes,
        config.web.base_url,
    )

    # Every change to the programme raises its items' SEQUENCE, whoever asks for a calendar next
    async def calendar_sync(_: ProgrammeChanged) -> None:
        await calendar.sync()

    events.subscribe(ProgrammeChanged, calendar_sync)
    # Questions to the organisers (/ask): their copies and answers are composed at send time
    questions = wire_questions(config, clock, db, people, outbox, drafts)
    composer.questions = questions
    # Issue 14, part 1: sessions proposed in chat (kept when the file is imported again)
    proposals, proposal_decisions = wire_proposals(
        config, clock, db, programme, people, roles, drafts, events
    )
    programme.keep = proposal_decisions.keep
    composer.proposals = proposal_decisions
    # Favourites and feedback (issue 14, parts 2 and 3)
    favourites = FavouriteService(db, clock, programme, people, announcements)
    feedback = FeedbackService(db, clock, programme, people, roles, drafts, announcements)
    composer.feedback = feedback
    return Services(
        config=config,
        clock=clock,
        events=events,
        db=db,
        t=t,
        membership=membership.MembershipService(clock, people, outbox, config.event.organisers),
        status=status.StatusService(
            db, clock, people, status.ApiFailures(clock), config.backup.directory
        ),
        people=people,
        programme=programme,
        agenda=agenda,
        roles=roles,
        changes=ChangeService(
            db, clock, programme, roles, config.event.announce_chat_id, grace, drafts, tz, events
        ),
        bookings=bookings,
        outbox=outbox,
        announcements=announcements,
        broadcasts=broadcasts,
        drafts=drafts,
        imports=ImportService(
            db, clock, programme, people, drafts, config.programme.confirm_removal_share
        ),
        calendar=calendar,
        screen=ScreenService(agenda, broadcasts),
        programme_page=ProgrammePageService(programme, bookings, clock, tz),
        questions=questions,
        proposals=proposals,
        # The kids' club (issue 14, part 5)
        children=ChildrenService(db, clock, programme, bookings, drafts, people),
        favourites=favourites,
        feedback=feedback,
        # Issue 12, round 2: the rota, proposals' decisions and rooms, each its own service
        rota=RotaService(db, clock, programme, people, roles, bookings, tz),
        proposal_decisions=proposal_decisions,
        rooms=RoomService(programme, agenda, clock, tz),
    )


async def prepare(app: RencontreApp) -> None:
    """Do the start-up work, once the application is initialised and before it polls."""
    await startup(app.bot_data.services)
    await set_menu(app)


async def startup(services: Services) -> None:
    """Import the configured programme if the database has none."""
    path = services.config.event.programme
    if path is not None and await services.programme.is_empty():
        report = await services.programme.import_path(path)
        log.info("programme %s imported: %d items", path.name, report.total)
    await services.calendar.sync()


def build_application(
    config: Config,
    clock: Clock,
    db: Database,
    *,
    translator: Translator | None = None,
    token: str | None = None,
) -> RencontreApp:
    """Build the bot: services, handlers in their documented order, start-up work."""
    services = build_services(config, clock, db, translator)
    limiter = SlidingWindowRateLimiter(reserve=RESERVE)  # replies first (issue 13)
    limiter.on_failure = services.status.failures.note  # every call passes the limiter
    context_types = ContextTypes(context=CallbackContext, bot_data=BotData)

    bot = RencontreBot(
        token or config.require_token(),
        base_url=config.telegram.api_base_url,
        base_file_url=config.telegram.file_url,
        defaults=DEFAULTS,
        rate_limiter=limiter,
        request=JsonRequest(),
        get_updates_request=(polls := PollRequest()),
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(context_types)
        .concurrent_updates(True)
        .application_class(RencontreApplication)
        .updater(None)
    )
    # The builder's generic parameters do not follow context_types; the cast names what it built
    app = cast(RencontreApp, builder.build())
    app.bot_data.services = services
    cast(RencontreApplication, app).inbox = Inbox(db, clock)
    cast(RencontreApplication, app).polls = polls
    register(app)
    return app


async def start_sending(app: RencontreApp) -> None:
    """Start the outbox; the JobQueue wakes it when the next message is due."""
    services = app.bot_data.services
    outbox, clock = services.outbox, services.clock
    job_queue = app.job_queue
    assert job_queue is not None

    def set_timer(upcoming: datetime | None) -> None:
        for job in job_queue.get_jobs_by_name(WAKE_JOB):
            job.schedule_removal()
        if upcoming is not None:
            delay = max(0.05, clock.seconds_until(upcoming))
            job_queue.run_once(_wake_outbox, delay, name=WAKE_JOB)

    outbox.on_idle = set_timer
    # issue 17: a failure of the sender itself reaches the organisers when it happens
    outbox.on_failure = lambda error: _sender_failed(app, error)
    await services.announcements.replan()
    transport = TelegramTransport(app.bot)
    await outbox.start(transport, services.announcements.compose)
    await services.broadcasts.resume(transport)


def _sender_failed(app: RencontreApp, error: Exception) -> None:
    services = app.bot_data.services
    app.create_task(report_failure(app.bot, services, "failures.outbox", error))


async def _wake_outbox(context: Context) -> None:
    context.bot_data.services.outbox.wake()


BACKUP_JOB = "rencontre-nightly-backup"


def schedule_backup(app: RencontreApp) -> None:
    """Arm the nightly backup at backup.at (the event's local time, on the bot's clock).

    Call it again after moving a rehearsal clock: it replaces the one armed before.
    """
    _arm_backup(app.job_queue, app.bot_data.services, app.bot_data.services.clock.now())


def _arm_backup(job_queue: JobQueue[Any] | None, services: Services, after: datetime) -> None:
    config, clock = services.config, services.clock
    if not config.backup.enabled or in_memory(services.db.path) or job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(BACKUP_JOB):
        job.schedule_removal()
    due = backup.next_backup(after, config.backup.at, config.event.tz)
    job_queue.run_once(_nightly_backup, clock.seconds_until(due), name=BACKUP_JOB, data=due)


async def _nightly_backup(context: Context) -> None:
    services = context.bot_data.services
    config, clock = services.config, services.clock
    assert context.job is not None and isinstance(context.job.data, datetime)
    due, now = context.job.data, clock.now()
    if clock.seconds_until(due) > 1:  # the clock was set back since: wait for it again
        _arm_backup(context.job_queue, services, now)
        return
    try:
        folder = config.backup.directory
        assert folder is not None  # load_config sets it
        when = now.astimezone(config.event.tz)
        made = await asyncio.to_thread(
            backup.back_up, Path(services.db.path), folder, when, config.backup.keep
        )
        log.info("nightly backup: %s, %d bytes", made.path, made.size)
    finally:
        # A failure goes on to the error handler; the next night is armed first
        _arm_backup(context.job_queue, services, max(now, due))


async def start_polling(app: RencontreApp, poll_timeout: int = POLL_TIMEOUT) -> Poller:
    """Start the web server (if on), prepare, start the application and the outbox, and poll
    through the inbox. The web server goes first: an address in use stops the start at once."""
    await start_web(app)
    try:
        await prepare(app)
    except BaseException:
        await stop_web(app)  # a start that fails leaves nothing listening
        raise
    await app.start()
    await start_sending(app)
    schedule_backup(app)
    inbox = cast(RencontreApplication, app).inbox
    assert inbox is not None
    poller = Poller(app, inbox, cast(RencontreApplication, app).polls)
    await poller.start(poll_timeout)
    return poller


async def start_web(app: RencontreApp) -> None:
    """Start the web server when [web] listen is set (raises WebAddressError if it cannot)."""
    from bot.web.app import make_app

    web = app.bot_data.services.config.web
    if web.listen is None:
        return
    server = WebServer(make_app(app.bot_data.services), web.host, web.port)
    await server.start()
    app.bot_data.web = server


async def stop_web(app: RencontreApp) -> None:
    """Stop the web server, if it runs."""
    if app.bot_data.web is not None:
        await app.bot_data.web.stop()
        app.bot_data.web = None


@dataclass(frozen=True, slots=True)
class StopReport:
    """What a clean stop found under way, and what became of it."""

    sends: Stopped
    handlers_finished: int
    handlers_cut: int
    broadcasts: int
    """Broadcasts under way: they go on after the restart."""


async def stop_polling(app: RencontreApp, poller: Poller, grace: float = STOP_GRACE) -> StopReport:
    """Stop cleanly: no more updates nor new sends; what is under way gets `grace` seconds.

    Updates stored and not handled stay in the inbox, messages not sent stay queued, and a
    broadcast under way goes on after the restart.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    await poller.stop()
    services = app.bot_data.services
    inbox = cast(RencontreApplication, app).inbox
    assert inbox is not None
    broadcasts = await services.broadcasts.stop()
    sends, (finished, cut) = await asyncio.gather(services.outbox.stop(grace), inbox.close(grace))
    try:
        async with asyncio.timeout(max(0.1, deadline - loop.time())):
            await services.bookings.drain()
    except TimeoutError:
        log.warning("stopping without waiting for the re-planning after sign-ups (redone at start)")
    await app.stop()
    await stop_web(app)
    return StopReport(sends, finished, cut, broadcasts)
