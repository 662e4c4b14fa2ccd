"""Rencontre's command line: run the bot, check a config, import a programme, back up and restore
the database, or try the demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.clock import Clock, RehearsalClock, SystemClock
from bot.config import Config, ConfigError, WebAddressError, load_config
from bot.domain.errors import ProgrammeFileError
from bot.i18n import Translator
from bot.logs import setup_logging
from storage.db import Database, DatabaseError
from storage.lock import RunLock

EXIT_CONFIG = 2
EXIT_FORCED = 3  # a second signal cut the clean stop short

log = logging.getLogger("rencontre")


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date and time") from None


def _until(text: str | None) -> datetime | None:
    """Read plan's --to (the option is a file for backup, so argparse leaves it as text)."""
    try:
        return None if text is None else datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--to: {text!r} is not an ISO 8601 date and time") from None


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the speed must be positive")
    return value


def parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    p = argparse.ArgumentParser(prog="run.py", description=__doc__)
    p.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check", "import", "plan", "demo", "backup", "restore"],
    )
    p.add_argument(
        "file", nargs="?", type=Path, help="the programme file (import), the backup (restore)"
    )
    p.add_argument("--config", type=Path, default=Path("config.toml"), help="config file")
    p.add_argument("--now", type=_instant, help="start the bot's clock at this instant (ISO 8601)")
    p.add_argument(
        "--online",
        action="store_true",
        help="check: also ask Telegram about the token and the event's group",
    )
    p.add_argument("--speed", type=_speed, default=1.0, help="run the clock N times faster")
    p.add_argument("--from", dest="start", type=_instant, help="plan: from (default: now)")
    p.add_argument("--to", dest="end", help="plan: until (default: a day later); backup: FILE")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="import: print what the file would change, change nothing. Without it, import "
        "prints that and asks before applying when run in a terminal, and applies at once "
        "otherwise (scripts)",
    )
    return p


def make_clock(config: Config, now: datetime | None, speed: float) -> Clock:
    """Build the clock the command line asks for."""
    if now is None and speed == 1.0:
        return SystemClock()
    start = now or SystemClock().now()
    if start.tzinfo is None:
        start = start.replace(tzinfo=config.event.tz)
    return RehearsalClock(start, speed)


def fail(message: str) -> int:
    """Print one line to stderr and give the config exit status."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def check(config: Config, source: str) -> int:
    """Validate the config and the programme file, and print a summary."""
    config.require_token(source)
    from bot.services.programme import read_programme

    print(f"config: {source}: ok (event {config.event.name!r}, timezone {config.event.timezone})")
    print(f"organisers: {len(config.event.organisers)}; database: {config.storage.database}")
    if config.event.programme is None:
        print("programme: none configured (send a file to the bot, or use `run.py import FILE`)")
        return 0
    path = config.event.programme
    if not path.exists():
        raise ConfigError(f"{source}: event.programme: {path} does not exist")
    from bot.app import rota_rules

    programme = read_programme(path.read_bytes(), path.name, config.event.tz, rota_rules(config))
    days = sorted({w.start.astimezone(config.event.tz).date() for w in programme.workshops})
    print(
        f"programme: {path.name}: {len(programme.workshops)} items over {len(days)} days, "
        f"{len(programme.rooms)} rooms, {len(programme.rota)} rota slots"
    )
    return 0


async def check_online(config: Config, source: str) -> int:
    """Ask Telegram whether the token works and the bot may post and pin in the event's group."""
    from telegram import Bot
    from telegram.error import (
        BadRequest,
        ChatMigrated,
        Forbidden,
        InvalidToken,
        NetworkError,
        TelegramError,
    )

    from bot.domain.membership import Lack, lacks

    token = config.require_token(source)
    bot = Bot(token, base_url=config.telegram.api_base_url, base_file_url=config.telegram.file_url)
    group = config.event.announce_chat_id
    problems: list[str] = []
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken:
            return fail(f"{source}: telegram.token: refused by {config.telegram.api_base_url}")
        me = bot.bot
        print(f"telegram: token ok, the bot is @{me.username}")
        if group is None:
            print(
                "event.announce_chat_id: not set; add the bot to the event's group: it sends "
                "the organisers the line to put in the config"
            )
            return 0
        try:
            chat = await bot.get_chat(group)
            member = await bot.get_chat_member(group, me.id)
        except ChatMigrated as exc:
            return fail(
                f"{source}: event.announce_chat_id: group {group} became a supergroup: "
                f"put announce_chat_id = {exc.new_chat_id}"
            )
        except (BadRequest, Forbidden) as exc:
            gone = "not a member" in exc.message or "kicked" in exc.message
            why = "the bot is not a member of it" if gone else "unknown to Telegram"
            return fail(f"{source}: event.announce_chat_id: group {group}: {why} ({exc.message})")
        permissions = chat.permissions.to_dict() if chat.permissions else None
        name = f"group {group} ({chat.title or chat.type})"
        for lack in lacks(member.status, member.to_dict(), permissions):
            problems.append(
                {
                    Lack.MEMBER: f"{name}: the bot is not a member of it",
                    Lack.SEND: f"{name}: the bot cannot send messages there",
                    Lack.PIN: f"{name}: the bot cannot pin messages there (the board, notices): "
                    "make it an administrator with 'Pin messages'",
                }[lack]
            )
        if not problems:
            print(f"event.announce_chat_id: {name}: the bot may send and pin messages there")
    except NetworkError as exc:
        said = str(exc).replace(token, "<token>")
        return fail(f"telegram: cannot reach {config.telegram.api_base_url} ({said})")
    except TelegramError as exc:  # a 429, a conflict: Telegram is there, and said no
        said = str(exc).replace(token, "<token>")
        return fail(f"telegram: {config.telegram.api_base_url} refused the check ({said})")
    finally:
        await bot.shutdown()
    for problem in problems:
        fail(f"{source}: event.announce_chat_id: {problem}")
    return EXIT_CONFIG if problems else 0


