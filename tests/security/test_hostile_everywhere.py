"""Issue 17, part 1's proof: hostile names and titles go through the bot's messages literally.

A programme whose titles, rooms, room notes, facilitators, rota areas and organisations are
hostile (HTML tags, entities, a lone `<`, quotes, emoji, right-to-left marks, 200 characters),
and people whose names are too. The bot is driven through the emulator: every command of the
command table in French and in English, a notice, a broadcast (preview, progress, report),
the rota swap, the announcements, reminders and board of the outbox. Every call must be
accepted by the emulator, and every hostile string must show literally somewhere.

Covered (printed by the test): every outbox kind (a new kind fails it), and the catalogue keys
of which a message went out and was accepted by the emulator (a key only asked for, its
message never sent, does not count). A second test plays the terminal demo on a hostile
programme with hostile-named people: it must print every one of them as text, unescaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.commands import COMMANDS
from bot.domain.booking import TargetKind, ref
from bot.domain.messages import MessageKind
from bot.i18n import LOCALES_DIR, Translator, load_catalogue
from bot.sandbox import demo, demo_people
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.sandbox.records import Call, SentMessage
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
NEW_ROOM = 'Cabane <u>&</u> "ouest" <'
NOTE2 = "Changement <i>&amp; </b> 🎈 <"
NOTE = "Apportez <script>&amp; un « chapeau » <"
FACILITATOR = "Zoé </i><b>Bold & Co"
AREA = 'Vaisselle <b>&</b> "rinçage" 🍽'
ORGANISATION = "Coop <b>&</b> Co 🌱"
NOTICE = "Le <b>bus</b> & </i> part <"
BROADCAST = 'Bonjour <a href="https://evil.example">x</a> & à tous <'
# Questions to the organisers (/ask)
ASKED, ANSWERED = "Où <b>est</b> & </i> le bus ? <", "Devant <i>l'accueil</i> & </b> <"
COMMENT = "Trop <b>court</b> & </i> 🙃 <"  # feedback for facilitators (issue 14)
HOSTILE_NAME, HOSTILE_LAST, HOSTILE_USER = "<script>&", '</i>O\'Brien "Bob"', "evil_b"
NASTY, ENGLISH_ORG = 1666, 9002
GROUP_TITLE = "Groupe <b>& </i> 🎉"
NEW_GROUP = -1009876543
FIRST_DAY = datetime(2026, 8, 24, 8, 0, tzinfo=PARIS)


Rendered = dict[str, set[str]]
"""What the Translator made of each catalogue key during a test."""


def _strings(value: object) -> list[str]:
    """List the strings in a call's parameter (reply_markup comes as JSON text)."""
    if isinstance(value, str):
        if value.startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                return _strings(json.loads(value))
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _strings(v)]
    return []


def keys_shown(used: Rendered, calls: Sequence[Call]) -> set[str]:
    """Keep the keys of which one rendering went out in a call the emulator accepted.

    A message is HTML as made (parameters escaped), so its rendering is found as it is in the
    call's text, caption, button labels or alert; a key only asked for (a message built and
    then not sent) does not count.
    """
    accepted = "\x00".join(t for c in calls if c.ok for t in _strings(c.params))
    return {
        key
        for key, texts in used.items()
        if any(t.strip() and t.strip() in accepted for t in texts)
    }


def _counting(monkeypatch: pytest.MonkeyPatch) -> Rendered:
    """Note what the Translator makes of each key from now on."""
    used: Rendered = {}
    call, plain = Translator.__call__, Translator.plain

    def counted_call(self: Translator, lang: str, key: str, /, **params: Any) -> Any:
        text = call(self, lang, key, **params)
        used.setdefault(key, set()).add(str(text))
        return text

    def counted_plain(self: Translator, lang: str, key: str, /, **params: Any) -> str:
        text = plain(self, lang, key, **params)
        used.setdefault(key, set()).add(text)
        return text

    monkeypatch.setattr(Translator, "__call__", counted_call)
    monkeypatch.setattr(Translator, "plain", counted_plain)
    return used


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
) -> AsyncIterator[tuple[Harness, Rendered]]:
    used = _counting(monkeypatch)
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    emu.cast.add_user(
        NASTY, HOSTILE_NAME, last_name=HOSTILE_LAST, username=HOSTILE_USER, language_code="fr"
    )
    emu.cast.add_user(ENGLISH_ORG, RTL, last_name=LONG, language_code="en")
    emu.cast.join_group(GROUP, NASTY)
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
    await bot.emu.people.send_text(user, text)
    await bot.settle()


