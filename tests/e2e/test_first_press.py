"""Issue 12: someone whose first word to the bot is a booking press is registered as anyone
else is: through PeopleService, in the booking's own transaction, and PersonRegistered is
published (so the roles and the plans hear of them)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import FrozenClock
from bot.domain.booking import Outcome, TargetKind, ref
from bot.domain.models import Participant
from bot.events import PersonRegistered
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from tests.conftest import GROUP, ORGANISER, PARIS, STRANGER

PROGRAMME = """
[[workshop]]
id = "a"
title = "Atelier A"
start = 2026-08-24T10:00:00
end = 2026-08-24T11:00:00
room = "Cour"
capacity = 2
"""
START = datetime(2026, 8, 24, 8, 0, tzinfo=PARIS)
SAM = Participant(STRANGER, "Sam", username="sam_s")


async def test_a_first_press_registers_the_person_and_says_so_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        seen: list[PersonRegistered] = []

        async def registered(event: PersonRegistered) -> None:
            seen.append(event)

        bot.services.events.subscribe(PersonRegistered, registered)
        bookings = bot.services.bookings
        move = await bookings.sign_up(STRANGER, TargetKind.WORKSHOP, ref("a"), person=SAM)
        await bookings.drain()
        assert move.outcome is Outcome.SIGNED_UP
        assert seen == [PersonRegistered(STRANGER, True)]
        person = await bot.services.people.get(STRANGER)
        assert person is not None and person.username == "sam_s"
        async with (
            bot.db.read() as conn,  # no private message until they send /start
            conn.execute("SELECT unreachable FROM participant WHERE user_id = ?", (STRANGER,)) as c,
        ):
            assert tuple(await c.fetchone() or ()) == (1,)
        # Known now: another press registers nothing again
        await bookings.cancel(STRANGER, TargetKind.WORKSHOP, ref("a"))
        await bookings.sign_up(STRANGER, TargetKind.WORKSHOP, ref("a"), person=SAM)
        await bookings.drain()
        assert seen == [PersonRegistered(STRANGER, True)]
