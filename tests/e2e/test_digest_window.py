"""Morning digests spread over a window, so that no reply waits behind 300 of them."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.domain import planning
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from tests.conftest import GROUP, ORGANISER, PARIS
from tests.e2e.test_announcements import PROGRAMME, START, at, move_to, registered

PEOPLE = range(5000, 5060)
WINDOW = 20


async def test_digests_spread_over_the_window_each_person_at_the_same_moment(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    for user in PEOPLE:
        emu.cast.add_user(user, f"P{user}", language_code="fr")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"digest_window_minutes": WINDOW, "board": False}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        await registered(bot, *PEOPLE)
        marks = {user: bot.emu.observer.mark(user) for user in PEOPLE}
        arrived: dict[int, int] = {}
        for minute in range(-1, WINDOW + 2):
            await move_to(bot, at(24, 8) + timedelta(minutes=minute))
            for user in PEOPLE:
                got = [
                    m for m in bot.emu.observer.messages(user)[marks[user] :] if "☀️" in m.plain_text
                ]
                assert len(got) <= 1, "one digest each"
                if got and user not in arrived:
                    arrived[user] = minute
        rules = bot.services.announcements.rules
        # The second morning: each person's digest is due at the same time of day
        second = {u: planning.digest_due(at(25, 8).date(), u, rules, PARIS) for u in PEOPLE}

    assert sorted(arrived) == list(PEOPLE), "everyone got the digest"
    assert min(arrived.values()) >= 0, "none before digest_at"
    assert max(arrived.values()) <= WINDOW, "none later than the window"
    per_minute = Counter(arrived.values())
    assert len(per_minute) >= WINDOW // 2, f"spread, not a burst: {sorted(per_minute.items())}"
    assert max(per_minute.values()) <= len(PEOPLE) // 4, sorted(per_minute.items())
    for user, minute in arrived.items():
        due = planning.digest_due(at(24, 8).date(), user, rules, PARIS)
        # It goes at the first move of the clock at or after its due moment
        assert math.ceil((due - at(24, 8)).total_seconds() / 60) == minute
        assert (second[user] - due) == timedelta(days=1)
