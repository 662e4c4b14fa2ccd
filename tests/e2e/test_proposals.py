"""Issue 14, part 1: people propose sessions in chat; the organisers approve, move, decline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.domain.changes import Change, ChangeKind
from bot.domain.models import Role
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.sandbox.records import SentMessage
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER
from tests.e2e.test_announcements import PROGRAMME, START, at, move_to, registered

DESCRIPTION = "On fabrique un composteur ensemble, avec des palettes & de la ficelle."


@asynccontextmanager
async def running(
    emu: BotApiEmulator,
    tmp_path: Path,
    approval: str = "organisers",
    *,
    fresh: bool = True,
    organisers_chat: int | None = None,
) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={
            "organisers": [ORGANISER],
            "announce_chat_id": GROUP,
            "organisers_chat_id": organisers_chat,
        },
        extra={"announcements": {"board": False}, "proposals": {"approval": approval}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        if fresh:
            await registered(bot, ALICE, BOB, MATHILDE, ORGANISER)
        yield bot


@pytest.fixture
async def week(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running(emu, tmp_path) as bot:
        yield bot


def data(message: SentMessage, prefix: str) -> list[str]:
    """List the callback data of a message's buttons that start with `prefix`."""
    return [d for _, d in message.buttons if d and d.startswith(prefix)]


async def step(bot: Harness, user: int, message: SentMessage, pressed: str) -> SentMessage:
    """Press a button of a flow's message; give that message as it is after."""
    await bot.press(user, message, pressed)
    return bot.emu.observer.message(user, message.message_id)


async def forged(bot: Harness, user: int, message: SentMessage, pressed: str) -> dict[str, Any]:
    """Press data the message never offered; give the answer."""
    query = await bot.emu.people.press_button(user, message.message_id, pressed, forge=True)
    answer = await bot.emu.observer.wait_for_callback_answer(query)
    await bot.settle()
    return answer


async def until_preview(
    bot: Harness, user: int, title: str, slot: int | None = 0, places: str = "12"
) -> SentMessage:
    """Go through /propose up to the preview: the slot offered at that place (None: organisers)."""
    (asked,) = await bot.say(user, "/propose")
    assert "Quel est son titre" in asked.plain_text or "What is its title" in asked.plain_text
    await bot.say(user, title)
    (menu,) = await bot.say(user, DESCRIPTION)
    slots = await step(bot, user, menu, "pp:d:60")
    choice = "pp:org" if slot is None else data(slots, "pp:at:")[slot]
    places_menu = await step(bot, user, slots, choice)
    language = await step(bot, user, places_menu, f"pp:c:{places}")
    return await step(bot, user, language, "pp:l:fr")


async def propose(bot: Harness, user: int, title: str, slot: int | None = 0) -> SentMessage:
    """Propose a session through the whole flow; give the message that answers the sending."""
    preview = await until_preview(bot, user, title, slot)
    assert "pp:ok" in data(preview, "pp:ok"), preview.plain_text
    done = await step(bot, user, preview, "pp:ok")
    await bot.services.outbox.flush()
    return done


def card(bot: Harness, title: str) -> SentMessage:
    """Give the organiser's card of a proposal."""
    found = [
        m for m in bot.emu.observer.messages(ORGANISER) if title in m.plain_text and data(m, "pr:")
    ]
    assert len(found) == 1, [m.plain_text for m in bot.emu.observer.messages(ORGANISER)]
    return found[0]


