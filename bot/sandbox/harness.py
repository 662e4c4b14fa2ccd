"""The real Application, wired by build_application, running against the emulator.

Used by the end-to-end tests, the demo and the benchmarks: one way to start the bot locally.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import build_application, start_polling, stop_polling
from bot.clock import Clock
from bot.config import Config, parse_config
from bot.context import RencontreApp, Services
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.records import SentMessage
from storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROGRAMME = ROOT / "examples" / "bigre-2026.toml"


def local_config(
    emu: BotApiEmulator,
    database: Path,
    *,
    programme: Path | None = SAMPLE_PROGRAMME,
    event: Mapping[str, Any] | None = None,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> Config:
    """Build a config that points the bot at the emulator."""
    data: dict[str, Any] = {
        "telegram": {
            "token": emu.token,
            "api_base_url": emu.base_url,
            "api_file_url": emu.base_file_url,
        },
        "event": {"name": "La Bigre Rencontre 2026", **(event or {})},
        "storage": {"database": str(database)},
    }
    if programme is not None:
        data["event"]["programme"] = str(programme)
    for table, values in (extra or {}).items():
        data.setdefault(table, {}).update(values)
    return parse_config(data, "<local>", ROOT, environ={})


class Harness:
    """A running bot and its emulator, with the moves a person makes."""

    def __init__(self, emu: BotApiEmulator, app: RencontreApp, clock: Clock, db: Database) -> None:
        self.emu = emu
        self.app = app
        self.clock = clock
        self.db = db
        # Updates an earlier bot already took are not this one's to wait for
        self._processed = emu.world.next_update_id - 1 - len(emu.pending_updates)
        self._changed = asyncio.Condition()
        original = app.process_update

        async def counted(update: object) -> None:
            try:
                await original(update)
            finally:
                async with self._changed:
                    self._processed += 1
                    self._changed.notify_all()

        app.process_update = counted  # type: ignore[method-assign]

    @property
    def services(self) -> Services:
        """Give the bot's services."""
        return self.app.bot_data.services

    @classmethod
    @asynccontextmanager
    async def running(
        cls, emu: BotApiEmulator, config: Config, clock: Clock
    ) -> AsyncIterator[Harness]:
        """Start the bot with long polling against `emu`; stop it cleanly afterwards."""
        db = await Database.open(config.storage.database)
        try:
            app = build_application(config, clock, db)
            harness = cls(emu, app, clock, db)
            async with app:
                poller = await start_polling(app)
                try:
                    yield harness
                finally:
                    await stop_polling(app, poller)
        finally:
            await db.close()

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has handled every update pushed so far."""
        pushed = self.emu.world.next_update_id - 1
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self._processed >= pushed)

    async def say(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Send a text as a person and return the bot's `count` replies in that chat."""
        chat = user_id if chat_id is None else chat_id
        mark = self.emu.observer.mark(chat)
        await self.emu.people.send_text(user_id, text, chat_id=chat_id)
        replies = await self.emu.observer.wait_for_messages(chat, count, timeout, after=mark)
        await self.settle(timeout)
        extra = self.emu.observer.messages(chat)[mark + count :]
        assert not extra, f"more replies than expected: {[m.plain_text for m in extra]}"
        return replies

    async def press(
        self,
        user_id: int,
        message: SentMessage,
        data: str,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Press a button of a bot message; return the callback answer once handled."""
        chat_id = message.chat_id if message.chat_id != user_id else None
        query_id = await self.emu.people.press_button(
            user_id, message.message_id, data, chat_id=chat_id
        )
        answer = await self.emu.observer.wait_for_callback_answer(query_id, timeout)
        await self.settle(timeout)
        return answer

    async def silent(self, user_id: int, text: str, *, chat_id: int) -> None:
        """Send a text and check that the bot answers nothing in that chat."""
        mark = self.emu.observer.mark(chat_id)
        await self.emu.people.send_text(user_id, text, chat_id=chat_id)
        await self.settle()
        said = self.emu.observer.messages(chat_id)[mark:]
        assert not said, f"the bot answered: {[m.plain_text for m in said]}"


async def forge_press(
    emu: BotApiEmulator, user_id: int, message: SentMessage, data: str
) -> dict[str, Any]:
    """Send a button press with data the message never offered (as a forger would)."""
    chat_id = message.chat_id if message.chat_id != user_id else None
    query_id = await emu.people.press_button(
        user_id, message.message_id, data, chat_id=chat_id, forge=True
    )
    return await emu.observer.wait_for_callback_answer(query_id)
