"""Issue 6: organisers' broadcasts and notices, end to end (the clock moved, never waited for)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from bot.app import RencontreApplication
from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from storage import broadcasts as broadcasts_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, PARIS

PROGRAMME = """
[[workshop]]
id = "a"
title = "Atelier couleurs"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Salle des Pins"
capacity = 1

[[workshop]]
id = "b"
title = "Atelier couleurs pour les enfants"
kind = "kids"
start = 2026-08-24T10:00:00
end = 2026-08-24T11:00:00
capacity = 5

[[workshop]]
id = "c"
title = "Atelier C"
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00
room = "Plage"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-24T14:00:00
end = 2026-08-24T14:30:00
places = 2

[[rota]]
id = "r2"
area = "Salle commune"
start = 2026-08-25T14:00:00
end = 2026-08-25T14:30:00
places = 2
"""
START = datetime(2026, 8, 24, 8, 30, tzinfo=PARIS)
HEADER = "📢 Message de l'organisation"
EXTRA = 50_000  # ids of the extra people some tests add


@pytest.fixture
async def bot(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={
            "organisers": [ORGANISER],
            "organisations": ["Oxalis", "Coopaname", "Smart"],
            "announce_chat_id": GROUP,
        },
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as harness:
        harness.services.broadcasts.progress_every = 0.05
        yield harness


async def registered(bot: Harness, *users: int) -> None:
    for user in users:
        await bot.say(user, "/start", count=2)  # the greeting, then the organisation question


async def extra_people(bot: Harness, count: int, organisation: str | None = None) -> list[int]:
    """Add people who started the bot, straight into the database (quicker than /start)."""
    first = EXTRA + sum(1 for u in bot.emu.world.users if u >= EXTRA)
    users = list(range(first, first + count))
    async with bot.db.transaction() as conn:
        for user in users:
            bot.emu.cast.add_user(user, f"Personne {user}")
            bot.emu.world.users[user].started = True
            await participants_repo.upsert(
                conn,
                user_id=user,
                first_name=f"Personne {user}",
                last_name=None,
                username=None,
                language="fr",
                now=bot.clock.now(),
            )
            await participants_repo.set_organisation(conn, user, organisation)
    return users


def data(message: SentMessage, prefix: str) -> str:
    """Give the callback data of the one button whose data starts with `prefix`."""
    found = [d for _, d in message.buttons if d and d.startswith(prefix)]
    assert len(found) == 1, (prefix, message.buttons)
    return found[0]


async def draft(bot: Harness, text: str) -> SentMessage:
    """Write a broadcast; give the message that asks for its audience."""
    (ask,) = await bot.say(ORGANISER, "/broadcast")
    assert ask.plain_text.startswith("✍️ Écrivez le message")
    (choose,) = await bot.say(ORGANISER, text)
    assert choose.plain_text == "À qui envoyer ce message\u202f?"
    for _, button in choose.buttons:
        assert button is not None and button.startswith("bc:")
        assert len(button.encode()) <= 64
    return choose


def current(bot: Harness, message: SentMessage) -> SentMessage:
    return bot.emu.observer.message(message.chat_id, message.message_id)


async def confirm(bot: Harness, preview: SentMessage) -> dict[str, object]:
    return await bot.press(ORGANISER, preview, data(current(bot, preview), "bc:ok:"))


async def delivered(bot: Harness) -> None:
    """Let the outbox send everything, moving the clock past the retries, and the reports go."""
    for _ in range(200):
        await bot.services.outbox.flush()
        async with bot.db.read() as conn:
            unfinished = await broadcasts_repo.unfinished(conn)
        if not unfinished:
            await bot.services.outbox.flush()
            return
        bot.clock.advance(timedelta(seconds=2))  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
    raise AssertionError("the broadcast never finished")


def received(bot: Harness, chat: int, text: str) -> int:
    headers = (HEADER, "📢 Message from the organisers")  # each in their own language
    return sum(
        1
        for m in bot.emu.observer.messages(chat)
        if m.plain_text in {f"{h}\n\n{text}" for h in headers}
    )


def report(bot: Harness) -> str:
    (last,) = [m for m in bot.emu.observer.messages(ORGANISER) if m.plain_text.startswith("📬")][
        -1:
    ]
    return last.plain_text


async def test_a_broadcast_to_everyone_asks_twice_then_reaches_each_once(bot: Harness) -> None:
    await registered(bot, ALICE, BOB, MATHILDE)
    text = "Rendez-vous <devant> l'accueil à 18h & pas avant.\nMerci !"
    choose = await draft(bot, text)
    await bot.press(ORGANISER, choose, _all(choose))
    preview = current(bot, choose)
    assert preview.plain_text.startswith(
        "👀 Aperçu (toutes les personnes inscrites)\u202f: 3 destinataires."
    )
    assert preview.plain_text.endswith(f"{HEADER}\n\n{text}")
    await confirm(bot, preview)
    sure = current(bot, preview)
    assert sure.plain_text.startswith("⚠️ Ce message partira à toutes les personnes inscrites (3)")
    answer = await bot.press(ORGANISER, sure, data(sure, "bc:sure:"))
    assert answer["text"] == "📤 C'est parti\u202f!"
    await delivered(bot)
    for user in (ALICE, BOB, MATHILDE):
        assert received(bot, user, text) == 1, user
    alice = bot.emu.observer.messages(ALICE)[-1]
    assert "&lt;devant&gt;" in alice.text and "&amp; pas avant" in alice.text
    assert received(bot, ORGANISER, text) == 0, "the organiser is not registered"
    progress = current(bot, choose)
    assert progress.plain_text.startswith(
        "📤 Envoi terminé (toutes les personnes inscrites)\u202f: 3 reçus sur 3"
    )
    assert progress.buttons == []
    assert report(bot) == (
        "📬 Message envoyé (toutes les personnes inscrites)\n✅ 3 reçus sur 3\n"
        "🚫 0 injoignable (le bot est bloqué ou n'a jamais été lancé)\n⚠️ 0 en échec"
    )
    async with bot.db.read() as conn:
        unfinished = await broadcasts_repo.unfinished(conn)
        rows = await outbox_repo.rows(conn, kinds=["broadcast"])
    assert unfinished == []
    assert sorted(r.chat_id for r in rows) == sorted([ALICE, BOB, MATHILDE])
    assert {r.batch for r in rows} == {"broadcast:1"}


def _all(message: SentMessage) -> str:
    return next(d for _, d in message.buttons if d and d.endswith(":all"))


def _audience(message: SentMessage, kind: str) -> str:
    return next(d for _, d in message.buttons if d and d.endswith(f":{kind}"))


async def test_each_audience_reaches_its_people_and_no_one_else(bot: Harness) -> None:
    await registered(bot, ALICE, BOB, MATHILDE)
    oxalis = await extra_people(bot, 3, "Oxalis")
    await extra_people(bot, 2, "Smart")
    # Alice takes the one place of the workshop, Bob waits; Bob tidies up today, Alice tomorrow
    for user in (ALICE, BOB):
        (details,) = await bot.say(user, "/workshop a")
        await bot.press(user, details, f"b:ws:{ref('a')}")
    for user, slot in ((BOB, "r1"), (ALICE, "r2")):
        (rota,) = await bot.say(user, "/rota")
        await bot.press(user, rota, f"b:rs:{ref(slot)}")
    everyone = [ALICE, BOB, MATHILDE, *oxalis, *range(EXTRA + 3, EXTRA + 5), GROUP]

    async def send(kind: str, text: str, expected: set[int], *, item: str = "") -> None:
        choose = await draft(bot, text)
        await bot.press(ORGANISER, choose, _audience(choose, kind))
        if kind == "item":
            (unknown,) = await bot.say(ORGANISER, "zzzz")
            assert unknown.plain_text.startswith("Aucun atelier avec inscriptions ne correspond")
            (which,) = await bot.say(ORGANISER, item)
            assert which.plain_text == "Plusieurs ateliers correspondent\u202f: lequel\u202f?"
            chosen = next(d for _, d in which.buttons if d and d.endswith(f":{ref('a')}"))
            await bot.press(ORGANISER, which, chosen)
            preview = current(bot, which)
        elif kind == "org":
            org = current(bot, choose)
            assert [label for label, _ in org.buttons][:3] == ["Oxalis", "Coopaname", "Smart"]
            await bot.press(ORGANISER, org, _audience(org, "0"))
            preview = current(bot, choose)
        else:
            preview = current(bot, choose)
        noun = "destinataires" if len(expected) > 1 else "destinataire"  # French: 0 and 1 agree
        assert f"\u202f: {len(expected)} {noun}." in preview.plain_text, preview.plain_text
        await confirm(bot, preview)
        await delivered(bot)
        got = {chat for chat in everyone if received(bot, chat, text)}
        assert got == expected, kind

    await send("group", "Au groupe", {GROUP})
    await send("item", "Aux inscrits", {ALICE, BOB}, item="couleurs")
    await send("facilitators", "Aux animateurs", {MATHILDE})
    await send("rota", "Au rangement", {BOB})
    await send("org", "À Oxalis", set(oxalis))
    assert report(bot).startswith("📬 Message envoyé (membres de l'organisation Oxalis)")


async def test_only_organisers_broadcast_or_post_notices(bot: Harness) -> None:
    await registered(bot, ALICE, MATHILDE)
    refusal = "Cette action est réservée à l'équipe d'organisation."
    for user in (ALICE, MATHILDE):  # a participant, a facilitator
        (answer,) = await bot.say(user, "/broadcast Tout le monde dehors")
        assert answer.plain_text == refusal
        (answer,) = await bot.say(user, "/notice Fausse annonce")
        assert answer.plain_text == refusal
    # a participant forging the organiser's buttons gets nowhere either
    (greeting, _) = bot.emu.observer.messages(ALICE)[:2]
    forged = await forge_press(bot.emu, ALICE, greeting, "bc:ok:abcdef")
    assert forged["text"] == refusal
    assert bot.emu.observer.messages(GROUP) == []


async def test_stale_forged_and_double_pressed_buttons_send_nothing_more(bot: Harness) -> None:
    await registered(bot, ALICE)
    old = await draft(bot, "Premier jet")
    new = await draft(bot, "Second jet")
    answer = await bot.press(ORGANISER, old, _audience(old, "group"))
    assert answer["text"].startswith("Ce bouton n'est plus valable")
    for forged in ("bc:zz:abcdef", "bc:a:abcdef:everyone", "bc:ok:abcdef:x", "bc:a:zzzzzz:all"):
        answer = await forge_press(bot.emu, ORGANISER, new, forged)
        assert answer["text"].startswith("Je ne comprends pas ce bouton"), forged
    await bot.press(ORGANISER, new, _audience(new, "group"))
    preview = current(bot, new)
    ok = data(preview, "bc:ok:")
    first = await bot.emu.people.press_button(ORGANISER, preview.message_id, ok)
    second = await bot.emu.people.press_button(ORGANISER, preview.message_id, ok)
    answers = [await bot.emu.observer.wait_for_callback_answer(q) for q in (first, second)]
    await bot.settle()
    assert sorted(a["text"][:10] for a in answers) == sorted(
        ["📤 C'est parti\u202f!"[:10], "Ce bouton n'est plus valable"[:10]]
    )
    await delivered(bot)
    assert received(bot, GROUP, "Second jet") == 1
    # Cancel: nothing goes
    cancelled = await draft(bot, "Finalement non")
    await bot.press(ORGANISER, cancelled, data(cancelled, "bc:no:"))
    assert current(bot, cancelled).plain_text == "✖️ Message annulé\u202f: rien n'est parti."
    await delivered(bot)
    assert received(bot, GROUP, "Finalement non") == 0


async def test_a_too_long_message_is_refused_and_the_shorter_one_taken(bot: Harness) -> None:
    await bot.say(ORGANISER, "/broadcast")
    (refused,) = await bot.say(ORGANISER, "x" * 3501)
    assert refused.plain_text == (
        "Ce message fait 3\u202f501 caractères\u202f; la limite est de "
        "3\u202f500. Raccourcissez-le et renvoyez-le."
    )
    (choose,) = await bot.say(ORGANISER, "x" * 3500)
    assert choose.plain_text == "À qui envoyer ce message\u202f?"


async def test_a_429_storm_delays_the_broadcast_but_each_gets_it_once(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns about retry_after's future type
    people = await extra_people(bot, 12)
    choose = await draft(bot, "Orage de 429")
    await bot.press(ORGANISER, choose, _all(choose))
    await confirm(bot, choose)
    sure = current(bot, choose)
    bot.emu.faults.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, count=5
    )
    await bot.press(ORGANISER, sure, data(sure, "bc:sure:"))
    await delivered(bot)
    assert [received(bot, user, "Orage de 429") for user in people] == [1] * 12
    refused = [c for c in bot.emu.observer.calls_to("sendMessage") if c.status == 429]
    assert len(refused) == 5
    assert "✅ 12 reçus sur 12" in report(bot)


async def test_people_who_blocked_the_bot_are_counted_unreachable(bot: Harness) -> None:
    people = await extra_people(bot, 5)
    for user in people[:2]:
        bot.emu.cast.block(user)
    await bot.settle()
    choose = await draft(bot, "Bloqués\u202f?")
    await bot.press(ORGANISER, choose, _all(choose))
    await confirm(bot, choose)
    await bot.press(ORGANISER, current(bot, choose), data(current(bot, choose), "bc:sure:"))
    await delivered(bot)
    assert [received(bot, user, "Bloqués\u202f?") for user in people] == [0, 0, 1, 1, 1]
    assert "✅ 3 reçus sur 5\n🚫 2 injoignables" in report(bot)
    # The next preview says so; they are tried once more all the same
    choose = await draft(bot, "Encore")
    await bot.press(ORGANISER, choose, _all(choose))
    assert "Dont 2 que je n'ai pas pu joindre la dernière fois" in current(bot, choose).plain_text


async def test_a_notice_is_pinned_in_the_group_and_listed_for_a_day(bot: Harness) -> None:
    await registered(bot, ALICE)
    (usage,) = await bot.say(ORGANISER, "/notice")
    assert usage.plain_text.startswith("Écrivez l'annonce après la commande")
    (done,) = await bot.say(ORGANISER, "/notice Le bus part à 18 h <devant> l'accueil.\nSoyez là !")
    assert done.plain_text == "📌 Annonce envoyée au groupe, où elle sera épinglée."
    await bot.services.outbox.flush()
    (posted,) = bot.emu.observer.messages(GROUP)
    assert posted.plain_text == (
        "📌 Annonce de l'organisation\n\nLe bus part à 18 h <devant> l'accueil.\nSoyez là !"
    )
    assert bot.emu.observer.pinned(GROUP) == [posted.message_id]
    # the same message handled again (replayed after a kill): nothing more is posted
    inbox = cast(RencontreApplication, bot.app).inbox
    assert inbox is not None
    bodies = [json.loads(body) for (body,) in inbox.conn.execute("SELECT body FROM inbox")]
    (update_id,) = [
        u["update_id"]
        for u in bodies
        if u.get("message", {}).get("text", "").startswith("/notice Le bus")
    ]
    assert not await bot.services.broadcasts.notice(ORGANISER, "Le bus", request=f"u{update_id}")
    await bot.services.outbox.flush()
    assert len(bot.emu.observer.messages(GROUP)) == 1
    (listed,) = await bot.say(ALICE, "/notices")
    assert listed.plain_text == (
        "📌 Annonces en cours (dernières 24 h)\n\n"
        "lundi 24 août, 08:30\nLe bus part à 18 h <devant> l'accueil.\nSoyez là !"
    )
    bot.clock.advance(timedelta(hours=25))  # type: ignore[attr-defined]
    (listed,) = await bot.say(BOB, "/notices")
    assert listed.plain_text == "No current notices."
