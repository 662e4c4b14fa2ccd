"""Issue 7, bad input: whatever arrives, the bot answers within Telegram's limits or keeps quiet.

Hypothesis draws sessions (a few updates each): texts of every kind, commands with odd
arguments, button data of every shape, and updates the bot never answers. One running bot
takes every example of a property (a fresh bot per example would take minutes), so the state
grows as a real week's would; after each example the bot must not have crashed (no ERROR log,
no error report, no "oops", no traceback shown), every refused call must be one that is not
the bot's fault, every button press must be answered, and the bookings must still add up.

Derandomized and without an example database: the same examples on every run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.ratelimit import SlidingWindowRateLimiter
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from handlers.errors import Reporter
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, STRANGER
from tests.security.support import (
    broken_invariants,
    crash_signs,
    errors_logged,
    sent_texts,
    unexpected_refusals,
)

PROGRAMME = """
[[room]]
name = "Salle des Pins"
description = "rez-de-chaussée <bât. A> & jardin"

[[workshop]]
id = "a"
title = "Atelier A"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Salle des Pins"
capacity = 1

[[workshop]]
id = "b"
title = "Atelier <b>B</b> & co"
start = 2026-08-24T10:30:00
end = 2026-08-24T11:30:00
room = "Chapiteau"
capacity = 2

[[workshop]]
id = "c"
title = "Atelier C"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Plage"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]
capacity = 2

[[workshop]]
id = "d"
title = "Plénière"
kind = "plenary"
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00
room = "Chapiteau"

[[workshop]]
id = "e"
title = "Déjeuner"
kind = "meal"
start = 2026-08-24T12:30:00
end = 2026-08-24T13:30:00

[[workshop]]
id = "f"
title = "Atelier F du mardi"
start = 2026-08-25T10:00:00
end = 2026-08-25T12:00:00
capacity = 1

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-24T14:00:00
end = 2026-08-24T14:30:00
places = 1

