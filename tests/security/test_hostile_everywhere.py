"""Issue 17, part 1's proof: hostile names and titles go through the bot's messages literally.

A programme whose titles, rooms, room notes, facilitators, rota areas and organisations are
hostile (HTML tags, entities, a lone `<`, quotes, emoji, right-to-left marks, 200 characters),
and people whose names are too. The bot is driven through the emulator: every command of the
command table in French and in English, a notice, a broadcast (preview, progress, report),
the rota swap, the announcements, reminders and board of the outbox. Every call must be
accepted by the emulator, and every hostile string must show literally somewhere.

Covered (printed by the test): every outbox kind (a new kind fails it), and the catalogue keys
the Translator was asked for. Not driven yet: the demo's printing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.commands import COMMANDS
from bot.domain.booking import TargetKind, ref
from bot.domain.messages import MessageKind
from bot.i18n import LOCALES_DIR, Translator, load_catalogue
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.sandbox.records import SentMessage
from handlers.errors import Reporter
from tests.conftest import GROUP, ORGANISER, PARIS
from tests.security.support import crash_signs, sent_texts, unexpected_refusals

RTL = "\u202eevil\u202c \u200fשלום"
LONG = "Long<b>&" + "x" * 192  # 200 characters
TITLE = 'Atelier <b>gras</b> & "q" \'s </i> &amp; <3 🎉'
TITLE2 = f"Rêve {RTL} <script>alert(1)</script>"
ROOM = 'Salle <a href="https://evil.example">x</a>'
ROOM_NOTE = "sous-sol </b> & <i>"
NEW_TITLE = "Nouveau <i>& </b> 🚀 <"
NOTE2 = "Changement <i>&amp; </b> 🎈 <"
NOTE = "Apportez <script>&amp; un « chapeau » <"
FACILITATOR = "Zoé </i><b>Bold & Co"
AREA = 'Vaisselle <b>&</b> "rinçage" 🍽'
ORGANISATION = "Coop <b>&</b> Co 🌱"
NOTICE = "Le <b>bus</b> & </i> part <"
BROADCAST = 'Bonjour <a href="https://evil.example">x</a> & à tous <'
HOSTILE_NAME, HOSTILE_LAST, HOSTILE_USER = "<script>&", '</i>O\'Brien "Bob"', "evil_b"
NASTY, ENGLISH_ORG = 1666, 9002
GROUP_TITLE = "Groupe <b>& </i> 🎉"
NEW_GROUP = -1009876543
FIRST_DAY = datetime(2026, 8, 24, 8, 0, tzinfo=PARIS)


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


PROGRAMME = f"""
[[room]]
name = {_toml(ROOM)}
description = {_toml(ROOM_NOTE)}

[[workshop]]
id = "h1"
title = {_toml(TITLE)}
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = {_toml(ROOM)}
description = {_toml(NOTE)}
facilitators = [{_toml(FACILITATOR)}]
capacity = 5

[[workshop]]
id = "h2"
title = {_toml(TITLE2)}
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00
room = {_toml(LONG)}
capacity = 5

[[workshop]]
id = "h3"
title = {_toml(LONG)}
start = 2026-08-24T17:00:00
end = 2026-08-24T18:00:00
room = {_toml(ROOM)}
capacity = 1

