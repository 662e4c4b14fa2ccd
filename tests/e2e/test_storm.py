"""300 people press "sign up" on a 20-place workshop at the same moment (concurrent updates)."""

from __future__ import annotations

import re

from bot.domain.booking import TargetKind, ref
from bot.sandbox.harness import Harness
from storage import bookings as bookings_repo
from tests.conftest import ALICE, GROUP

PROGRAMME = """
[[workshop]]
id = "populaire"
title = "Initiation à la joute nautique"
start = 2026-08-24T17:00:00
end = 2026-08-24T18:30:00
room = "Ponton"
capacity = 20
"""
PEOPLE = 300
FIRST = 50_000


async def test_300_simultaneous_presses_on_20_places(bot: Harness) -> None:
    await bot.services.programme.import_bytes(PROGRAMME.encode(), "storm.toml")
    (message,) = await bot.say(ALICE, "/workshop populaire", chat_id=GROUP)
    button = f"b:ws:{ref('populaire')}"
    assert (message.buttons[0][1]) == button
    users = list(range(FIRST, FIRST + PEOPLE))
    for user in users:
        bot.emu.cast.add_user(user, f"Personne {user - FIRST:03d}", language_code="fr")
        bot.emu.cast.join_group(GROUP, user)

    # Every press is queued before the bot can fetch any: they arrive together
    queries = [
        await bot.emu.people.press_button(u, message.message_id, button, chat_id=GROUP)
        for u in users
    ]
    answers = [await bot.emu.observer.wait_for_callback_answer(q, timeout=60) for q in queries]
    await bot.settle(60)

    answered = [
        c.params["callback_query_id"] for c in bot.emu.observer.calls_to("answerCallbackQuery")
    ]
    assert sorted(answered) == sorted(queries), "every press answered exactly once"

    target = await bot.services.bookings.target(TargetKind.WORKSHOP, ref("populaire"))
    async with bot.db.read() as conn:
        standing = await bookings_repo.standing(conn, target)
    assert len(standing.ins) == 20
    assert len(standing.waiting) == 280
    # first come, first served: the places and the queue follow the order of the presses
    assert list(standing.ins) == users[:20]
    assert list(standing.waiting) == users[20:]

    # and what each person was told agrees with the database
    for user, answer in zip(users, answers, strict=True):
        text = answer["text"]
        if user in standing.ins:
            assert text == (
                "✅ C'est fait\u202f: vous êtes inscrit·e à "
                "«\u202fInitiation à la joute nautique\u202f»."
            ), text
        else:
            position = int(re.search(r"n°(\d+)", text).group(1))  # type: ignore[union-attr]
            assert position == standing.position(user)
