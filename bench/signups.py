"""Issue 4: 300 people pressing "sign up" at the same moment, next to an echo bot.

    .venv/bin/python -m bench.signups

(a) 300 people press the sign-up button of one 20-place workshop, on one group message; three
rounds, one workshop each (on different days, so nobody's sign-ups clash). (b) 300 people each
press the button of a random item of a 200-item programme (every item takes sign-ups), on that
item's card they asked for in private; the clock stands before the week. Every press is queued
before the bot can fetch any. The baseline is the echo bot answering as many presses, on a group
message for (a) and on one private message each for (b).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from datetime import timedelta

from bench.common import (
    GROUP,
    Burst,
    Press,
    Rig,
    Spread,
    ask_together,
    at,
    echo_bot,
    header,
    ms,
    post_button,
    press_together,
    print_table,
    ratio,
    real_bot,
    rig,
)
from bench.questions import ROOMS, TOPICS
from bot.clock import FrozenClock
from bot.domain.booking import Standing, TargetKind, ref
from bot.sandbox.harness import Harness

POSTER = 20_000
PEOPLE = list(range(20_001, 20_301))
PLACES = 20
ROUNDS = 3
ITEMS = 200
BEFORE_THE_WEEK = at(20, 12)
SEED = 2026


def one_workshop_per_round() -> bytes:
    """Write a programme of ROUNDS 20-place workshops, one a day at 17:00."""
    parts = []
    for n in range(ROUNDS):
        parts.append(
            f"""[[workshop]]
id = "populaire-{n}"
title = "Initiation à la joute nautique ({n + 1})"
start = 2026-08-{24 + n}T17:00:00
end = 2026-08-{24 + n}T18:30:00
room = "Ponton"
capacity = {PLACES}
"""
        )
    return "\n".join(parts).encode()


def many_workshops(seed: int = SEED) -> tuple[bytes, list[str]]:
    """Write a programme of ITEMS workshops over six days, each with a capacity; give the ids."""
    rng = random.Random(seed)
    parts = []
    ids = []
    for n in range(ITEMS):
        day = 24 + n % 6
        start = at(day, 8) + timedelta(minutes=15 * rng.randrange(0, 56))
        end = start + timedelta(minutes=rng.choice((30, 45, 60, 90, 120)))
        item = f"w{n:03d}"
        ids.append(item)
        parts.append(
            f"""[[workshop]]