[[rota]]
id = "r2"
area = "Salle commune"
start = 2026-08-24T14:15:00
end = 2026-08-24T14:45:00
places = 1
"""
ITEMS = ("a", "b", "c", "d", "e", "f", "r1", "r2", "nope")
EXTRA_EN, GROUP_ONLY = 1004, 1005  # an English speaker; a group member who never wrote to the bot
GHOST, LOST_GROUP, CHANNEL = 424_242, -1_009_876_543, -1_002_000_000_001
PEOPLE = (ALICE, BOB, MATHILDE, ORGANISER, STRANGER, EXTRA_EN, GROUP_ONLY)
MEMBERS = (ALICE, BOB, MATHILDE, ORGANISER, EXTRA_EN, GROUP_ONLY)
BOT_NAME = "rencontre_test_bot"

# Every command, French aliases included (handlers/__init__.py), and a few the bot does not know
COMMANDS = (
    *("start", "help", "aide", "lang", "langue", "next", "suite", "ensuite", "now"),
    *("maintenant", "today", "aujourdhui", "tomorrow", "demain", "day", "jour", "room"),
    *("salle", "search", "cherche", "chercher", "workshop", "atelier", "mine", "moi"),
    *("monprogramme", "participants", "inscrits", "rota", "rangement", "settings"),
    *("reglages", "invites", "invitations", "facilitator", "animateur", "change", "changer"),
    *("log", "journal", "broadcast", "diffuser", "notice", "annonce", "notices", "annonces"),
    *("unknown", "DAY", "Today", "start@" + BOT_NAME, "day@" + BOT_NAME, "next@other_bot"),
)
TRICKY = (
    "\u200f\u202eتحية\u202c",  # right-to-left marks and an override
    "\u200d\u200c\u2060\ufeff",  # zero-width joiners, word joiner, BOM
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "e\u0301\u0301\u0301",
    "<b>gras</b>",
    "</i>",
    '<a href="javascript:alert(1)">lien</a>',
    "&amp;",
    "&",
    "<",
    "&lt;script&gt;",
    "\"'`",
    "\u2028\u2029",
    "%s %d {0} {text} {title}",
    "'; DROP TABLE booking; --",
    "c'est quoi la suite ?",
    "où est l'atelier A",
    "quand est l'atelier <b>B</b>",
    "what's next",
    "aide",
    "merci",
    "bonjour",
    "atelier",
    "@" + BOT_NAME,
)
JUNK_ARGS = (
    *("31/02", "29/02/2026", "99/99", "0/0", "2026-13-45", "lundi", "mardi prochain", "-1"),
    *("9" * 40, "A", "Atelier A", "atelier <b>", "r1", ref("a"), ref("r1"), "gaps"),
    *("fairness", "équité", "add @mathilde_g a", "remove 1001 Atelier A", "add 1e400 a"),
    *("add 99999999999999999999999 a", "fr", "EN", "de", "xyz", "../../etc/passwd"),
    *("%00", "\u200f", "Chapiteau", "Plage", "plage & <co>", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
)
PREFIXES = (
    *("b:ws:", "b:wc:", "b:wx:", "b:rs:", "b:rc:", "b:rx:", "b:ro:", "b:rt:", "b:keep"),
    *("b:", "ch:i:", "ch:k:", "ch:t:", "ch:r:", "ch:s:", "ch:l:", "ch:ok", "ch:no", "ch:"),
    *("set:digest:", "set:reminders:", "set:", "org:", "lang:", "pg:d:", "pg:s:", "pg:r:"),
    *("pg:", "w:", "bc:a:", "bc:o:", "bc:i:", "bc:ok:", "bc:sure:", "bc:no:", "noop"),
)
REFS = tuple(ref(i) for i in ITEMS)
WELL_FORMED = (
    *(f"b:{op}:{r}" for op in ("ws", "wc", "wx", "rs", "rc", "rx", "ro") for r in REFS),
    *(f"{p}:{r}" for p in ("w", "ch:i", "ch:t") for r in REFS),
    *(f"ch:k:{r}:{k}" for r in REFS for k in ("room", "shift", "late", "cap", "cancel", "note")),
    *(f"ch:{op}:{r}:{n}" for op in "rsl" for r in REFS[:3] for n in ("0", "15", "-30", "99")),
    *("b:rt:1", "b:rt:2", "b:rt:0", "b:rt:99999999999999999999", "b:keep", "ch:ok", "ch:no"),
    *("set:digest:0", "set:digest:1", "set:reminders:0", "set:reminders:1", "noop"),
    *("org:0", "org:2", "org:3", "org:-", "org:-1", "lang:fr", "lang:en", "lang:de"),
    *("pg:d:0:20260824", "pg:d:1:20260825", "pg:d:999:20260824", "pg:d:0:20260230"),
    *("pg:s:1:atelier", "pg:s:0:", "pg:s:999:<b>", "pg:r:0:Plage"),
    *("bc:a:000000:all", "bc:ok:abcdef", "bc:sure:abcdef", "bc:no:abcdef", "bc:o:abcdef:0"),
)


def _fit(data: str) -> str:
    """Cut callback data to Telegram's 64 bytes (never empty)."""
    return data.encode()[:64].decode(errors="ignore") or "x"


@dataclass(frozen=True)
class Say:
    """A person sends a text, in private or in the group."""

    user: int
    text: str
    in_group: bool


@dataclass(frozen=True)
class Edit:
    """A person edits the last text they sent the bot in private."""

    user: int
    text: str


@dataclass(frozen=True)
class Press:
    """A person presses a button of the bot's last message: forged data, or the k-th button."""

    user: int
    in_group: bool
    data: str | None
    index: int = 0


@dataclass(frozen=True)
class Raw:
    """An update the bot never answers, or can only answer into the void."""

    kind: str
    user: int
    text: str