async def import_file(config: Config, path: Path, *, dry_run: bool = False) -> int:
    """Load a programme file into the database and report what changed.

    With --dry-run, print what it would change and change nothing. In a terminal, print that
    and ask before applying; otherwise (a script) apply at once, as always.
    """
    from dataclasses import replace

    from bot.app import rota_rules
    from bot.services.people import PeopleService
    from bot.services.programme import ProgrammeChanged, ProgrammeService
    from bot.services.roles import RolesService
    from bot.views import importing as importing_view
    from bot.views.common import Renderer

    interactive = not dry_run and sys.stdin.isatty()
    clock = SystemClock()
    db = await Database.open(config.storage.database)
    try:
        service = ProgrammeService(db, config.event.tz, rota_rules(config), clock)
        programme = service.read(await asyncio.to_thread(path.read_bytes), path.name)
        if not (dry_run or interactive):
            report = await service.replace(programme)
        else:
            people = PeopleService(db, clock, config.event.organisers, config.event.organisations)
            service.runners = RolesService(db, clock, service, people).facilitating
            preview = await service.preview(programme, path.name)
            share = config.programme.confirm_removal_share
            preview = replace(preview, large=preview.too_much(share))
            r = Renderer(Translator.load("en"), "en", config.event.tz, clock.now())
            print(_plain(importing_view.import_preview(r, preview, budget=10**9).text))  # all of it
            if dry_run:
                print("dry run: nothing changed")
                return 0
            if not _yes("Apply? [y/N] "):
                print("not applied: nothing changed")
                return 0
            if preview.large and not _yes(
                r(
                    "import.preview.sure",
                    removed=len(preview.report.removed),
                    total=preview.before_total,
                )
                + " [y/N] "
            ):
                print("not applied: nothing changed")
                return 0
            try:
                async with db.transaction() as conn:
                    stored = await service.store(conn, programme, expected=preview.old)
            except ProgrammeChanged:
                return fail("the programme changed since the preview: nothing changed, run again")
            await service.stored(stored)
            report = stored.report
    finally:
        await db.close()
    print(
        f"{path.name}: {report.total} items ({len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged), "
        f"{report.rooms} rooms, {report.rota_slots} rota slots"
    )
    if report.kept:
        print(
            f"changes made in chat kept for {len(report.kept)} item(s) the file did not "
            f"update: {', '.join(report.kept)}"
        )
    return 0


def _yes(question: str) -> bool:
    """Ask a yes/no question in the terminal; anything but yes (or end of input) is no."""
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().casefold() in ("y", "yes", "o", "oui")


async def plan(config: Config, start: datetime | None, end: datetime | None) -> int:
    """Print every message the bot will send in a window, without sending anything."""
    from datetime import timedelta

    from bot.app import build_services
    from bot.clock import FrozenClock

    tz = config.event.tz
    first = (start or SystemClock().now()).replace(tzinfo=(start.tzinfo if start else None) or tz)
    if start is not None and start.tzinfo is None:
        first = start.replace(tzinfo=tz)
    last = end.replace(tzinfo=end.tzinfo or tz) if end else first + timedelta(days=1)
    clock = FrozenClock(first)
    db = await Database.open(config.storage.database)
    try:
        services = build_services(config, clock, db)
        if config.event.programme is not None and await services.programme.is_empty():
            await services.programme.import_path(config.event.programme)
        if config.event.announce_chat_id is None:
            print("No group is configured (event.announce_chat_id): private messages only.")
        names = {}
        found = await services.announcements.preview(first, last, clock.jump_to)
        if not found:
            window = f"{first.astimezone(tz):%a %d/%m %H:%M} → {last.astimezone(tz):%a %d/%m %H:%M}"
            print(f"Nothing to send in {window}.")
        for planned, delivery in found:
            if planned.chat_id not in names:
                person = await services.people.get(planned.chat_id)
                names[planned.chat_id] = person.display_name if person else str(planned.chat_id)
            who = f"group {planned.chat_id}" if planned.chat_id < 0 else names[planned.chat_id]
            when = planned.due.astimezone(tz).strftime("%a %d/%m %H:%M")
            print(f"{when}  {planned.kind:<8} → {who}")
            text = delivery.reply.text if delivery else "(nothing to say: not sent)"
            print("  " + _plain(text).replace("\n", "\n  "))
    finally:
        await db.close()
    return 0