[[rota]]
id = "hr1"
area = {_toml(AREA)}
start = 2026-08-24T13:00:00
end = 2026-08-24T13:30:00
places = 2
"""


@pytest.fixture
async def hostile_bot(
    emu: BotApiEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Harness, set[tuple[str, str]]]]:
    used: set[tuple[str, str]] = set()
    call, plain = Translator.__call__, Translator.plain

    def counted_call(self: Translator, lang: str, key: str, /, **params: Any) -> Any:
        used.add((lang, key))
        return call(self, lang, key, **params)

    def counted_plain(self: Translator, lang: str, key: str, /, **params: Any) -> str:
        used.add((lang, key))
        return plain(self, lang, key, **params)

    monkeypatch.setattr(Translator, "__call__", counted_call)
    monkeypatch.setattr(Translator, "plain", counted_plain)
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    emu.add_user(
        NASTY, HOSTILE_NAME, last_name=HOSTILE_LAST, username=HOSTILE_USER, language_code="fr"
    )
    emu.add_user(ENGLISH_ORG, RTL, last_name=LONG, language_code="en")
    emu.join_group(GROUP, NASTY)
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={
            "organisers": [ORGANISER, ENGLISH_ORG],
            "organisations": [ORGANISATION, "Smart"],
            "announce_chat_id": GROUP,
        },
        extra={"announcements": {"digest_at": "09:00", "quiet_hours": None}},
    )
    async with Harness.running(emu, config, FrozenClock(FIRST_DAY)) as bot:
        bot.services.broadcasts.progress_every = 0.05
        yield bot, used


async def _say(bot: Harness, user: int, text: str) -> None:
    await bot.emu.send_text(user, text)
    await bot.settle()


async def _quiet(bot: Harness) -> None:
    await bot.settle()
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    await bot.settle()


def _with_button(messages: list[SentMessage], data: str) -> list[SentMessage]:
    """Keep the replies with a button whose data starts so (the outbox may send meanwhile)."""
    return [m for m in messages if any((d or "").startswith(data) for _, d in m.buttons)]


async def _change(bot: Harness, item: str, kind: str, value: str | None) -> None:
    """Go through /change as the organiser: the item, what changes, its value, confirm."""
    emu = bot.emu
    mark = emu.mark(ORGANISER)
    await _say(bot, ORGANISER, f"/change {item}")
    (menu,) = _with_button(emu.messages(ORGANISER)[mark:], "ch:k:")
    await bot.press(ORGANISER, menu, f"ch:k:{ref(item)}:{kind}")
    preview = emu.message(ORGANISER, menu.message_id)
    if value is not None:
        mark = emu.mark(ORGANISER)
        await _say(bot, ORGANISER, value)
        (preview,) = _with_button(emu.messages(ORGANISER)[mark:], "ch:ok")
    assert "ch:ok" in [data for _, data in preview.buttons], preview.plain_text
    await bot.press(ORGANISER, preview, "ch:ok")
    await _quiet(bot)


async def test_hostile_text_goes_through_every_message(
    hostile_bot: tuple[Harness, set[tuple[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, used = hostile_bot
    emu, s = bot.emu, bot.services
    for user in (NASTY, ORGANISER, ENGLISH_ORG):
        mark = emu.mark(user)
        await _say(bot, user, "/start")
        question = emu.messages(user)[mark:][-1]
        if (ORGANISATION, "org:0") in question.buttons:
            await bot.press(user, question, "org:0")
    await s.bookings.sign_up(
        NASTY, TargetKind.WORKSHOP, ref("h1"), person=await s.people.get(NASTY)
    )
    await s.bookings.sign_up(NASTY, TargetKind.ROTA, ref("hr1"), person=await s.people.get(NASTY))

    # every command of the table, in French (its alias) and English, by an organiser
    for command in COMMANDS:
        for user, name in ((ORGANISER, command.names[-1]), (ENGLISH_ORG, command.name)):
            await _say(bot, user, f"/{name}")
    for text in (
        "/workshop h1",
        "/room Salle",
        "/search gras",
        "/participants h1",
        "/rota gaps",
        "/rota fairness",
    ):
        await _say(bot, ORGANISER, text)
        await _say(bot, ENGLISH_ORG, text)
    await _say(bot, ORGANISER, f"/notice {NOTICE}")

    # a promotion from the waiting list of a full workshop
    organiser = await s.people.get(ORGANISER)
    await s.bookings.sign_up(ORGANISER, TargetKind.WORKSHOP, ref("h3"), person=organiser)
    await s.bookings.sign_up(
        NASTY, TargetKind.WORKSHOP, ref("h3"), person=await s.people.get(NASTY)
    )
    await s.bookings.cancel(ORGANISER, TargetKind.WORKSHOP, ref("h3"))
    s.outbox.wake()
    # the bot added to a group with a hostile title: the organisers are told
    emu.add_group(NEW_GROUP, GROUP_TITLE, members=[ORGANISER], bot="left")
    emu.add_bot_to_group(NEW_GROUP, ORGANISER)
    await bot.settle()

    # a broadcast: its preview, confirmation, progress and report
    mark = emu.mark(ORGANISER)
    await _say(bot, ORGANISER, f"/broadcast {BROADCAST}")
    (audiences,) = _with_button(emu.messages(ORGANISER)[mark:], "bc:a:")
    tag = (audiences.buttons[0][1] or "").split(":")[2]
    await bot.press(ORGANISER, audiences, f"bc:a:{tag}:group")
    await bot.press(ORGANISER, emu.message(ORGANISER, audiences.message_id), f"bc:ok:{tag}")

    # the rota swap: the hostile person can't make it, the English organiser takes it
    mark = emu.mark(NASTY)
    await _say(bot, NASTY, "/mine")
    (mine,) = _with_button(emu.messages(NASTY)[mark:], "b:ro:")
    group = emu.mark(GROUP)
    await bot.press(NASTY, mine, f"b:ro:{ref('hr1')}")
    await bot.settle()
    # the offer, not the broadcast's post (it may reach the group at about the same time)
    (offer,) = _with_button(emu.messages(GROUP)[group:], "b:rt:")
    emu.join_group(GROUP, ENGLISH_ORG)
    await bot.press(ENGLISH_ORG, offer, offer.buttons[0][1] or "")

    await s.bookings.sign_up(
        NASTY, TargetKind.WORKSHOP, ref("h2"), person=await s.people.get(NASTY)
    )
    # an organiser's change of a note: its preview, then the notice to the people concerned
    await _change(bot, "h1", "note", NOTE2)
    # the day goes by: announcements, reminders and the board
    for minutes in range(0, 8 * 60, 5):
        bot.clock.jump_to(FIRST_DAY + timedelta(minutes=minutes))  # type: ignore[attr-defined]
        await _quiet(bot)
        if minutes == 6 * 60 + 20:  # 14:20, h2's reminder gone: moving it sends a correction
            moved = PROGRAMME.replace("2026-08-24T14:30:00", "2026-08-24T15:00:00")
            assert moved != PROGRAMME
            await s.programme.import_bytes(moved.encode(), "semaine.toml")
    for _ in range(100):
        await _quiet(bot)
        await asyncio.sleep(0.05)  # the broadcast's watcher reports on its own time
        async with bot.db.read() as conn:
            cursor = await conn.execute("SELECT DISTINCT kind FROM outbox WHERE status = 'sent'")
            kinds = {MessageKind(k) for (k,) in await cursor.fetchall()}
        if kinds == set(MessageKind):
            break

    # a programme file sent in the chat: its preview names the new workshop, then the import
    added = (
        PROGRAMME
        + f"""