texts = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(TRICKY) | st.text(max_size=8), min_size=1, max_size=8).map("".join),
    st.builds(
        lambda piece, n: (piece * n)[:4000],
        st.sampled_from(("a", "é", "<", "&", "👩‍👩‍👧", "\u200f", "où est ")),
        st.integers(300, 4000),
    ),
).filter(lambda t: t.strip() != "")
arguments = st.one_of(st.sampled_from(JUNK_ARGS), texts, st.just(""))
commands = st.builds(
    lambda name, sep, arg: f"/{name}{sep}{arg}"[:4000],
    st.sampled_from(COMMANDS),
    st.sampled_from((" ", "", "  ", "\n", "@" + BOT_NAME + " ", "\t")),
    arguments,
)
button_data = st.one_of(
    st.text(min_size=1, max_size=64).map(_fit),
    st.builds(lambda p, j: _fit(p + j), st.sampled_from(PREFIXES), st.text(max_size=40)),
    st.builds(lambda p, j: _fit(p + j), st.sampled_from(PREFIXES), st.sampled_from(REFS)),
    st.sampled_from(WELL_FORMED),
)
says = st.builds(Say, st.sampled_from(PEOPLE), texts | commands, st.booleans())
group_says = st.builds(
    Say,
    st.sampled_from(MEMBERS),
    st.builds(lambda t: f"@{BOT_NAME} {t}", texts) | commands,
    st.just(True),
)
edits = st.builds(Edit, st.sampled_from(PEOPLE), texts | commands)
forged = st.builds(Press, st.sampled_from(PEOPLE), st.booleans(), button_data)
offered = st.builds(Press, st.sampled_from(PEOPLE), st.booleans(), st.none(), st.integers(0, 9))
RAW_KINDS = (
    "channel_post",
    "edited_channel_post",
    "no_from",
    "anonymous_admin",
    "other_bot",
    "ghost",
    "lost_group",
    "old_button",
    "reply_to_bot",
    "inline_query",
    "location",
    "document",
    "blocked_and_back",
    "blocked_right_after",
    "left_group",
)
raws = st.builds(
    Raw, st.sampled_from(RAW_KINDS), st.sampled_from(MEMBERS), texts | commands | button_data
)

# Change steps refused after the item was checked: a zero shift, an unknown kind, a room gone
CHANGE_REFUSALS = (("s", "0"), ("l", "0"), ("k", "xyz"), ("r", "99"))
# Buttons pressed on a message Telegram no longer gives the bot (InaccessibleMessage)
OLD_BUTTONS = (
    *("pg:d:0:20260824", "pg:s:0:atelier", "lang:en", "set:digest:0", "org:1", "b:keep"),
    *(f"b:ws:{ref('b')}", f"b:ro:{ref('r1')}", f"w:{ref('a')}", f"ch:i:{ref('c')}", "ch:no"),
)