def _plain(html_text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


class StopSignals:
    """SIGTERM and SIGINT ask for a clean stop; a second one during it exits at once."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        self.received: signal.Signals | None = None
        self.at = 0.0
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)

    def _on_signal(self, signum: signal.Signals) -> None:
        if self.received is None:
            self.received, self.at = signum, self._loop.time()
            self._event.set()
            return
        log.error(
            "%s during the stop (after %s): exiting now, what was under way goes again at "
            "the next start",
            signum.name,
            self.received.name,
        )
        os._exit(EXIT_FORCED)

    async def wait(self) -> signal.Signals:
        """Wait for the first signal; give it."""
        await self._event.wait()
        assert self.received is not None
        return self.received


def backup(config: Config, to: str | None) -> int:
    """Back the database up (the bot may be running): into --to, or the backup folder."""
    from storage.backup import back_up, back_up_to

    database = config.storage.database
    when = SystemClock().now().astimezone(config.event.tz)
    if to is None:
        assert config.backup.directory is not None  # load_config sets it
        made = back_up(database, config.backup.directory, when, config.backup.keep)
    elif Path(to).is_dir():
        made = back_up(database, Path(to), when)
    else:
        made = back_up_to(database, Path(to))
    wire = f", wire log {made.wire.name}" if made.wire else ""
    print(f"backup: {made.path} ({made.size:,} bytes in {made.seconds:.2f} s{wire})")
    return 0


def restore(config: Config, source: Path | None) -> int:
    """Put a backup in place of the database (the bot stopped); keep the one it replaces."""
    from storage.backup import restore as restore_file

    if source is None:
        return fail("restore needs the backup to restore: run.py restore FILE")
    database = config.storage.database
    done = restore_file(database, source, SystemClock().now().astimezone(config.event.tz))
    print(f"restored: {source} (schema version {done.version}) into {database}")
    if done.kept is not None:
        print(f"the database it replaced is kept as {done.kept}")
    return 0


async def run_bot(config: Config, clock: Clock) -> int:
    """Run the bot with long polling until SIGTERM or SIGINT, then stop cleanly."""
    from bot.app import build_application, start_polling, stop_polling

    RunLock(config.storage.database).take()  # one bot per database; freed when the process ends
    loop = asyncio.get_running_loop()
    signals = StopSignals(loop)
    db = await Database.open(config.storage.database)
    try:
        app = build_application(config, clock, db)
        async with app:
            poller = await start_polling(app)
            try:
                received = await signals.wait()
            finally:
                report = await stop_polling(app, poller)
    finally:
        await db.close()
    s = report.sends
    paused = (
        f", {report.broadcasts} broadcast(s) to go on at the next start"
        if report.broadcasts
        else ""
    )
    log.info(
        "stopped on %s in %.1f s: waited for %d send(s) in flight (%d done, %d left uncertain), "
        "put %d not yet gone back in the queue, %d handler(s) finished, %d cut short%s",
        received.name,
        loop.time() - signals.at,
        s.waited,
        s.answered,
        s.cut,
        s.held,
        report.handlers_finished,
        report.handlers_cut,
        paused,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and do what it says."""
    args = parser().parse_intermixed_args(argv)
    if args.command == "demo":
        from bot.sandbox.demo import run_demo

        return run_demo(now=args.now, speed=args.speed)
    source = str(args.config)
    try:
        config = load_config(args.config)
        setup_logging(config.telegram.token.get_secret_value() if config.telegram.token else None)
        if args.command == "check":
            status = check(config, source)
            if args.online:
                status = max(status, asyncio.run(check_online(config, source)))
            return status
        if args.command == "plan":
            return asyncio.run(plan(config, args.start, _until(args.end)))
        if args.command == "backup":
            return backup(config, args.end)
        if args.command == "restore":
            return restore(config, args.file)
        if args.command == "import":
            if args.file is None or not args.file.is_file():
                return fail(f"import needs a programme file: {args.file or 'FILE'}")
            return asyncio.run(import_file(config, args.file, dry_run=args.dry_run))
        config.require_token(source)
        return asyncio.run(run_bot(config, make_clock(config, args.now, args.speed)))
    except WebAddressError as exc:
        return fail(f"{source}: {exc}")
    except ConfigError as exc:
        return fail(str(exc))
    except ProgrammeFileError as exc:
        t = Translator.load("en")
        return fail(t("en", exc.key, **exc.params))
    except DatabaseError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