async def rows(bot: Harness, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async with bot.db.read() as conn:
        cursor = await conn.execute(sql, args)
        return [tuple(r) for r in await cursor.fetchall()]


async def test_a_proposal_approved_becomes_an_item_its_proposer_runs(week: Harness) -> None:
    bot = week
    preview = await until_preview(bot, ALICE, "Atelier <compost> & co")
    text = preview.plain_text
    assert "Atelier <compost> & co" in text and "lundi 24 août, 10:00–11:00, 📍 Plage" in text
    assert "places\u202f: 12" in text and "Français" in text
    done = await step(bot, ALICE, preview, "pp:ok")
    assert done.plain_text.startswith("📨 Merci")
    await bot.services.outbox.flush()
    # one card to the organiser, the title escaped, with its three buttons
    shown = card(bot, "Atelier <compost> & co")
    assert "de Alice Martin" in shown.plain_text and DESCRIPTION in shown.plain_text
    assert "&lt;compost&gt; &amp; co" in shown.text
    assert [label for label, _ in shown.buttons] == ["✅ Accepter", "🔀 Déplacer", "❌ Refuser"]
    assert await rows(bot, "SELECT id FROM workshop WHERE id LIKE 'proposal-%'") == []

    await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    after = bot.emu.observer.message(ORGANISER, shown.message_id)
    assert "✅ Acceptée\u202f: lundi 24 août, 10:00–11:00, 📍 Plage." in after.plain_text
    assert after.buttons == []
    said = bot.emu.observer.messages(ORGANISER)[-1].plain_text
    assert said.startswith("✅ Accepté\u202f: Atelier <compost> & co est au programme")
    await bot.services.outbox.flush()
    guide = bot.emu.observer.messages(ALICE)[-1].plain_text
    assert guide.startswith("🎉 Votre proposition Atelier <compost> & co est au programme")
    assert "/participants" in guide and "/change" in guide and "Retard" in guide

    item = await bot.services.agenda.by_id("proposal-1")
    assert (item.room, item.capacity, item.start, item.tags) == (
        "Plage",
        12,
        at(24, 10),
        ("proposed",),
    )
    assert await bot.services.roles.role(ALICE) is Role.FACILITATOR
    (roster,) = await bot.say(ALICE, "/participants compost")
    assert "Atelier <compost> & co" in roster.plain_text and "réservé" not in roster.plain_text
    # sign-ups are open: Bob takes a place
    (details,) = await bot.say(BOB, "/workshop compost")
    assert any(d and d.startswith("b:ws:") for _, d in details.buttons)
    assert "💡 Proposed by a participant" in details.plain_text  # Bob reads English

    # announced with the slot's usual announcement: one group message for 10:00, naming it
    mark = bot.emu.observer.mark(GROUP)
    await move_to(bot, at(24, 9, 46))
    posts = [m.plain_text for m in bot.emu.observer.messages(GROUP)[mark:]]
    assert len(posts) == 1 and "Atelier <compost> & co" in posts[0] and "Atelier B" in posts[0]


async def test_automatic_approval_puts_a_free_slot_on_the_programme_at_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running(emu, tmp_path, approval="automatic") as bot:
        done = await propose(bot, ALICE, "Chants de marins")
        assert done.plain_text.startswith("🎉 Votre proposition Chants de marins est au programme")
        await bot.services.outbox.flush()
        # the answer to the press, and no second message
        guides = [m for m in bot.emu.observer.messages(ALICE) if m.plain_text.startswith("🎉")]
        assert [m.message_id for m in guides] == [done.message_id]
        assert await bot.services.roles.role(ALICE) is Role.FACILITATOR
        assert [m for m in bot.emu.observer.messages(ORGANISER) if "Chants" in m.plain_text] == []
        # "let the organisers choose" still waits for them
        await propose(bot, BOB, "Tai-chi", slot=None)
        assert data(card(bot, "Tai-chi"), "pr:ok:")
        (status,) = await rows(bot, "SELECT status FROM proposal WHERE title = 'Tai-chi'")
        assert status == ("pending",)


async def test_bad_input_gets_a_clear_answer_and_the_flow_waits(week: Harness) -> None:
    bot = week
    await bot.say(ALICE, "/propose")
    (long,) = await bot.say(ALICE, "x" * 5000)
    assert long.plain_text.startswith("Ce titre fait 5000 caractères, 120 au plus")
    (asked,) = await bot.say(ALICE, "Vannerie")
    assert asked.plain_text.startswith("📝 Vannerie")
    (long,) = await bot.say(ALICE, "y" * 1001)
    assert "Cette description fait 1001 caractères, 1000 au plus" in long.plain_text
    (menu,) = await bot.say(ALICE, "Paniers en osier.")
    slots = await step(bot, ALICE, menu, "pp:d:90")
    places = await step(bot, ALICE, slots, data(slots, "pp:at:")[0])
    (refused,) = await bot.say(ALICE, "beaucoup")
    assert refused.plain_text.startswith("Il me faut un nombre de places entre 0")
    (language,) = await bot.say(ALICE, "7")
    assert "En quelle langue" in language.plain_text
    assert places.message_id != language.message_id
    # a forged step: refused as a bad button
    answer = await forged(bot, ALICE, language, "pp:d:999")
    assert "bouton" in answer["text"]
    assert await rows(bot, "SELECT * FROM proposal") == []


async def test_three_pending_proposals_at_most(week: Harness) -> None:
    bot = week
    for n in range(3):
        await propose(bot, ALICE, f"Atelier {n}", slot=None)
    (refused,) = await bot.say(ALICE, "/proposer")
    assert refused.plain_text.startswith("Vous avez déjà 3 propositions en attente")
    assert len(await rows(bot, "SELECT id FROM proposal WHERE user_id = ?", ALICE)) == 3


async def test_a_decline_gives_the_reason_once(week: Harness) -> None:
    bot = week
    await propose(bot, ALICE, "Sieste <collective>", slot=None)
    shown = card(bot, "Sieste")
    await bot.press(ORGANISER, shown, data(shown, "pr:no:")[0])
    asked = bot.emu.observer.messages(ORGANISER)[-1].plain_text
    assert asked.startswith("❌ Pourquoi refuser Sieste <collective>")
    (done,) = await bot.say(ORGANISER, "Déjà trois siestes <b>prévues</b>")
    assert done.plain_text == "C'est fait\u202f: Alice Martin a reçu votre réponse."
    await bot.services.outbox.flush()
    news = bot.emu.observer.messages(ALICE)[-1]
    assert "Déjà trois siestes <b>prévues</b>" in news.plain_text
    assert "&lt;b&gt;" in news.text
    # decided: approving, declining again are refused, nothing changes
    before = await rows(bot, "SELECT * FROM proposal")
    answer = await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    assert answer["text"] == "Cette proposition a déjà été refusée\u202f: rien n'a changé."
    answer = await bot.press(ORGANISER, shown, data(shown, "pr:no:")[0])
    assert answer["text"] == "Cette proposition a déjà été refusée\u202f: rien n'a changé."
    assert await rows(bot, "SELECT * FROM proposal") == before
    assert await rows(bot, "SELECT id FROM workshop WHERE id LIKE 'proposal-%'") == []


async def test_only_organisers_decide(week: Harness) -> None:
    bot = week
    await propose(bot, ALICE, "Yoga du rire", slot=None)
    ref = data(card(bot, "Yoga du rire"), "pr:")
    (mine,) = await bot.say(MATHILDE, "/next")
    for pressed in (*ref, "pr:at:1:202608241200:abcdef"):
        answer = await forged(bot, MATHILDE, mine, pressed)
        assert answer["text"] == "Cette action est réservée à l'équipe d'organisation.", pressed
    assert await rows(bot, "SELECT status FROM proposal") == [("pending",)]


async def test_move_approves_in_another_slot(week: Harness) -> None:
    bot = week
    await propose(bot, ALICE, "Origami", slot=None)
    shown = card(bot, "Origami")
    # Approve without a slot asks where, as Move does
    await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    menu = bot.emu.observer.messages(ORGANISER)[-1]
    assert menu.plain_text.startswith("🔀 Où et quand mettre Origami")
    first = data(menu, "pr:at:")[0]
    await bot.press(ORGANISER, menu, first)
    done = bot.emu.observer.message(ORGANISER, menu.message_id).plain_text
    assert done.startswith("✅ Accepté\u202f: Origami est au programme, lundi 24 août, 10:00–11:00")
    item = await bot.services.agenda.by_id("proposal-1")
    assert item.room == "Plage"
    # the same slot again, for the same proposal: decided already
    answer = await forged(bot, ORGANISER, menu, first)
    assert answer["text"] == "Cette proposition a déjà été acceptée\u202f: rien n'a changé."


async def test_two_simultaneous_approvals_never_give_a_room_twice(week: Harness) -> None:
    bot = week
    await propose(bot, ALICE, "Macramé")
    await propose(bot, BOB, "Juggling")
    cards = [card(bot, "Macramé"), card(bot, "Juggling")]
    rooms = await rows(bot, "SELECT starts_at, room FROM proposal ORDER BY id")
    assert rooms[0] == rooms[1]  # both asked for the same room at the same time
    queries = [
        await bot.emu.people.press_button(ORGANISER, c.message_id, data(c, "pr:ok:")[0])
        for c in cards
    ]
    answers = await asyncio.gather(*(bot.emu.observer.wait_for_callback_answer(q) for q in queries))
    await bot.settle()
    refused = [a["text"] for a in answers if a.get("text")]
    assert refused == [
        "📍 Plage est déjà pris à ce moment-là (Macramé)\u202f: rien n'a changé. "
        "Choisissez un autre créneau avec «\u202fDéplacer\u202f»."
    ] or refused == [
        "📍 Plage est déjà pris à ce moment-là (Juggling)\u202f: rien n'a changé. "
        "Choisissez un autre créneau avec «\u202fDéplacer\u202f»."
    ]
    placed = await rows(
        bot, "SELECT id FROM workshop WHERE room = 'Plage' AND starts_at = ?", rooms[0][0]
    )
    assert len(placed) == 1
    statuses = sorted(s for (s,) in await rows(bot, "SELECT status FROM proposal"))
    assert statuses == ["approved", "pending"]


async def test_a_slot_taken_while_choosing_is_refused_and_nothing_is_stored(
    week: Harness,
) -> None:
    bot = week
    await bot.say(ALICE, "/propose")
    await bot.say(ALICE, "Broderie")
    (menu,) = await bot.say(ALICE, DESCRIPTION)
    slots = await step(bot, ALICE, menu, "pp:d:60")
    taken = data(slots, "pp:at:")[0]
    places = await step(bot, ALICE, slots, taken)
    preview = await step(bot, ALICE, await step(bot, ALICE, places, "pp:c:0"), "pp:l:both")
    assert "sans inscription" in preview.plain_text and "Français et anglais" in preview.plain_text
    # meanwhile Bob's proposal gets the same room and time
    await propose(bot, BOB, "Batucada")
    shown = card(bot, "Batucada")
    await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    answer = await bot.press(ALICE, preview, "pp:ok")
    assert (
        answer["text"]
        == "Ce créneau vient d'être pris\u202f: rien n'a changé, choisissez-en un autre."
    )
    again = bot.emu.observer.message(ALICE, preview.message_id)
    assert "Voici les prochains créneaux" in again.plain_text
    assert taken not in data(again, "pp:at:")  # Plage at 10:00 is not offered again
    assert await rows(bot, "SELECT title FROM proposal WHERE user_id = ?", ALICE) == []
    # choosing again from the fresh list goes on
    places = await step(bot, ALICE, again, data(again, "pp:at:")[0])
    assert "Combien de places" in places.plain_text


async def test_a_slot_in_the_past_is_refused(week: Harness) -> None:
    bot = week
    preview = await until_preview(bot, ALICE, "Lever de soleil")
    bot.clock.jump_to(at(24, 10, 5))  # type: ignore[attr-defined]
    answer = await bot.press(ALICE, preview, "pp:ok")
    assert answer["text"].startswith("Ce créneau est déjà passé\u202f: rien n'a changé.")
    assert await rows(bot, "SELECT * FROM proposal") == []


async def test_reimport_keeps_proposed_items_and_tells_the_organisers_of_a_clash(
    week: Harness,
) -> None:
    bot = week
    await propose(bot, ALICE, "Cerfs-volants")
    shown = card(bot, "Cerfs-volants")
    await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    await bot.services.outbox.flush()
    (details,) = await bot.say(BOB, "/workshop cerfs")
    await bot.press(BOB, details, next(d for d in data(details, "b:ws:")))
    # the same file again: the proposed item stays, Bob keeps his place
    report = await bot.services.programme.import_bytes(PROGRAMME.encode(), "semaine.toml")
    assert report.removed == ()
    assert (await bot.services.agenda.by_id("proposal-1")).title == "Cerfs-volants"
    assert await rows(bot, "SELECT user_id FROM booking WHERE target_id = 'proposal-1'") == [(BOB,)]
    # a file that now puts an item in Plage at 10:00: both kept, the organisers told, once
    taking = PROGRAMME + (
        '\n[[workshop]]\nid = "kite"\ntitle = "Pique-nique"\nstart = 2026-08-24T10:00:00\n'
        'end = 2026-08-24T11:30:00\nroom = "Plage"\n'
    )
    marks = {chat: bot.emu.observer.mark(chat) for chat in (ORGANISER, ALICE, BOB, GROUP)}
    for _ in range(2):
        await bot.services.programme.import_bytes(taking.encode(), "semaine.toml")
        await bot.services.outbox.flush()
    told = [m.plain_text for m in bot.emu.observer.messages(ORGANISER)[marks[ORGANISER] :]]
    assert len(told) == 1 and told[0].startswith("⚠️ Le programme rechargé met Pique-nique")
    assert "Cerfs-volants (proposé par Alice Martin)" in told[0]
    for chat in (ALICE, BOB, GROUP):
        assert bot.emu.observer.messages(chat)[marks[chat] :] == [], chat
    assert (await bot.services.agenda.by_id("proposal-1")).room == "Plage"


async def test_plain_words_start_a_proposal(week: Harness) -> None:
    bot = week
    (asked,) = await bot.say(ALICE, "Je voudrais proposer un atelier")
    assert asked.plain_text.startswith("💡 Proposer un atelier, c'est parti")
    (asked,) = await bot.say(BOB, "I'd like to propose a session")
    assert asked.plain_text.startswith("💡 Let's propose a session!")
    (hint,) = await bot.say(
        ALICE, f"@{bot.emu.bot_username} je voudrais proposer un atelier", chat_id=GROUP
    )
    assert hint.plain_text.startswith("Pour proposer un atelier, écrivez-moi en message privé")


async def test_a_draft_survives_a_restart(emu: BotApiEmulator, tmp_path: Path) -> None:
    async with running(emu, tmp_path) as bot:
        await bot.say(ALICE, "/propose")
        await bot.say(ALICE, "Aquarelle")
    async with running(emu, tmp_path, fresh=False) as bot:
        (menu,) = await bot.say(ALICE, "Peindre la mer.")
        assert "Combien de temps" in menu.plain_text


async def test_a_proposed_item_moved_in_chat_stays_where_it_was_moved(week: Harness) -> None:
    bot = week
    await propose(bot, ALICE, "Cerfs-volants")
    shown = card(bot, "Cerfs-volants")
    await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    await bot.services.changes.apply(ORGANISER, Change("proposal-1", ChangeKind.ROOM, "Restaurant"))
    await bot.services.outbox.flush()
    mark = bot.emu.observer.mark(ORGANISER)
    taking = PROGRAMME + (
        '\n[[workshop]]\nid = "kite"\ntitle = "Pique-nique"\nstart = 2026-08-24T10:00:00\n'
        'end = 2026-08-24T11:30:00\nroom = "Plage"\n'
    )
    await bot.services.programme.import_bytes(taking.encode(), "semaine.toml")
    await bot.services.outbox.flush()
    assert (await bot.services.agenda.by_id("proposal-1")).room == "Restaurant"
    assert (
        bot.emu.observer.messages(ORGANISER)[mark:] == []
    )  # Plage at 10:00 is not its place any more


async def test_cards_go_to_the_organisers_group_when_there_is_one(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    team = -1009999
    emu.cast.add_group(team, "Équipe orga", members=[ORGANISER, MATHILDE])
    async with running(emu, tmp_path, organisers_chat=team) as bot:
        await propose(bot, ALICE, "Pétanque")
        (shown,) = [m for m in bot.emu.observer.messages(team) if "Pétanque" in m.plain_text]
        assert [m for m in bot.emu.observer.messages(ORGANISER) if "Pétanque" in m.plain_text] == []
        # a member of that group who is no organiser may not decide
        answer = await bot.press(MATHILDE, shown, data(shown, "pr:ok:")[0])
        assert answer["text"] == "Cette action est réservée à l'équipe d'organisation."
        await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
        assert "✅ Acceptée" in bot.emu.observer.message(team, shown.message_id).plain_text
        # a decline is asked privately: the reason is read there
        await propose(bot, BOB, "Belote")
        (other,) = [m for m in bot.emu.observer.messages(team) if "Belote" in m.plain_text]
        mark = bot.emu.observer.mark(ORGANISER)
        await bot.press(ORGANISER, other, data(other, "pr:no:")[0])
        (asked,) = bot.emu.observer.messages(ORGANISER)[mark:]
        assert asked.plain_text.startswith("❌ Pourquoi refuser Belote")
        (done,) = await bot.say(ORGANISER, "Pas de cartes cette année.")
        assert done.plain_text.startswith("C'est fait")


async def test_a_command_ends_the_wait_and_a_cancelled_proposed_item_stays_cancelled(
    week: Harness,
) -> None:
    bot = week
    await bot.say(ALICE, "/propose")
    (left, _) = await bot.say(ALICE, "/next", count=2)
    assert left.plain_text.startswith("✋ J'arrête d'attendre votre texte pour /propose")
    await propose(bot, BOB, "Cerfs-volants")
    shown = card(bot, "Cerfs-volants")
    await bot.press(ORGANISER, shown, data(shown, "pr:ok:")[0])
    await bot.services.changes.apply(ORGANISER, Change("proposal-1", ChangeKind.CANCEL))
    await bot.services.programme.import_bytes(PROGRAMME.encode(), "semaine.toml")
    ids = {w.id for w in (await bot.services.programme.current()).workshops}
    assert "proposal-1" not in ids and "a" in ids