def fuzz(examples: int) -> Callable[[Any], Any]:
    """Run a property on `examples` sessions, the same ones every time."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        # Examples share one bot, so a failure depends on what came before: shrinking would
        # take minutes and end in a flaky report; the failing session is printed as it was
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


@pytest.fixture
async def bot(
    emu: BotApiEmulator, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    # Hundreds of answers a minute in one group: the bot's own throttle (20 a minute per
    # group, as Telegram's) would make each example wait; it has its own tests
    unthrottled = partial(SlidingWindowRateLimiter, overall_per_second=1000, group_per_minute=1000)
    monkeypatch.setattr("bot.app.SlidingWindowRateLimiter", unthrottled)
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    # The organisers hear of at most one error a minute: a fresh count, so none is held back
    monkeypatch.setattr("handlers.errors._reporter", Reporter())
    # Flood control is tested on its own (tests/e2e/test_storm.py); here it would only slow
    # every example down to Telegram's pace
    emu.flood_control = False
    emu.cast.add_user(EXTRA_EN, "Eve", language_code="en")
    emu.cast.add_user(GROUP_ONLY, "Gus", language_code=None)
    emu.cast.join_group(GROUP, EXTRA_EN)
    emu.cast.join_group(GROUP, GROUP_ONLY)
    config = local_config(
        emu,
        tmp_path / "fuzz.sqlite3",
        programme=programme,
        event={
            "organisers": [ORGANISER],
            "organisations": ["Oxalis", "Coopaname", "Smart"],
            "announce_chat_id": GROUP,
        },
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, clock) as harness:
        for user in (ALICE, BOB, MATHILDE, ORGANISER, EXTRA_EN):
            await emu.people.send_text(user, "/start")
        await emu.people.send_text(STRANGER, "/help")  # a message to press buttons on, no /start
        await emu.people.send_text(ALICE, "/today", chat_id=GROUP)
        await harness.settle()
        yield harness


def _last_message(bot: Harness, chat: int) -> Any:
    live = [m for m in bot.emu.observer.messages(chat) if not m.deleted]
    return live[-1] if live else None


def _raw_update(bot: Harness, raw: Raw) -> dict[str, Any] | None:
    """Build an odd update, or None when it is made another way (or cannot be made now)."""
    world = bot.emu.world
    now = world.timestamp()
    user = world.users[raw.user].user
    group = world.chat(GROUP)
    channel = {"id": CHANNEL, "type": "channel", "title": "Canal <b>officiel</b>"}
    text = raw.text
    if raw.kind in ("channel_post", "edited_channel_post"):
        post = {"message_id": 1, "chat": channel, "date": now, "text": text}
        if raw.kind == "edited_channel_post":
            post["edit_date"] = now
        return {raw.kind: post}
    if raw.kind == "no_from":
        return {"message": {"message_id": 9_000, "chat": group, "date": now, "text": text}}
    if raw.kind == "anonymous_admin":
        anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
        message = {"message_id": 9_001, "from": anonymous, "sender_chat": group}
        return {"message": {**message, "chat": group, "date": now, "text": text}}
    if raw.kind == "other_bot":
        other = {"id": 5_555_555, "is_bot": True, "first_name": "Autre bot"}
        return {"message": {"message_id": 9_002, "from": other, "chat": group, "date": now}}
    if raw.kind == "ghost":
        ghost = {"id": GHOST, "is_bot": False, "first_name": "<Fantôme> & co"}
        chat = {"id": GHOST, "type": "private", "first_name": ghost["first_name"]}
        return {
            "message": {"message_id": 1, "from": ghost, "chat": chat, "date": now, "text": text}
        }
    if raw.kind == "lost_group":
        lost = {"id": LOST_GROUP, "type": "supergroup", "title": "Un groupe quitté"}
        message = {"message_id": 1, "from": user, "chat": lost, "date": now}
        return {"message": {**message, "text": f"@{BOT_NAME} {text}"}}
    if raw.kind == "old_button":
        # A button on a message too old (or deleted) for Telegram to send it: inaccessible
        query_id = world.next_query_id()
        query = {
            "id": query_id,
            "from": user,
            "message": {"chat": world.chat(raw.user), "message_id": 1, "date": 0},
            "chat_instance": "42",
            "data": _fit(text),
        }
        world.open_queries[query_id] = query
        return {"callback_query": query}
    if raw.kind == "reply_to_bot":
        last = _last_message(bot, GROUP)
        if last is None:
            return None
        message = {"message_id": world.next_message_id(GROUP), "from": user, "chat": group}
        reply = world.sent_dict(last, nested=False)
        return {"message": {**message, "date": now, "text": text, "reply_to_message": reply}}
    if raw.kind == "inline_query":
        return {"inline_query": {"id": "77", "from": user, "query": text[:256], "offset": ""}}
    if raw.kind == "location":
        location = {"latitude": 43.4, "longitude": 3.7}
        place = world.chat(raw.user)
        return {
            "message": {"message_id": 9_003, "from": user, "chat": place, "date": now, **location}
        }
    if raw.kind == "left_group":
        bot_user = world.sender()
        change = {"chat": group, "from": user, "date": now}
        old = {"status": "member", "user": bot_user}
        new = {"status": "left", "user": bot_user}
        return {"my_chat_member": {**change, "old_chat_member": old, "new_chat_member": new}}
    return None


async def perform(bot: Harness, action: Say | Edit | Press | Raw, pressed: list[str]) -> None:
    """Do one thing as a person (or as Telegram) and let the bot handle it."""
    emu = bot.emu
    if isinstance(action, Say):
        if action.in_group and action.user in MEMBERS:
            await emu.people.send_text(action.user, action.text, chat_id=GROUP)
        else:
            await emu.people.send_text(action.user, action.text)
    elif isinstance(action, Edit):
        mine = [
            message_id
            for (chat, message_id), m in emu.world.incoming.items()
            if chat == action.user and m["from"]["id"] == action.user and "text" in m
        ]
        if not mine:
            return
        await emu.people.edit_text(action.user, mine[-1], action.text)
    elif isinstance(action, Press):
        in_group = action.in_group and action.user in MEMBERS
        message = _last_message(bot, GROUP if in_group else action.user)
        if message is None:
            return
        data = action.data
        if data is None:
            offered = [d for _, d in message.buttons if d is not None]
            if not offered:
                return
            data = offered[action.index % len(offered)]
        chat_id = GROUP if in_group else None
        pressed.append(
            await emu.people.press_button(
                action.user, message.message_id, data, chat_id=chat_id, forge=True
            )
        )
    elif action.kind == "document":
        name = "programme.toml" if action.user == ORGANISER else "photo <1>.toml"
        await emu.people.send_document(action.user, name, action.text.encode())
    elif action.kind == "blocked_and_back":
        emu.cast.block(action.user)
        emu.cast.unblock(action.user)
    elif action.kind == "blocked_right_after":
        # Writes, then blocks the bot before it answers: the answer is refused (403)
        await emu.people.send_text(action.user, action.text)
        emu.cast.block(action.user)
        await bot.settle()
        emu.cast.unblock(action.user)
    else:
        update = _raw_update(bot, action)
        if update is None:
            return
        if update.get("callback_query"):
            pressed.append(update["callback_query"]["id"])
        emu.updates.push_update(update)
    await bot.settle()


async def check_session(bot: Harness, caplog: pytest.LogCaptureFixture, actions: list[Any]) -> None:
    """Play a session, then check that nothing broke."""
    calls, logged = len(bot.emu.calls), len(caplog.records)
    pressed: list[str] = []
    for action in actions:
        await perform(bot, action, pressed)
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    await bot.settle()
    unanswered = [q for q in pressed if q not in bot.emu.callback_answers]
    assert not unanswered, f"button presses left unanswered: {unanswered}"
    assert not errors_logged(caplog.records[logged:]), errors_logged(caplog.records[logged:])
    assert not crash_signs(sent_texts(bot.emu)), crash_signs(sent_texts(bot.emu))
    refused = unexpected_refusals(bot.emu.calls[calls:])
    assert not refused, f"calls Telegram would refuse: {refused}"
    broken = await broken_invariants(bot)
    assert not broken, broken


@pytest.fixture(autouse=True)
def _errors_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)


@fuzz(150)
@given(actions=st.lists(says | group_says | edits, min_size=1, max_size=4))
async def test_texts_of_every_kind(
    bot: Harness, caplog: pytest.LogCaptureFixture, actions: list[Any]
) -> None:
    await check_session(bot, caplog, actions)


@fuzz(150)
@example([Say(ALICE, text, False) for text in ("/day <b", "/room <i>&", "/lang <x", "/day &")])
@given(
    actions=st.lists(
        st.builds(Say, st.sampled_from(PEOPLE), commands, st.booleans()), min_size=1, max_size=4
    )
)
async def test_commands_with_odd_arguments(
    bot: Harness, caplog: pytest.LogCaptureFixture, actions: list[Any]
) -> None:
    await check_session(bot, caplog, actions)


@fuzz(150)
@example([Press(ORGANISER, False, f"ch:{op}:{ref('c')}:{arg}") for op, arg in CHANGE_REFUSALS])
@given(actions=st.lists(forged | offered, min_size=1, max_size=6))
async def test_button_data_of_every_shape(
    bot: Harness, caplog: pytest.LogCaptureFixture, actions: list[Any]
) -> None:
    await check_session(bot, caplog, actions)


@fuzz(100)
@example([Raw("old_button", ALICE, data) for data in OLD_BUTTONS])
@example([Raw("ghost", ALICE, "/start"), Raw("lost_group", ALICE, "/today")])
@example([Raw("blocked_right_after", BOB, "/today"), Raw("reply_to_bot", BOB, "<b>")])
@given(actions=st.lists(raws, min_size=1, max_size=4))
async def test_updates_the_bot_does_not_expect(
    bot: Harness, caplog: pytest.LogCaptureFixture, actions: list[Any]
) -> None:
    await check_session(bot, caplog, actions)


@fuzz(100)
@given(actions=st.lists(says | group_says | offered | offered | forged | edits | raws, max_size=8))
async def test_a_week_of_everything_at_once(
    bot: Harness, caplog: pytest.LogCaptureFixture, actions: list[Any]
) -> None:
    await check_session(bot, caplog, actions)


async def test_a_refused_call_is_not_repeated(bot: Harness) -> None:
    """A 400 is Telegram saying no to this request: sending it again gets the same no."""
    update = _raw_update(bot, Raw("ghost", ALICE, "/start"))
    assert update is not None
    bot.emu.updates.push_update(update)
    await bot.settle()
    tries = [
        c for c in bot.emu.observer.calls_to("sendMessage") if int(c.params["chat_id"]) == GHOST
    ]
    # python-telegram-bot's BadRequest is a NetworkError: a retry on network errors must
    # leave it out, or each 400 costs two more calls and 1.3 s
    assert [c.status for c in tries] == [400], f"the refused answer was sent {len(tries)} times"
