"""Outbox storage that only the end-to-end tests reached: the board's message, the notes on sent
reminders, and a clean stop's settling, checked on a real database (QUALITY.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage import outbox as repo
from storage.db import Database
from storage.outbox import UNCERTAIN_AT_STOP, Entry

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)
START = "2026-08-24T09:00:00+00:00"


def digest(key: str, chat: int, due: datetime = NOW, **kw: Any) -> Entry:
    """A message whose parameters fit its kind (the outbox refuses others)."""
    return Entry(key, "digest", chat, due, {"date": "2026-08-24"}, **kw)


def notice(key: str, chat: int, due: datetime = NOW, **kw: Any) -> Entry:
    return Entry(key, "notice", chat, due, {"html": "Le car part à 9 h"}, **kw)


def rota_reminder(key: str, chat: int, due: datetime = NOW, **kw: Any) -> Entry:
    params = {"target_kind": "rota", "target_id": "r1", "start": START}
    return Entry(key, "reminder", chat, due, params, **kw)


async def test_the_board_message_is_remembered_per_group_and_replaced(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            assert await repo.board_message(conn, -100) is None
            await repo.set_board_message(conn, -100, 7)
            await repo.set_board_message(conn, -200, 9)
            await repo.set_board_message(conn, -100, 8)
            assert await repo.board_message(conn, -100) == 8
            assert await repo.board_message(conn, -200) == 9
            assert await repo.board_message(conn, -300) is None
    finally:
        await db.close()


DIGEST_W = {"date": "2026-08-24", "target_kind": "workshop", "target_id": "w"}


def reminder(key: str, kind: str, target: str) -> Entry:
    return Entry(
        key, "reminder", 10, NOW, {"target_kind": kind, "target_id": target, "start": START}
    )


async def test_notes_go_on_the_sent_reminders_of_that_workshop_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            await repo.add(
                conn,
                [
                    reminder("sent-w", "workshop", "w"),
                    reminder("sent-cancel", "workshop", "c"),
                    reminder("pending-w", "workshop", "w"),
                    reminder("rota-w", "rota", "w"),
                    reminder("sent-other", "workshop", "x"),
                    Entry("digest-w", "digest", 10, NOW, DIGEST_W),
                ],
                NOW,
            )
            by_key = {row.key: row.id for row in await repo.rows(conn)}
            for key in ("sent-w", "sent-cancel", "rota-w", "sent-other", "digest-w"):
                await repo.set_status(conn, by_key[key], "sent", now=NOW, message_id=1)
            await repo.retarget_sent_reminders(conn, "w", "2026-08-24T11:00", "Salle B")
            await repo.cancelled_sent_reminders(conn, "c")
            params = {row.key: row.params for row in await repo.rows(conn)}
    finally:
        await db.close()
    base = {"target_kind": "workshop", "start": START}
    assert params["sent-w"] == base | {
        "target_id": "w",
        "start": "2026-08-24T11:00",
        "room": "Salle B",
    }
    assert params["sent-cancel"] == base | {"target_id": "c", "cancelled": True}
    assert params["pending-w"] == base | {"target_id": "w"}
    assert params["rota-w"] == {"target_kind": "rota", "target_id": "w", "start": START}
    assert params["sent-other"] == base | {"target_id": "x"}
    assert params["digest-w"] == DIGEST_W


async def test_a_clean_stop_settles_only_what_is_still_being_sent(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            await repo.add(conn, [digest(f"m{n}", 10 + n) for n in range(4)], NOW)
            ids = {row.key: row.id for row in await repo.rows(conn)}
            for key in ("m0", "m1", "m2", "m3"):
                assert await repo.claim(conn, ids[key])
            await repo.set_status(conn, ids["m2"], "sent", now=NOW, message_id=5)
            await repo.set_status(conn, ids["m3"], "failed", now=NOW, error="boom")
            await repo.settle_at_stop(conn, held=[ids["m0"], ids["m2"]], cut=[ids["m1"], ids["m3"]])
            rows = {row.key: row for row in await repo.rows(conn)}
            async with conn.execute("SELECT key, last_error FROM outbox") as cursor:
                errors = {row["key"]: row["last_error"] async for row in cursor}
    finally:
        await db.close()
    assert {k: (r.status, r.attempts) for k, r in rows.items()} == {
        "m0": ("pending", 0),
        "m1": ("uncertain", 1),
        "m2": ("sent", 1),
        "m3": ("failed", 1),
    }
    assert errors == {"m0": None, "m1": UNCERTAIN_AT_STOP, "m2": None, "m3": "boom"}


# Two values of one field of a reminder's parameters: the first plan, then the second
V1 = {"target_kind": "rota", "target_id": "r1", "start": START}
V2 = V1 | {"start": "2026-08-24T11:00:00+00:00"}


async def test_planning_queues_updates_the_unsent_and_leaves_the_sent(tmp_path: Path) -> None:
    later = NOW.replace(hour=9)
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            await repo.plan(
                conn,
                [
                    Entry("p", "reminder", 10, NOW, V1),
                    Entry("c", "reminder", 11, NOW, V1),
                    Entry("s", "reminder", 12, NOW, V1),
                ],
                NOW,
            )
            ids = {row.key: row.id for row in await repo.rows(conn)}
            await repo.cancel(conn, ["c"])
            await repo.set_status(conn, ids["s"], "sent", now=NOW, message_id=3)
            await repo.plan(
                conn,
                [
                    Entry(k, "reminder", 20, later, V2, expires_at=later, urgent=True)
                    for k in ("p", "c", "s")
                ],
                NOW,
            )
            rows = {row.key: row for row in await repo.rows(conn)}
    finally:
        await db.close()
    for key in ("p", "c"):
        row = rows[key]
        assert (row.status, row.chat_id, row.params, row.due_at, row.expires_at, row.urgent) == (
            "pending",
            20,
            V2,
            later,
            later,
            True,
        )
    sent = rows["s"]
    assert (sent.status, sent.chat_id, sent.params, sent.due_at, sent.urgent) == (
        "sent",
        12,
        V1,
        NOW,
        False,
    )


async def test_cancel_expiry_and_counts_touch_only_pending_messages(tmp_path: Path) -> None:
    soon, late = NOW.replace(hour=8), NOW.replace(hour=10)
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            await repo.add(
                conn,
                [
                    digest("a", 1, expires_at=soon, batch="b"),
                    digest("b", 2, expires_at=late, batch="b"),
                    rota_reminder("c", 3, batch="b"),
                    digest("d", 4, expires_at=soon, batch="other"),
                    digest("e", 5),
                    # expired but not due: the outbox drops it when it is due
                    digest("f", 6, due=late, expires_at=soon),
                ],
                NOW,
            )
            ids = {row.key: row.id for row in await repo.rows(conn)}
            await repo.set_status(conn, ids["d"], "sent", now=NOW, message_id=1)
            assert await repo.pending_keys(conn, ["digest"]) == {"a", "b", "e", "f"}
            assert await repo.pending_keys(conn, ["digest", "reminder"], [2, 3, 4]) == {"b", "c"}
            assert await repo.pending_keys(conn, ["reminder"], []) == set()
            await repo.cancel(conn, ["e", "d"])
            assert await repo.drop_expired(conn, soon) == ["a"]  # d was sent: left alone
            assert await repo.drop_expired(conn, soon) == []
            counts = await repo.batch_counts(conn, "b")
            rows = {row.key: row.status for row in await repo.rows(conn)}
            async with conn.execute("SELECT key, last_error FROM outbox") as cursor:
                errors = {row["key"]: row["last_error"] async for row in cursor}
    finally:
        await db.close()
    assert rows == {
        "a": "dropped",
        "b": "pending",
        "c": "pending",
        "d": "sent",
        "e": "cancelled",
        "f": "pending",
    }
    assert counts == {"dropped": 1, "pending": 2}
    assert errors["a"] == "stale"


async def test_rows_filter_by_kind_status_and_batch_and_the_next_due_time(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    retry = NOW.replace(hour=12)
    try:
        async with db.transaction() as conn:
            assert await repo.next_due(conn) is None
            await repo.add(
                conn,
                [
                    digest("a", 1, NOW.replace(hour=9), batch="b"),
                    rota_reminder("b", 2, NOW.replace(hour=8), batch="b"),
                    digest("c", 3, NOW.replace(hour=10)),
                    notice("d", 4, NOW.replace(hour=11), batch="b"),
                ],
                NOW,
            )
            ids = {row.key: row.id for row in await repo.rows(conn)}
            await repo.set_status(conn, ids["b"], "sent", now=NOW, message_id=1)
            await repo.set_status(conn, ids["a"], "pending", now=NOW, due_at=retry)

            def keys(rows: list[repo.Row]) -> list[str]:
                return [row.key for row in rows]

            assert keys(await repo.rows(conn)) == ["b", "c", "d", "a"]
            assert keys(await repo.rows(conn, kinds=["digest", "notice"])) == ["c", "d", "a"]
            assert keys(await repo.rows(conn, statuses=["sent", "failed"])) == ["b"]
            assert keys(await repo.rows(conn, batch="b")) == ["b", "d", "a"]
            both = await repo.rows(conn, kinds=["digest"], statuses=["pending"], batch="b")
            assert keys(both) == ["a"]
            assert both[0].due_at == retry
            assert await repo.next_due(conn) == NOW.replace(hour=10)
            assert keys(await repo.rows(conn, chat_ids=[3, 1])) == ["c", "a"]
            assert keys(await repo.rows(conn, chat_ids=[4], kinds=["notice"])) == ["d"]
            assert await repo.rows(conn, chat_ids=[]) == []
            assert await repo.chats(conn, ["digest", "notice"], ["pending", "failed"]) == {1, 3, 4}
            assert await repo.chats(conn, ["reminder", "digest"], ["sent", "failed"]) == {2}
            assert await repo.chats(conn, ["notice"], ["sent"]) == set()
    finally:
        await db.close()


async def test_add_counts_the_new_keys_and_rows_read_back_every_field(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            first = [notice("u", 5, urgent=True, batch="b")]
            first.append(digest("n", 6))
            assert await repo.add(conn, first, NOW) == 2
            again = [rota_reminder("u", 9), digest("m", 7)]
            assert await repo.add(conn, again, NOW) == 1
            ids = {row.key: row.id for row in await repo.rows(conn)}
            await repo.set_status(conn, ids["u"], "sent", now=NOW, message_id=42)
            row = {r.key: r for r in await repo.rows(conn)}["u"]
            assert (row.kind, row.chat_id, row.batch, row.message_id, row.sent_at) == (
                "notice",
                5,
                "b",
                42,
                NOW,
            )
            await repo.add(conn, [notice("v", 8, urgent=True)], NOW)
            assert [r.key for r in await repo.due(conn, NOW, 1, to_groups=False)] == ["v"]
    finally:
        await db.close()