async def _quiet(bot: Harness) -> None:
    await bot.settle()
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    await bot.settle()


def _with_button(messages: list[SentMessage], data: str) -> list[SentMessage]:
    """Keep the replies with a button whose data starts so (the outbox may send meanwhile)."""
    return [m for m in messages if any((d or "").startswith(data) for _, d in m.buttons)]


def _buttoned(messages: list[SentMessage]) -> list[SentMessage]:
    """Keep the messages that carry buttons."""
    return [m for m in messages if m.buttons]


async def _change(bot: Harness, item: str, kind: str, value: str | None) -> None:
    """Go through /change as the organiser: the item, what changes, its value, confirm."""
    emu = bot.emu
    mark = emu.observer.mark(ORGANISER)
    await _say(bot, ORGANISER, f"/change {item}")
    (menu,) = _with_button(emu.observer.messages(ORGANISER)[mark:], "ch:k:")
    await bot.press(ORGANISER, menu, f"ch:k:{ref(item)}:{kind}")
    preview = emu.observer.message(ORGANISER, menu.message_id)
    if value is not None:
        mark = emu.observer.mark(ORGANISER)
        await _say(bot, ORGANISER, value)
        (preview,) = _with_button(emu.observer.messages(ORGANISER)[mark:], "ch:ok")
    assert "ch:ok" in [data for _, data in preview.buttons], preview.plain_text
    await bot.press(ORGANISER, preview, "ch:ok")
    await _quiet(bot)