[[workshop]]
id = "h4"
title = {_toml(NEW_TITLE)}
start = 2026-08-25T10:00:00
end = 2026-08-25T11:00:00
room = {_toml(ROOM)}
"""
    )
    mark = emu.mark(ORGANISER)
    await emu.send_document(ORGANISER, "semaine.toml", added.encode())
    await bot.settle()
    (preview,) = _with_button(emu.messages(ORGANISER)[mark:], "im:ok:")
    assert NEW_TITLE in preview.plain_text, preview.plain_text
    ok = next(d for _, d in preview.buttons if d and d.startswith("im:ok:"))
    await bot.press(ORGANISER, preview, ok)
    await _quiet(bot)

    # the audit log and status after all this, and an unexpected error reported to organisers
    for user in (ORGANISER, ENGLISH_ORG):
        await _say(bot, user, "/log")
        await _say(bot, user, "/status")

    before_error = sent_texts(emu)
    assert not crash_signs(before_error), crash_signs(before_error)

    async def broken(*_: object, **__: object) -> object:
        raise RuntimeError(NOTICE)

    monkeypatch.setattr("handlers.errors._reporter", Reporter())
    monkeypatch.setattr(s.bookings, "agenda", broken)
    mark = emu.mark(ORGANISER)
    await _say(bot, NASTY, "/mine")
    reports = [m.plain_text for m in emu.messages(ORGANISER)[mark:]]
    assert any(NOTICE in t and "RuntimeError" in t for t in reports), reports

    texts = sent_texts(emu)
    assert not unexpected_refusals(emu.calls), unexpected_refusals(emu.calls)
    for hostile in (
        TITLE,
        TITLE2,
        ROOM,
        ROOM_NOTE,
        NOTE,
        FACILITATOR,
        AREA,
        ORGANISATION,
        NOTICE,
        BROADCAST,
        HOSTILE_NAME,
        RTL,
    ):
        assert any(hostile in t for t in texts), f"{hostile!r} never shown literally"
    assert any(LONG in t or LONG[:20] in t for t in texts), "the 200-character room never shown"

    catalogue = {k for lang in ("fr", "en") for k in load_catalogue(LOCALES_DIR / lang)}
    keys = {k for _, k in used}
    print(
        f"\noutbox kinds sent: {len(kinds)}/{len(MessageKind)} "
        f"({sorted(k.value for k in kinds)}); missing: "
        f"{sorted(k.value for k in set(MessageKind) - kinds)}\n"
        f"catalogue keys used: {len(keys)}/{len(catalogue)}"
    )
    assert kinds == set(MessageKind), f"not sent: {set(MessageKind) - kinds}"
