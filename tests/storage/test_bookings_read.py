"""A list's places and a person's stars are read in one statement, as the two reads give them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.domain.booking import Status, Target, TargetKind
from storage import bookings as repo
from storage import favourites as favourites_repo
from storage import participants as participants_repo
from storage.db import Database

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)
ALICE, BOB, CLEO = 1001, 1002, 1003


async def register(conn: aiosqlite.Connection, *users: int) -> None:
    for user in users:
        await participants_repo.upsert(
            conn,
            user_id=user,
            first_name="P",
            last_name=None,
            username=None,
            language="fr",
            now=NOW,
        )


def target(n: int, places: int) -> Target:
    start = NOW + timedelta(hours=n)
    return Target(TargetKind.WORKSHOP, f"w{n}", f"Atelier {n}", start, start, places)


async def test_places_and_stars_read_at_once_are_what_the_two_reads_give(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        small, big, empty = target(1, 1), target(2, 20), target(3, 5)
        async with db.transaction() as conn:
            await register(conn, ALICE, BOB, CLEO)
            # the waiting list's order is the order of arrival, not of ids
            await repo.add(conn, small, CLEO, Status.IN, NOW)
            await repo.add(conn, small, BOB, Status.WAITING, NOW)
            await repo.add(conn, small, ALICE, Status.WAITING, NOW)
            await repo.add(conn, big, ALICE, Status.IN, NOW)
            for item in ("w2", "w9"):  # w9: starred, takes no sign-ups
                await favourites_repo.add(conn, ALICE, item, NOW)
            await favourites_repo.add(conn, BOB, "w3", NOW)
        async with db.read() as conn:
            for user in (ALICE, BOB, CLEO):
                found, starred = await repo.standings_and_starred(conn, [small, big, empty], user)
                assert found == await repo.standings(conn, [small, big, empty])
                assert starred == await favourites_repo.of_user(conn, user)
            found, _ = await repo.standings_and_starred(conn, [small], ALICE)
            assert found[(TargetKind.WORKSHOP, "w1")].waiting == (BOB, ALICE)
            assert found[(TargetKind.WORKSHOP, "w1")].ins == (CLEO,)
            assert await repo.standings_and_starred(conn, [], ALICE) == ({}, {"w2", "w9"})
    finally:
        await db.close()


async def test_a_list_read_on_the_event_loop_is_what_the_threads_read(tmp_path: Path) -> None:
    """A list read on the loop (read_now) is what the threads read, in one statement up to
    CHUNK workshops, in more beyond."""
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        targets = [target(n, 1) for n in range(repo.CHUNK + 1)]
        async with db.transaction() as conn:
            await register(conn, ALICE, BOB)
            for t in (targets[0], targets[-2]):
                await repo.add(conn, t, BOB, Status.IN, NOW)
                await repo.add(conn, t, ALICE, Status.WAITING, NOW)
            await favourites_repo.add(conn, ALICE, targets[3].id, NOW)
        some, rota = targets[: repo.CHUNK], Target(TargetKind.ROTA, "r1", "Rangement", NOW, NOW, 2)
        assert repo.one_statement(some) and repo.one_statement([])
        assert not repo.one_statement(targets) and not repo.one_statement([rota])
        async with db.read() as conn:
            expected = await repo.standings_and_starred(conn, some, ALICE)
            everything = await repo.standings_and_starred(conn, targets, ALICE)
        async with db.read_now() as now:
            assert await repo.standings_and_starred(now, some, ALICE) == expected
            assert await repo.standings_and_starred(now, targets, ALICE) == everything
        found, starred = expected
        assert found[(TargetKind.WORKSHOP, targets[-2].id)].waiting == (ALICE,)
        assert starred == {targets[3].id}
    finally:
        await db.close()
