"""Issue 12: every kind of message the bot sends on its own is one enum member with one model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.domain import messages
from bot.domain.booking import TargetKind
from bot.domain.messages import MessageKind, UnknownMessage
from storage import outbox as repo
from storage.db import Database
from storage.outbox import Entry, _values

Queue = Callable[[aiosqlite.Connection, Iterable[Entry], datetime], Awaitable[object]]

# Parameters as rows already in a database hold them (JSON written before the models existed)
STORED: dict[MessageKind, dict[str, Any]] = {
    MessageKind.ANNOUNCE: {"start": "2026-08-24T08:00:00+00:00", "items": ["a", "b"]},
    MessageKind.BOARD: {"at": "2026-08-24T08:00:00+00:00"},
    MessageKind.REMINDER: {
        "target_kind": "rota",
        "target_id": "r1",
        "start": "2026-08-24T12:00:00+00:00",
        "room": None,
    },
    MessageKind.DIGEST: {"date": "2026-08-24"},
    MessageKind.CORRECTION: {"target_id": "a", "cancelled": True, "title": "Atelier A"},
    MessageKind.CHANGE: {
        "item_id": "a",
        "kind": "room",
        "value": "Plage",
        "before": {"title": "A", "room": "Pins"},
        "after": {"room": "Plage"},
        "seat": "waiting",
        "position": 2,
    },
    MessageKind.PROMOTED: {"target_kind": "workshop", "target_id": "a"},
    MessageKind.BROADCAST: {"html": "Bonjour &amp; bienvenue"},
    MessageKind.NOTICE: {"html": "Le car part à 9 h"},
    MessageKind.REPORT: {"html": "<b>Envoyé</b>"},
    MessageKind.GROUP_SETUP: {
        "chat_id": -100,
        "title": "Bigre",
        "was": "left",
        "status": "member",
        "lacks": ["pin"],
        "moved_from": None,
    },
    # Questions to the organisers (/ask)
    MessageKind.QUESTION: {"question_id": 1},
    MessageKind.QUESTION_ANSWER: {"question_id": 1},
    # Issue 14, part 1: sessions proposed in chat
    MessageKind.PROPOSAL: {"proposal_id": 7, "what": "clash", "clash": "Pique-nique"},
    # Favourites and feedback (issue 14)
    MessageKind.FEEDBACK: {"items": ["a", "b"]},
    MessageKind.FEEDBACK_SUMMARY: {"item_id": "a"},
}


def test_every_kind_has_a_model_and_stored_rows_parse_into_it() -> None:
    assert set(messages.MODELS) == set(MessageKind) == set(STORED)
    for kind, params in STORED.items():
        parsed = messages.parse(kind.value, params)
        assert isinstance(parsed, messages.MODELS[kind])
    reminder = messages.parse("reminder", STORED[MessageKind.REMINDER])
    assert isinstance(reminder, messages.Reminder)
    assert reminder.target_kind is TargetKind.ROTA
    assert reminder.start == datetime.fromisoformat("2026-08-24T12:00:00+00:00")


def test_an_unknown_kind_or_parameters_that_do_not_fit_are_refused() -> None:
    with pytest.raises(UnknownMessage):
        messages.parse("postcard", {})
    with pytest.raises(UnknownMessage):
        messages.parse("reminder", {"target_id": "a"})
    # The outbox refuses to queue a kind it does not know
    now = datetime.fromisoformat("2026-08-24T08:00:00+00:00")
    with pytest.raises(UnknownMessage):
        _values(Entry("k", "postcard", 1, now, {}), now)
    digest = {"date": "2026-08-24"}
    assert _values(Entry("k", MessageKind.DIGEST, 1, now, digest), now)[1] == "digest"


@pytest.mark.parametrize(
    "params",
    [
        {},  # a digest says which day
        {"date": "le 24"},  # not a date
        {"day": "2026-08-24"},  # a key the model does not have, and not the one it needs
    ],
)
@pytest.mark.parametrize("queue", [repo.add, repo.plan])
async def test_a_known_kind_whose_parameters_do_not_fit_is_refused_and_nothing_is_stored(
    tmp_path: Path, params: dict[str, Any], queue: Queue
) -> None:
    now = datetime.fromisoformat("2026-08-24T08:00:00+00:00")
    good = Entry("good", MessageKind.DIGEST, 1, now, {"date": "2026-08-24"})
    bad = Entry("bad", MessageKind.DIGEST, 2, now, params)
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        with pytest.raises(UnknownMessage, match="parameters of a digest message"):
            async with db.transaction() as conn:
                await queue(conn, [good, bad], now)
        async with db.read() as conn:
            assert await repo.rows(conn) == []
        # The same good row alone is queued: only the parameters were refused
        async with db.transaction() as conn:
            await queue(conn, [good], now)
        async with db.read() as conn:
            assert [row.key for row in await repo.rows(conn)] == ["good"]
    finally:
        await db.close()