async def test_hostile_text_goes_through_every_message(
    hostile_bot: tuple[Harness, Rendered], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, used = hostile_bot
    emu, s = bot.emu, bot.services
    for user in (NASTY, ORGANISER, ENGLISH_ORG):
        mark = emu.observer.mark(user)
        await _say(bot, user, "/start")
        question = emu.observer.messages(user)[mark:][-1]
        if (ORGANISATION, "org:0") in question.buttons:
            await bot.press(user, question, "org:0")
    await s.bookings.sign_up(
        NASTY, TargetKind.WORKSHOP, ref("h1"), person=await s.people.get(NASTY)
    )
    await s.bookings.sign_up(NASTY, TargetKind.ROTA, ref("hr1"), person=await s.people.get(NASTY))
    # issue 14: the English organiser runs h1 too, so gets the summary of its feedback
    await s.roles.set_facilitator(ORGANISER, await s.agenda.by_id("h1"), ENGLISH_ORG, add=True)

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
    # Issue 14, part 1: a proposal with a hostile title, text and name: its organisers' card
    mark = emu.observer.mark(NASTY)
    for text in ("/propose", TITLE, NOTE):
        await _say(bot, NASTY, text)
    (durations,) = _with_button(emu.observer.messages(NASTY)[mark:], "pp:d:")
    for pressed in ("pp:d:60", "pp:org", "pp:c:0", "pp:l:both", "pp:ok"):
        await bot.press(NASTY, emu.observer.message(NASTY, durations.message_id), pressed)

    # a promotion from the waiting list of a full workshop
    organiser = await s.people.get(ORGANISER)
    await s.bookings.sign_up(ORGANISER, TargetKind.WORKSHOP, ref("h3"), person=organiser)
    await s.bookings.sign_up(
        NASTY, TargetKind.WORKSHOP, ref("h3"), person=await s.people.get(NASTY)
    )
    await s.bookings.cancel(ORGANISER, TargetKind.WORKSHOP, ref("h3"))
    s.outbox.wake()
    # the bot added to a group with a hostile title: the organisers are told
    emu.cast.add_group(NEW_GROUP, GROUP_TITLE, members=[ORGANISER], bot="left")
    emu.cast.add_bot_to_group(NEW_GROUP, ORGANISER)
    await bot.settle()

    # a broadcast: its preview, confirmation, progress and report
    mark = emu.observer.mark(ORGANISER)
    await _say(bot, ORGANISER, f"/broadcast {BROADCAST}")
    (audiences,) = _with_button(emu.observer.messages(ORGANISER)[mark:], "bc:a:")
    tag = (audiences.buttons[0][1] or "").split(":")[2]
    await bot.press(ORGANISER, audiences, f"bc:a:{tag}:group")
    await bot.press(
        ORGANISER, emu.observer.message(ORGANISER, audiences.message_id), f"bc:ok:{tag}"
    )

    # Questions to the organisers (/ask): the hostile person asks, a reply to the copy answers
    mark = emu.observer.mark(ORGANISER)
    await _say(bot, NASTY, f"/ask {ASKED}")
    await _quiet(bot)
    (copy,) = _with_button(emu.observer.messages(ORGANISER)[mark:], "qa:")
    await emu.people.send_text(ORGANISER, ANSWERED, reply_to=copy.message_id)
    await _quiet(bot)

    # the rota swap: the hostile person can't make it, the English organiser takes it
    mark = emu.observer.mark(NASTY)
    await _say(bot, NASTY, "/mine")
    (mine,) = _with_button(emu.observer.messages(NASTY)[mark:], "b:ro:")
    group = emu.observer.mark(GROUP)
    await bot.press(NASTY, mine, f"b:ro:{ref('hr1')}")

    # The outbox may post to the group meanwhile (a broadcast, the board, an announcement with
    # its stars): wait for the offer itself, the message with the take button
    def offers() -> list[SentMessage]:
        return _with_button(emu.observer.messages(GROUP)[group:], "b:rt:")

    async with asyncio.timeout(10):
        await emu.world.changes.wait_for(lambda: bool(offers()))
    (offer,) = offers()
    emu.cast.join_group(GROUP, ENGLISH_ORG)
    (take,) = [d for _, d in offer.buttons if d and d.startswith("b:rt:")]
    await bot.press(ENGLISH_ORG, offer, take)

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
        if minutes == 4 * 60 + 15:  # 12:15: the question after h1; an answer, a comment
            (question,) = _with_button(emu.observer.messages(NASTY), f"fb:{ref('h1')}:")
            await bot.press(NASTY, question, f"fb:{ref('h1')}:3")
            await _say(bot, NASTY, COMMENT)
    # the evening: h1's facilitators get the summary of its feedback (issue 14)
    bot.clock.jump_to(FIRST_DAY.replace(hour=21))  # type: ignore[attr-defined]
    await _quiet(bot)
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
capacity = 1
"""
    )
    mark = emu.observer.mark(ORGANISER)
    await emu.people.send_document(ORGANISER, "semaine.toml", added.encode())
    await bot.settle()
    (preview,) = _with_button(emu.observer.messages(ORGANISER)[mark:], "im:ok:")
    assert NEW_TITLE in preview.plain_text, preview.plain_text
    ok = next(d for _, d in preview.buttons if d and d.startswith("im:ok:"))
    await bot.press(ORGANISER, preview, ok)
    await _quiet(bot)

    # hostile text typed back at the bot: what it could not find is named in its answers
    for text in (
        f"/search {NOTICE}",
        f"/room {ROOM_NOTE}",
        f"/workshop {NEW_TITLE}",
        f"/participants {AREA}",
        f"/day {NOTICE}",
        f"/facilitator add @{HOSTILE_USER} {NOTE2}",
        "/facilitator remove @zz<b> h4",
        "/invites",
        f"/invites revoke {FACILITATOR.split()[0]}",
        f"/invites revoke {NOTICE}",
        f"/change {NEW_TITLE}<",
        "/rota",
    ):
        await _say(bot, ORGANISER, text)
        await _say(bot, ENGLISH_ORG, text)
    # the new workshop's one place by its buttons: signed up, full, waiting, a leave, promoted
    for user, op in ((ENGLISH_ORG, "ws"), (NASTY, "ws"), (ENGLISH_ORG, "wc"), (NASTY, "wc")):
        mark = emu.observer.mark(user)
        await _say(bot, user, "/workshop h4")
        details = _with_button(emu.observer.messages(user)[mark:], f"b:{op}:{ref('h4')}")[-1]
        await bot.press(user, details, f"b:{op}:{ref('h4')}")
    await _quiet(bot)
    for text in ("/workshop zz<q>", "/lang xx<", "/participants h4"):
        await _say(bot, NASTY, text)
    # a facilitator added by hand (a hostile name in the log), then taken away
    await _say(bot, ORGANISER, f"/facilitator add @{HOSTILE_USER} h4")
    await _say(bot, ORGANISER, "/participants h3")
    await _say(bot, NASTY, "/workshop h4")
    await _say(bot, NASTY, "/mine")
    await _say(bot, NASTY, "/calendar")
    # more /change previews: a typed room, a delay, a new note, then a cancellation
    await _change(bot, "h4", "room", NEW_ROOM)
    await _change(bot, "h4", "late", "20")
    await _change(bot, "h4", "note", NOTE)
    await _change(bot, "h3", "cancel", None)
    await _say(bot, ORGANISER, f"/facilitator remove @{HOSTILE_USER} h4")
    for user in (NASTY, ENGLISH_ORG):
        await _say(bot, user, "/notices")
        await _say(bot, user, "/tomorrow")

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
    mark = emu.observer.mark(ORGANISER)
    await _say(bot, NASTY, "/mine")
    reports = [m.plain_text for m in emu.observer.messages(ORGANISER)[mark:]]
    assert any(NOTICE in t and "RuntimeError" in t for t in reports), reports

    texts = sent_texts(emu)
    assert not unexpected_refusals(emu.calls), unexpected_refusals(emu.calls)
    for hostile in (
        TITLE,
        TITLE2,
        ROOM,
        ROOM_NOTE,
        NOTE,
        NEW_ROOM,
        FACILITATOR,
        AREA,
        ORGANISATION,
        NOTICE,
        BROADCAST,
        ASKED,
        ANSWERED,
        HOSTILE_NAME,
        RTL,
        COMMENT,
    ):
        assert any(hostile in t for t in texts), f"{hostile!r} never shown literally"
    assert any(LONG in t or LONG[:20] in t for t in texts), "the 200-character room never shown"

    catalogue = {k for lang in ("fr", "en") for k in load_catalogue(LOCALES_DIR / lang)}
    shown = keys_shown(used, emu.calls)
    print(
        f"\noutbox kinds sent: {len(kinds)}/{len(MessageKind)} "
        f"({sorted(k.value for k in kinds)}); missing: "
        f"{sorted(k.value for k in set(MessageKind) - kinds)}\n"
        f"catalogue keys asked for: {len(used)}/{len(catalogue)}; "
        f"in a message the emulator accepted: {len(shown)}/{len(catalogue)}"
    )
    assert kinds == set(MessageKind), f"not sent: {set(MessageKind) - kinds}"


DEMO_PROGRAMME = PROGRAMME.replace(
    f"facilitators = [{_toml(FACILITATOR)}]",
    f'facilitators = [{_toml(FACILITATOR)}]\ntelegram = ["@zoe_h"]',
)


async def test_the_demo_prints_a_hostile_sample_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal demo on a hostile programme, played by people with hostile names."""
    sample = tmp_path / "hostile.toml"
    sample.write_text(DEMO_PROGRAMME, encoding="utf-8")
    assert 'telegram = ["@zoe_h"]' in DEMO_PROGRAMME
    monkeypatch.setattr(demo, "SAMPLE_PROGRAMME", sample)
    monkeypatch.setattr(demo, "local_config", functools.partial(local_config, programme=sample))
    participant = demo_people.Identity("participant", 1001, HOSTILE_NAME)
    organiser = demo_people.Identity("organiser", 9001, RTL + TITLE)
    for module in (demo, demo_people):  # the demo's assembly, and who the player may be
        monkeypatch.setattr(module, "PARTICIPANT", participant)
        monkeypatch.setattr(module, "ORGANISER", organiser)
    lines = iter(
        (
            "/start",
            "/today",
            "/workshop h1",
            "1",
            "/mine",
            ":as organiser",
            "/participants h1",
            f"/notice {NOTICE}",
            "/log",
            ":as facilitator",
            "/mine",
            ":time +1h",
            ":as participant",
        )
    )
    out = io.StringIO()
    used = _counting(monkeypatch)

    async def read() -> str:
        line = next(lines, None)
        return "" if line is None else line + "\n"

    async with demo.demo_chat(FrozenClock(FIRST_DAY), read=read, out=out) as chat:
        await chat.run()
        calls = chat.harness.emu.calls
    printed = out.getvalue()
    print(
        f"\ndemo: catalogue keys in a message the emulator accepted: {len(keys_shown(used, calls))}"
    )
    assert next(lines, None) is None, "the demo stopped before the end of the script"
    assert "Traceback" not in printed and not crash_signs([printed]), printed[-2000:]
    assert not unexpected_refusals(calls), unexpected_refusals(calls)
    for hostile in (TITLE, TITLE2, ROOM, FACILITATOR.split()[0], HOSTILE_NAME, RTL, NOTICE):
        assert hostile in printed, f"{hostile!r} never printed literally"
    # Nothing escaped twice, or escaped at all: the terminal shows text, not HTML
    # (TITLE and NOTE hold a literal "&amp;" of their own)
    for escaped in ("&lt;", "&gt;", "&#", "&amp;amp;", "&amp;#"):
        where = printed.find(escaped)
        assert where < 0, f"{escaped} printed: {printed[max(0, where - 200) : where + 200]}"
