"""Issue 15: how long the web server takes to serve the hall's screen and a personal calendar.

    .venv/bin/python -m bench.web

The real bot (build_application, its web server on 127.0.0.1) on the 1,000-item synthetic
programme of bench/questions.py, 300 people with 6 bookings each, and one person with 20
items (sign-ups and a session they run). Each page is asked N times, one request after the
other over one kept-alive connection, in blocks that alternate with the baseline: a static file
of the same size served by the same server (its /static route, Starlette's StaticFiles), so
that a pause of the machine lands on both.
"""

from __future__ import annotations

import asyncio
import random
import socket
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import Spread, at, header, ms, print_table, ratio
from bench.questions import REGISTERED, book_the_week, synthetic_programme
from bot.clock import FrozenClock
from bot.domain.booking import Status
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from storage import bookings as bookings_repo
from storage import participants as participants_repo

N = 300
BLOCK = 25
PERSON = 20_000
ITEMS = 20
NOW = at(26, 10, 50)  # Wednesday morning, mid-week
STATIC = Path(__file__).resolve().parents[1] / "bot" / "web" / "static"


def free_port() -> int:
    """Give a port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def twenty_items(bot: Harness) -> None:
    """Register PERSON with ITEMS sign-ups, written straight into the database."""
    programme = await bot.services.programme.current()
    targets = [
        t
        for w in programme.workshops
        if (t := bot.services.bookings.workshop_target(w)) is not None
    ]
    now = bot.clock.now()
    async with bot.db.transaction() as conn:
        await participants_repo.upsert(
            conn,
            user_id=PERSON,
            first_name="Personne mesurée",
            last_name=None,
            username=None,
            language="fr",
            now=now,
        )
        for target in random.Random(15).sample(targets, ITEMS):
            await bookings_repo.add(conn, target, PERSON, Status.IN, now)


async def timed(client: httpx.AsyncClient, path: str, size: int | None) -> float:
    """Ask for a page once; give how long the whole answer took."""
    start = time.perf_counter()
    answer = await client.get(path)
    elapsed = time.perf_counter() - start
    if answer.status_code != 200 or (size is not None and len(answer.content) != size):
        raise AssertionError(f"{path}: {answer.status_code}, {len(answer.content)} bytes")
    return elapsed


async def compare(
    client: httpx.AsyncClient, path: str, static: str, size: int
) -> tuple[Spread, Spread]:
    """Ask for a page and its same-size static file N times each, in alternating blocks."""
    page: list[float] = []
    baseline: list[float] = []
    for _ in range(N // BLOCK):
        for _ in range(BLOCK):
            baseline.append(await timed(client, static, size))
        for _ in range(BLOCK):
            page.append(await timed(client, path, None))
    return Spread.of(page), Spread.of(baseline)


async def main() -> None:
    """Run the bot with its web server on the big programme; print the figures."""
    header(__doc__.strip().splitlines()[0])
    emu = BotApiEmulator()
    await emu.start()
    emu.cast.add_user(PERSON, "Personne", language_code="fr")
    written: list[Path] = []
    try:
        with tempfile.TemporaryDirectory(prefix="rencontre-bench-") as tmp:
            config = local_config(
                emu,
                Path(tmp) / "bench.sqlite3",
                programme=None,
                extra={
                    "announcements": {"enabled": False},
                    "web": {"listen": f"127.0.0.1:{free_port()}"},
                },
            )
            async with Harness.running(emu, config, FrozenClock(NOW)) as bot:
                await bot.services.programme.import_bytes(synthetic_programme(), "bench.toml")
                bookings = await book_the_week(bot)
                await twenty_items(bot)
                token = await bot.services.calendar.token(PERSON)
                events = await bot.services.calendar.person(PERSON, None)
                print(
                    f"programme: {len((await bot.services.programme.current()).workshops)} items;"
                    f" {len(REGISTERED)} people, {bookings} bookings; the person measured has"
                    f" {len(events)} items in their calendar; N={N} requests a page, one at a"
                    f" time, in blocks of {BLOCK} alternating with the baseline"
                )
                print()
                base = config.web.base_url
                assert base is not None
                async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                    rows = []
                    pages: list[tuple[str, str]] = [
                        ("/screen", "/screen"),
                        ("/calendar/<token>.ics", f"/calendar/{token}.ics"),
                        ("/programme (a day)", "/programme?day=2026-08-26"),
                        ("/programme.ics (the week)", "/programme.ics"),
                    ]
                    for name, path in pages:
                        body = (await client.get(path)).content  # warm, and its size
                        suffix = ".ics" if path.endswith(".ics") else ".html"
                        static_file = STATIC / f"bench-{len(written)}{suffix}"
                        static_file.write_bytes(body)
                        written.append(static_file)
                        b, e = await compare(client, path, f"/static/{static_file.name}", len(body))
                        rows.append(
                            [
                                name,
                                f"{len(body):,}",
                                ms(e.p50),
                                ms(b.p50),
                                ratio(b.p50, e.p50),
                                ms(e.p99),
                                ms(b.p99),
                                ratio(b.p99, e.p99),
                            ]
                        )
                    print_table(
                        [
                            "page",
                            "bytes",
                            "static p50",
                            "page p50",
                            "ratio",
                            "static p99",
                            "page p99",
                            "ratio",
                        ],
                        rows,
                    )
    finally:
        for made in written:
            made.unlink(missing_ok=True)
        await emu.stop()


if __name__ == "__main__":
    asyncio.run(main())