id = "{item}"
title = "Atelier {n + 1} : {rng.choice(TOPICS)}"
start = {start:%Y-%m-%dT%H:%M:%S}
end = {end:%Y-%m-%dT%H:%M:%S}
room = "{ROOMS[n % len(ROOMS)]}"
capacity = {rng.choice((1, 2, 3, 5, 8, 12, 20))}
"""
        )
    return "\n".join(parts).encode(), ids


def sign_up_data(message_buttons: Sequence[tuple[str, str | None]]) -> str:
    """Find the sign-up button of a bot message."""
    for _, data in message_buttons:
        if data is not None and data.startswith("b:ws:"):
            return data
    raise AssertionError(f"no sign-up button among {message_buttons}")


def answered_once(target: Rig, queries: Sequence[str]) -> bool:
    """Check that every press got exactly one answer."""
    answered = [
        c.params["callback_query_id"]
        for c in target.emu.observer.calls_to("answerCallbackQuery")
        if c.ok
    ]
    return sorted(answered) == sorted(queries)


async def standings(bot: Harness, ids: Sequence[str]) -> list[Standing]:
    """Read who is in and who waits for each of these workshops."""
    targets = [await bot.services.bookings.target(TargetKind.WORKSHOP, ref(i)) for i in ids]
    found = await bot.services.bookings.standings(targets)
    return [found[(t.kind, t.id)] for t in targets]


def row(name: str, echo: Burst, bot: Burst) -> list[str]:
    """Give a table row: presses/s and p99, echo next to bot."""
    e, b = Spread.of(echo.latencies), Spread.of(bot.latencies)
    return [
        name,
        f"{echo.rate:.0f}/s",
        f"{bot.rate:.0f}/s",
        f"{bot.rate / echo.rate:.2f}",
        ms(e.p99),
        ms(b.p99),
        ratio(b.p99, e.p99),
        ms(b.p50),
    ]


HEADERS = [
    "run",
    "echo presses/s",
    "bot presses/s",
    "ratio",
    "echo p99",
    "bot p99",
    "ratio",
    "bot p50",
]


async def one_item() -> None:
    """(a) 300 presses on one 20-place workshop, ROUNDS times: the echo bot's, then the bot's.

    Not in turn: the real bot goes on working after a round (messages to the people who just
    registered), which would weigh on the echo bot's next round.
    """
    print(
        f"(a) {len(PEOPLE)} people press 'sign up' on one {PLACES}-place workshop (group message)"
    )
    async with rig([POSTER, *PEOPLE], group=GROUP) as echo, echo_bot(echo.emu) as app:
        echoed = []
        queries_all: list[str] = []
        for n in range(ROUNDS):
            message_id = await post_button(app, GROUP, f"b:ws:{n}")
            presses = [Press(u, message_id, f"b:ws:{n}", GROUP) for u in PEOPLE]
            burst, queries = await press_together(echo, presses)
            queries_all += queries
            assert answered_once(echo, queries_all)
            echoed.append(burst)
    rows = []
    clock = FrozenClock(at(24, 8, 30))
    async with (
        rig([POSTER, *PEOPLE], group=GROUP) as real,
        real_bot(real.emu, clock, one_workshop_per_round()) as bot,
    ):
        queries_all = []
        for n in range(ROUNDS):
            (message,) = await bot.say(POSTER, f"/workshop populaire-{n}", chat_id=GROUP)
            data = sign_up_data(message.buttons)
            presses = [Press(u, message.message_id, data, GROUP) for u in PEOPLE]
            burst, queries = await press_together(real, presses)
            queries_all += queries
            settled = time.perf_counter()
            await bot.settle(60)
            settled = time.perf_counter() - settled
            (standing,) = await standings(bot, [f"populaire-{n}"])
            fair = (
                list(standing.ins) == PEOPLE[:PLACES] and list(standing.waiting) == PEOPLE[PLACES:]
            )
            print(
                f"  round {n + 1}: {len(standing.ins)} in (of {PLACES}), "
                f"{len(standing.waiting)} waiting; first come first served: {fair}; "
                f"answers: {len(burst.latencies)}, each exactly once: "
                f"{answered_once(real, queries_all)}; other work done {settled:.2f} s later"
            )
            rows.append(row(f"round {n + 1}", echoed[n], burst))
        print(f"  the bot's {real.summary()}")
    print()
    print_table(HEADERS, rows)


async def many_items() -> None:
    """(b) 300 people each signing up for a random item of a 200-item programme."""
    programme, ids = many_workshops()
    rng = random.Random(SEED)
    chosen = {user: rng.choice(ids) for user in PEOPLE}
    print(
        f"(b) {len(PEOPLE)} people each press 'sign up' on a random one of {ITEMS} workshops "
        f"({len(set(chosen.values()))} distinct), on its card in their private chat"
    )
    async with rig(PEOPLE) as echo, echo_bot(echo.emu) as app:
        for user in PEOPLE:
            await echo.emu.people.send_text(user, "/start")  # may write to them now
        await asyncio.gather(*(echo.emu.observer.wait_for_messages(u, 1, 30) for u in PEOPLE))
        cards = await asyncio.gather(
            *(post_button(app, user, f"b:ws:{chosen[user]}") for user in PEOPLE)
        )
        presses = [Press(u, m, f"b:ws:{chosen[u]}") for u, m in zip(PEOPLE, cards, strict=True)]
        echoed, queries = await press_together(echo, presses)
        assert answered_once(echo, queries)
    clock = FrozenClock(BEFORE_THE_WEEK)
    async with rig(PEOPLE) as real, real_bot(real.emu, clock, programme) as bot:
        prepared = time.perf_counter()
        await ask_together(real, [(user, f"/workshop {chosen[user]}") for user in PEOPLE])
        prepared = time.perf_counter() - prepared
        presses = []
        for user in PEOPLE:
            card = real.emu.observer.messages(user)[-1]
            presses.append(Press(user, card.message_id, sign_up_data(card.buttons)))
        burst, queries = await press_together(real, presses)
        settled = time.perf_counter()
        await bot.settle(120)
        settled = time.perf_counter() - settled
        found = await standings(bot, ids)
        over = [s.target.id for s in found if len(s.ins) > s.target.places]
        booked = sum(len(s.ins) + len(s.waiting) for s in found)
        waiting = sum(len(s.waiting) for s in found)
        edits = sum(
            len(real.emu.observer.calls_to(m))
            for m in ("editMessageText", "editMessageReplyMarkup")
        )
        print(
            f"  (setup: {len(PEOPLE)} cards asked for in private in {prepared:.1f} s)\n"
            f"  items over capacity: {len(over)}; bookings: {booked} ({waiting} waiting); "
            f"answers: {len(burst.latencies)}, each exactly once: {answered_once(real, queries)}\n"
            f"  the bot then edited {edits} card(s): all its work done {settled:.2f} s "
            "after the last answer\n"
            f"  the bot's {real.summary()}"
        )
    print()
    print_table(HEADERS, [row("random items", echoed, burst)])


async def main() -> None:
    """Measure, print, compare."""
    header("bench.signups: simultaneous sign-up presses")
    began = time.perf_counter()
    await one_item()
    await many_items()
    print(
        "presses/s = presses / (first press -> last answer); p50/p99: press -> its "
        "answerCallbackQuery reaching the emulator"
    )
    print(f"whole run: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
