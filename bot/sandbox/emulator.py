"""A local Telegram Bot API: the real python-telegram-bot talks to it over HTTP.

    async with BotApiEmulator() as emu:
        emu.cast.add_user(42, "Alice")
        app = ApplicationBuilder().token(emu.token).base_url(emu.base_url)
              .base_file_url(emu.base_file_url).build()
        ...
        mark = emu.observer.mark(42)
        await emu.people.send_text(42, "/start")
        [reply] = await emu.observer.wait_for_messages(42, after=mark)

The emulator is assembled from collaborators, each with its own module: `ApiServer`
(`server.py`, the HTTP face every call goes through), `BotApiMethods` (`methods.py` and
`api/`, the methods), `UpdateQueue` (`update_queue.py`), `FloodControl` (`flood.py`),
`Faults` (`faults.py`, interceptors and scripted refusals), `Cast` (`cast.py`, people and
groups), `People` (`people.py`, what people do) and `Observer` (`observer.py`, what the bot
did, and waits on it). `BotApiEmulator` wires them; callers use the collaborator that does
the work (`emu.cast.add_user`, `emu.people.send_text`, `emu.observer.messages`).

Where it knowingly differs from Telegram: Markdown and MarkdownV2 texts are accepted but not
parsed; a bare `&` in HTML text is refused (Telegram keeps it); the bot sees every message
of a group it is in (as an administrator does, which it is unless a test says otherwise);
restricted members are not modelled; methods it does not model answer `true`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.sandbox.cast import Cast
from bot.sandbox.faults import DOWNLOAD, ApiReply, ApiRequest, Faults, Interceptor
from bot.sandbox.flood import FloodControl
from bot.sandbox.methods import BotApiMethods
from bot.sandbox.observer import EmulatorTimeout, Observer
from bot.sandbox.people import People
from bot.sandbox.records import Call
from bot.sandbox.server import ApiServer
from bot.sandbox.spec import ApiSpec, default_spec_path, load_spec
from bot.sandbox.state import World
from bot.sandbox.update_queue import UpdateQueue
from bot.sandbox.wire import HttpServer

__all__ = [
    "DOWNLOAD",
    "ApiReply",
    "ApiRequest",
    "BotApiEmulator",
    "EmulatorTimeout",
    "Interceptor",
]

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")


class BotApiEmulator:
    """A fake Telegram Bot API server on 127.0.0.1, checked against the Bot API spec.

    Collaborators: `faults`, `cast`, `people`, `updates`, `observer` (the tests' API), and
    `world`, `flood`, `methods`, `server` (the state and the HTTP face behind them).
    """

    def __init__(
        self,
        spec_path: str | Path | None = None,
        token: str = "123456:TEST-token",
        bot_username: str = "rencontre_test_bot",
        flood_control: bool = True,
        *,
        bot_first_name: str = "Rencontre",
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
    ) -> None:
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError(f"not a bot token: {token!r} (expected '<digits>:<letters>')")
        self.token = token
        self.bot_id = int(match.group(1))
        self.bot_username = bot_username
        self.spec: ApiSpec = load_spec(Path(spec_path) if spec_path else default_spec_path())
        bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.world = World(bot_user, now)
        self.flood = FloodControl(monotonic, enabled=flood_control)
        self.methods = BotApiMethods(self.world, self.spec, self.flood)
        self.faults = Faults()
        self.observer = Observer(self.world)
        self.updates = UpdateQueue(self.world, self.spec)
        self.cast = Cast(self.world, self.updates, self.bot_id)
        self.people = People(self.world, self.cast, self.updates)
        self.server = ApiServer(
            token, self.world, self.spec, self.methods, self.faults, self.observer
        )
        self._host = host
        self._http = HttpServer(self.server.answer, host)
        self._started = False

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        if self._started:
            raise RuntimeError("the emulator is already started")
        self.world.closing = False
        await self._http.start(0)
        self._started = True
        logger.info("Bot API emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        """End long polls, close every connection and stop listening."""
        if not self._started:
            return
        self.world.closing = True
        self.world.changes.notify()
        await self._http.stop()
        self._started = False

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """Return the port it listens on."""
        if not self._started:
            raise RuntimeError("the emulator is not started")
        return self._http.port

    @property
    def base_url(self) -> str:
        """Return the URL to give ApplicationBuilder().base_url() (the token is appended)."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the URL to give ApplicationBuilder().base_file_url()."""
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def flood_control(self) -> bool:
        """Say whether flood control refuses messages over Telegram's limits."""
        return self.flood.enabled

    @flood_control.setter
    def flood_control(self, enabled: bool) -> None:
        self.flood.enabled = enabled

    @property
    def calls(self) -> list[Call]:
        """List every call the bot made, oldest first."""
        return self.observer.calls

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """Map each answered callback query id to its answer (text, show_alert, url...)."""
        return self.observer.callback_answers

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """List the updates the bot has not confirmed yet."""
        return self.observer.pending_updates
