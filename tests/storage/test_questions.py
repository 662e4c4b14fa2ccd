"""Questions to the organisers (/ask): the repository finds a copy only in its own chat, and
records one answer per question."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.messages import MessageKind
from storage import outbox as outbox_repo
from storage import questions as repo
from storage.db import Database
from storage.outbox import Entry

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)
ORIANE, ODILE, ALICE = 9001, 9002, 1001


async def test_a_copy_is_found_in_its_own_chat_only_and_answered_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as conn:
            question = await repo.add(
                conn,
                user_id=ALICE,
                first_name="Alice",
                last_name=None,
                username=None,
                text="Où dort-on ?",
                request="u1",
                now=NOW,
            )
            assert question == 1
            again = await repo.add(
                conn,
                user_id=ALICE,
                first_name="Alice",
                last_name=None,
                username=None,
                text="Où dort-on ?",
                request="u1",
                now=NOW,
            )
            assert again is None  # the same request: nothing more stored
            keys = [(chat, f"question:1:to:{chat}") for chat in (ORIANE, ODILE)]
            await repo.add_relays(conn, 1, keys)
            entries = [
                Entry(key, MessageKind.QUESTION, chat, NOW, {"question_id": 1})
                for chat, key in keys
            ]
            await outbox_repo.add(conn, entries, NOW)
            rows = await outbox_repo.rows(conn, kinds=["question"])
            oriane = next(r for r in rows if r.chat_id == ORIANE)
            # Oriane's copy went out as her chat's message 7; Odile's is not sent yet
            await outbox_repo.set_status(conn, oriane.id, "sent", now=NOW, message_id=7)
        async with db.read() as conn:
            assert await repo.relayed_as(conn, ORIANE, 7) == 1
            assert await repo.relayed_as(conn, ODILE, 7) is None  # message 7 of another chat
            assert await repo.relayed_as(conn, ORIANE, 8) is None
            relays = await repo.relays(conn, 1)
        assert [(r.chat_id, r.message_id) for r in relays] == [(ORIANE, 7), (ODILE, None)]
        async with db.transaction() as conn:
            first = await repo.answer(conn, 1, by_user=ODILE, by_name="Odile", text="Ici", now=NOW)
            second = await repo.answer(
                conn, 1, by_user=ORIANE, by_name="Oriane", text="Là", now=NOW
            )
            unknown = await repo.answer(conn, 2, by_user=ODILE, by_name="Odile", text="?", now=NOW)
            stored = await repo.get(conn, 1)
        assert (first, second, unknown) == (True, False, False)
        assert stored is not None and stored.answered
        assert (stored.answer, stored.answered_by, stored.answered_by_name) == (
            "Ici",
            ODILE,
            "Odile",
        )
    finally:
        await db.close()
