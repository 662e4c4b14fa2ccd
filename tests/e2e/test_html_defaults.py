"""Issue 12: HTML and no link previews are set once (PTB Defaults), yet every message has them.

Replies, button edits, the group board and a person's reminder (the outbox's transport) all go
out as sendMessage/editMessageText with parse_mode HTML and link previews off.
"""

from __future__ import annotations

from pathlib import Path

from bot.clock import FrozenClock
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, GROUP
from tests.e2e.test_announcements import (
    PROGRAMME,
    START,
    at,
    move_to,
    registered,
    sign_up,
    week_config,
)


async def test_every_text_goes_out_as_html_without_preview(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = week_config(emu, tmp_path, programme)
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        await registered(bot, ALICE)
        await sign_up(bot, ALICE, "c")  # a reply, then an edit of its message
        await move_to(bot, at(24, 9, 45))  # the group's board
        await move_to(bot, at(24, 14, 15))  # Alice's reminder, through the outbox
    calls = [c for c in emu.calls if c.method in ("sendMessage", "editMessageText") and c.ok]
    assert {c.method for c in calls} == {"sendMessage", "editMessageText"}
    assert {c.params["chat_id"] for c in calls} >= {ALICE, GROUP}
    reminders = [
        c for c in calls if c.params["chat_id"] == ALICE and "Atelier C" in c.params["text"]
    ]
    assert len(reminders) >= 2  # the sign-up's answer and the reminder
    for call in calls:
        assert call.params.get("parse_mode") == "HTML", call
        assert call.params.get("link_preview_options") == {"is_disabled": True}, call
