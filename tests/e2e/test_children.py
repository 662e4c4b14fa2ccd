"""Issue 14, part 5: the kids' club, end to end through the emulator.

A parent registers their children once (/children), signs a child up for a kids' item ("for
whom?"), within its ages and places; the roster lists each child with the parent to see.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import Standing, TargetKind, ref
from bot.domain.changes import Change, ChangeKind
from bot.domain.children import Child
from bot.events import PersonRegistered
from bot.sandbox.harness import Harness, forge_press
from bot.sandbox.records import SentMessage
from bot.services.announcements import as_row
from storage import bookings as bookings_repo
from storage import children as children_repo
from storage import participants as participants_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, STRANGER

PROGRAMME = """
[[workshop]]
id = "club"
title = "Club des petits <&>"
kind = "kids"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Cabane"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]
capacity = 2
min_age = 3
max_age = 10

[[workshop]]
id = "plage"
title = "Jeux de plage"
kind = "kids"
start = 2026-08-24T11:00:00
end = 2026-08-24T12:30:00
room = "Plage"
capacity = 10

[[workshop]]
id = "bebes"
title = "Éveil des bébés"
kind = "kids"
start = 2026-08-24T15:00:00
end = 2026-08-24T16:00:00
capacity = 5
max_age = 2

[[workshop]]
id = "atelier"
title = "Atelier des grands"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
capacity = 10
"""

NNBSP = "\u202f"


@pytest.fixture
async def week(bot: Harness) -> Harness:
    await bot.services.programme.import_bytes(PROGRAMME.encode(), "kids.toml")
    for user in (ALICE, BOB, MATHILDE, ORGANISER, STRANGER):
        await bot.say(user, "/start", count=2)
    return bot


def last(bot: Harness, chat: int) -> SentMessage:
    return bot.emu.observer.messages(chat)[-1]


def kid(op: str, *parts: object) -> str:
    return ":".join(["kid", op, *(str(p) for p in parts)])


async def children_of(bot: Harness, parent: int) -> list[Child]:
    async with bot.db.read() as conn:
        return await children_repo.of_parent(conn, parent)


async def standing(bot: Harness, item: str) -> Standing:
    target = await bot.services.bookings.target(TargetKind.WORKSHOP, ref(item))
    async with bot.db.read() as conn:
        return await bookings_repo.standing(conn, target)


async def add_child(bot: Harness, parent: int, name: str, age: int) -> Child:
    """Register a child the way a parent does: /children, add, the name, an age button."""
    (listing,) = await bot.say(parent, "/children")
    mark = bot.emu.observer.mark(parent)
    await bot.press(parent, listing, kid("add"))
    (question,) = bot.emu.observer.messages(parent)[mark:]
    (ages,) = await bot.say(parent, name)
    assert question.plain_text and ages.buttons
    mark = bot.emu.observer.mark(parent)
    await bot.press(parent, ages, kid("set", 0, age))
    noted, _ = await bot.emu.observer.wait_for_messages(parent, 2, after=mark)
    assert name in noted.plain_text
    return (await children_of(bot, parent))[-1]


async def for_whom(bot: Harness, parent: int, item: str) -> SentMessage:
    """Open an item's details and press "sign a child up": the question comes privately."""
    (details,) = await bot.say(parent, f"/workshop {item}")
    mark = bot.emu.observer.mark(parent)
    answer = await bot.press(parent, details, kid("who", ref(item)))
    assert "text" not in answer or not answer["text"]
    (question,) = await bot.emu.observer.wait_for_messages(parent, 1, after=mark)
    return question


async def test_a_parent_registers_children_by_buttons_and_typing(week: Harness) -> None:
    bot = week
    (listing,) = await bot.say(ALICE, "/enfants")
    assert "Aucun enfant enregistré" in listing.plain_text
    assert ("➕ Ajouter un enfant", kid("add")) in listing.buttons

    lea = await add_child(bot, ALICE, "Léa", 6)
    assert (lea.first_name, lea.age, lea.parent_id) == ("Léa", 6, ALICE)

    # The age typed instead of pressed
    (listing,) = await bot.say(ALICE, "/children")
    await bot.press(ALICE, listing, kid("add"))
    (ages,) = await bot.say(ALICE, "Tom <b>")
    assert f"Quel âge a Tom <b>{NNBSP}?" in ages.plain_text
    assert len(ages.buttons) == 18  # 0 to 17
    noted, listing = await bot.say(ALICE, "4 ans", count=2)
    assert noted.plain_text == f"✅ C'est noté{NNBSP}: Tom <b>, âge{NNBSP}: 4."
    assert "• Léa · âge" in listing.plain_text and "• Tom <b> · âge" in listing.plain_text
    assert [(c.first_name, c.age) for c in await children_of(bot, ALICE)] == [
        ("Léa", 6),
        ("Tom <b>", 4),
    ]
    # Nobody else sees them
    (bobs,) = await bot.say(BOB, "/children")
    assert "Léa" not in bobs.plain_text and "No child registered yet" in bobs.plain_text


async def test_bad_names_and_ages_are_refused_and_change_nothing(week: Harness) -> None:
    bot = week
    (listing,) = await bot.say(ALICE, "/children")
    await bot.press(ALICE, listing, kid("add"))
    (refused,) = await bot.say(ALICE, "x" * 500)
    assert "trop long" in refused.plain_text
    (refused,) = await bot.say(ALICE, "   ")
    assert "Il me faut un prénom" in refused.plain_text
    assert await children_of(bot, ALICE) == []
    # the flow still waits for the name, then for the age
    (ages,) = await bot.say(ALICE, "Léa")
    assert "Quel âge a Léa" in ages.plain_text
    (refused,) = await bot.say(ALICE, "200")
    assert refused.plain_text.startswith(f"200 ans{NNBSP}? Le club accueille")
    (refused,) = await bot.say(ALICE, "six")
    assert "Il me faut un âge en chiffres" in refused.plain_text
    # a forged age button (two digits fit the button, not the club)
    answer = await forge_press(bot.emu, ALICE, ages, kid("set", 0, 99))
    assert "99 ans" in answer["text"]
    await bot.settle()
    assert await children_of(bot, ALICE) == []
    noted, _ = await bot.say(ALICE, "6", count=2)
    assert "Léa, âge" in noted.plain_text
    assert [(c.first_name, c.age) for c in await children_of(bot, ALICE)] == [("Léa", 6)]


async def test_change_a_name_and_an_age_then_remove_a_child(week: Harness) -> None:
    bot = week
    lea = await add_child(bot, ALICE, "Léa", 6)
    (listing,) = await bot.say(ALICE, "/children")
    await bot.press(ALICE, listing, kid("ed", lea.id))
    menu = bot.emu.observer.message(ALICE, listing.message_id)
    assert "Que voulez-vous changer" in menu.plain_text
    mark = bot.emu.observer.mark(ALICE)
    await bot.press(ALICE, menu, kid("nm", lea.id))
    (question,) = bot.emu.observer.messages(ALICE)[mark:]
    assert "nouveau prénom de Léa" in question.plain_text
    noted, _ = await bot.say(ALICE, "Léane", count=2)
    assert "Léane" in noted.plain_text

    mark = bot.emu.observer.mark(ALICE)
    await bot.press(ALICE, menu, kid("ag", lea.id))
    (ages,) = bot.emu.observer.messages(ALICE)[mark:]
    assert "Quel âge a Léane" in ages.plain_text
    noted, _ = await bot.say(ALICE, "7", count=2)
    assert (await children_of(bot, ALICE))[0] == Child(lea.id, ALICE, "Léane", 7)

    # Someone else's child cannot be touched, even with forged buttons
    (bobs,) = await bot.say(BOB, "/children")
    answer = await forge_press(bot.emu, BOB, bobs, kid("rm", lea.id))
    await bot.settle()
    assert "pas dans votre liste" in answer["text"] or "not on your list" in answer["text"]
    assert len(await children_of(bot, ALICE)) == 1

    await bot.press(ALICE, menu, kid("del", lea.id))
    confirm = bot.emu.observer.message(ALICE, listing.message_id)
    assert "Retirer Léane" in confirm.plain_text
    await bot.press(ALICE, confirm, kid("rm", lea.id))
    assert await children_of(bot, ALICE) == []
    assert (
        "n'est plus dans votre liste"
        in bot.emu.observer.message(ALICE, listing.message_id).plain_text
    )


async def test_sign_up_for_a_child_within_ages_places_and_clashes(week: Harness) -> None:
    bot = week
    lea = await add_child(bot, ALICE, "Léa", 6)
    ado = await add_child(bot, ALICE, "Ado", 12)
    bob_kid = await add_child(bot, BOB, "Zoé", 5)
    sam_kid = await add_child(bot, STRANGER, "Sam junior", 8)

    question = await for_whom(bot, ALICE, "club")
    assert "Club des petits <&>" in question.plain_text and "pour qui" in question.plain_text
    assert "Âges" in question.plain_text and "3–10" in question.plain_text
    assert ("✍️ Léa", kid("in", ref("club"), lea.id)) in question.buttons
    assert ("🚫 Ado · pas l'âge", kid("in", ref("club"), ado.id)) in question.buttons

    answer = await bot.press(ALICE, question, kid("in", ref("club"), lea.id))
    assert answer["text"] == f"✅ Léa est inscrit·e à «{NNBSP}Club des petits <&>{NNBSP}»."
    fresh = bot.emu.observer.message(ALICE, question.message_id)
    assert ("❌ Léa · désinscrire", kid("out", ref("club"), lea.id)) in fresh.buttons

    # A child outside the item's ages: a clear answer, nothing changed
    answer = await bot.press(ALICE, fresh, kid("in", ref("club"), ado.id))
    assert answer["show_alert"] is True
    assert (
        "accueille les enfants de 3–10 ans, et Ado a 12 ans. Rien n'a changé." in (answer["text"])
    )
    # The child's clash, not the parent's: Léa is at the club when the beach games start
    beach = await for_whom(bot, ALICE, "plage")
    mark = bot.emu.observer.mark(ALICE)
    await bot.press(ALICE, beach, kid("in", ref("plage"), lea.id))
    (refused,) = bot.emu.observer.messages(ALICE)[mark:]
    assert "Léa est déjà inscrit·e à" in refused.plain_text and "Club des petits" in (
        refused.plain_text
    )
    # while Alice herself may still sign up for a grown-ups' item at that time
    (details,) = await bot.say(ALICE, "/workshop atelier")
    answer = await bot.press(ALICE, details, f"b:ws:{ref('atelier')}")
    assert answer["text"].startswith("✅ C'est fait")
    s = await standing(bot, "club")
    assert s.ins == (lea.holder,) and s.waiting == ()

    # Capacity counts children: Zoé takes the last place, Sam junior waits
    await bot.press(BOB, await for_whom(bot, BOB, "club"), kid("in", ref("club"), bob_kid.id))
    answer = await bot.press(
        STRANGER, await for_whom(bot, STRANGER, "club"), kid("in", ref("club"), sam_kid.id)
    )
    assert "Sam junior est n°1 sur la liste d'attente" in answer["text"]
    s = await standing(bot, "club")
    assert s.ins == (lea.holder, bob_kid.holder) and s.waiting == (sam_kid.holder,)
    (details,) = await bot.say(ORGANISER, "/workshop club")
    assert "complet, 1 en liste d'attente" in details.plain_text

    # Léa's place is given back: Sam junior's parent is told, naming the child
    mark = bot.emu.observer.mark(STRANGER)
    await bot.press(
        ALICE, bot.emu.observer.message(ALICE, question.message_id), kid("out", ref("club"), lea.id)
    )
    (news,) = await bot.emu.observer.wait_for_messages(STRANGER, 1, after=mark)
    assert news.plain_text.startswith(
        f"🎉 Une place s'est libérée{NNBSP}: Sam junior est inscrit·e à Club des petits <&>"
    )
    assert news.buttons == [("Rendre la place de Sam junior", kid("out", ref("club"), sam_kid.id))]
    s = await standing(bot, "club")
    assert s.ins == (bob_kid.holder, sam_kid.holder) and s.waiting == ()

    # An adult's sign-up button for a kids' item (an old or forged one) is refused
    answer = await forge_press(bot.emu, ORGANISER, details, f"b:ws:{ref('club')}")
    await bot.settle()
    assert "est pour les enfants" in answer["text"]
    assert (await standing(bot, "club")).ins == (bob_kid.holder, sam_kid.holder)


async def test_the_roster_lists_children_with_age_and_parent_and_nothing_leaks(
    week: Harness,
) -> None:
    bot = week
    lea = await add_child(bot, ALICE, "Léa", 6)
    zoe = await add_child(bot, BOB, "Zoé", 5)
    sam_kid = await add_child(bot, STRANGER, "Sam junior", 8)
    await bot.press(ALICE, await for_whom(bot, ALICE, "club"), kid("in", ref("club"), lea.id))
    await bot.press(BOB, await for_whom(bot, BOB, "club"), kid("in", ref("club"), zoe.id))
    await bot.press(
        STRANGER, await for_whom(bot, STRANGER, "club"), kid("in", ref("club"), sam_kid.id)
    )

    (roster,) = await bot.say(MATHILDE, "/participants club")
    text = roster.plain_text
    assert "Enfants inscrits" in text and "2 sur 2" in text
    assert "1. Léa · âge\u202f: 6 · parent\u202f: Alice Martin" in text
    assert "2. Zoé · âge\u202f: 5 · parent\u202f: Bob" in text
    assert "Liste d'attente\u202f: 1" in text and "Sam junior · âge\u202f: 8" in text
    (roster,) = await bot.say(ORGANISER, "/inscrits club")
    assert "Léa" in roster.plain_text
    (refused,) = await bot.say(ALICE, "/participants club")
    assert "Léa" not in refused.plain_text and "Zoé" not in refused.plain_text

    # In the group: the "for whom?" question goes privately; the group only sees counts
    (in_group,) = await bot.say(BOB, "/workshop club", chat_id=GROUP)
    assert "complet" in in_group.plain_text or "full" in in_group.plain_text
    group_mark, bob_mark = bot.emu.observer.mark(GROUP), bot.emu.observer.mark(BOB)
    answer = await bot.press(BOB, in_group, kid("who", ref("club")))
    assert "en privé" in answer["text"] or "privately" in answer["text"]
    (private,) = await bot.emu.observer.wait_for_messages(BOB, 1, after=bob_mark)
    labels = " ".join(label for label, _ in private.buttons)
    assert "Zoé" in labels and "Léa" not in labels + private.plain_text
    assert bot.emu.observer.messages(GROUP)[group_mark:] == []
    # /children in the group: a hint to write privately, never a list
    (hint,) = await bot.say(ALICE, "/children", chat_id=GROUP)
    for name in ("Léa", "Zoé", "Sam junior"):
        assert all(name not in m.plain_text for m in bot.emu.observer.messages(GROUP)), name
    assert hint.plain_text
    # a button only ever offered privately, forged in the group: refused, nothing changed
    answer = await forge_press(bot.emu, ALICE, in_group, kid("out", ref("club"), lea.id))
    await bot.settle()
    assert (await standing(bot, "club")).ins == (lea.holder, zoe.holder)
    # /mine is the parent's own programme: the child's sign-up is in /children
    (mine,) = await bot.say(ALICE, "/mine")
    assert "Club des petits" not in mine.plain_text
    (listing,) = await bot.say(ALICE, "/children")
    assert "✅ Club des petits <&>" in listing.plain_text


async def test_reminders_go_to_the_parent_naming_the_child(
    week: Harness, clock: FrozenClock
) -> None:
    bot = week
    lea = await add_child(bot, ALICE, "Léa", 6)
    tom = await add_child(bot, ALICE, "Tom", 4)
    question = await for_whom(bot, ALICE, "club")
    await bot.press(ALICE, question, kid("in", ref("club"), lea.id))
    await bot.press(
        ALICE, bot.emu.observer.message(ALICE, question.message_id), kid("in", ref("club"), tom.id)
    )
    announcements = bot.services.announcements
    announcements.rules = dataclasses.replace(announcements.rules, enabled=True)
    planned = [
        p
        for p in await announcements.plan()
        if p.kind == "reminder" and p.params["target_id"] == "club" and "child" in p.params
    ]
    assert sorted((p.chat_id, p.params["child"]) for p in planned) == [
        (ALICE, "Léa"),
        (ALICE, "Tom"),
    ]
    texts = []
    for p in planned:
        clock.jump_to(p.due)
        delivery = await announcements.compose(as_row(p))
        assert delivery is not None
        texts.append(re.sub(r"<[^>]+>", "", delivery.reply.text))
    assert any("pour Léa" in t and "Club des petits" in t for t in texts)
    assert any("pour Tom" in t for t in texts)


async def test_an_organisers_change_reaches_each_parent_once_never_a_child(
    week: Harness,
) -> None:
    bot = week
    lea = await add_child(bot, ALICE, "Léa", 6)
    tom = await add_child(bot, ALICE, "Tom", 4)
    zoe = await add_child(bot, BOB, "Zoé", 5)
    question = await for_whom(bot, ALICE, "club")
    await bot.press(ALICE, question, kid("in", ref("club"), lea.id))
    await bot.press(
        ALICE, bot.emu.observer.message(ALICE, question.message_id), kid("in", ref("club"), tom.id)
    )
    await bot.press(BOB, await for_whom(bot, BOB, "club"), kid("in", ref("club"), zoe.id))
    assert (await standing(bot, "club")).waiting == (zoe.holder,)
    marks = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB)}
    changes = bot.services.changes
    # One more place: Zoé moves in, and Bob is told, naming her
    await changes.propose(ORGANISER, Change("club", ChangeKind.CAPACITY, "3"))
    await changes.confirm(ORGANISER)
    await bot.services.outbox.flush()
    (news,) = await bot.emu.observer.wait_for_messages(BOB, 1, after=marks[BOB])
    assert news.plain_text.startswith("🎉 A place freed up: Zoé is signed up for Club des petits")
    assert news.buttons == [("Give back Zoé's place", kid("out", ref("club"), zoe.id))]
    assert (await standing(bot, "club")).ins == (lea.holder, tom.holder, zoe.holder)
    # Fewer places: the preview names the children who would keep theirs, and who would wait
    preview = await changes.propose(ORGANISER, Change("club", ChangeKind.CAPACITY, "2"))
    assert (preview.keep, preview.wait) == (("Léa", "Tom"), ("Zoé",))
    await changes.abandon(ORGANISER)
    # A room move: Alice hears it once for her two children, Bob once
    await changes.propose(ORGANISER, Change("club", ChangeKind.ROOM, "Jardin"))
    await changes.confirm(ORGANISER)
    await bot.services.outbox.flush()
    await bot.settle()
    said = [m.plain_text for m in bot.emu.observer.messages(ALICE)[marks[ALICE] :]]
    assert len([t for t in said if "Jardin" in t]) == 1, said
    said = [m.plain_text for m in bot.emu.observer.messages(BOB)[marks[BOB] :]]
    assert len([t for t in said if "Jardin" in t]) == 1, said
    # Nothing was ever sent to a child's (negative) id, only to people and the group
    chats = {c.params["chat_id"] for c in bot.emu.observer.calls_to("sendMessage")}
    assert {int(c) for c in chats} <= {ALICE, BOB, MATHILDE, ORGANISER, STRANGER, GROUP}


async def test_simultaneous_presses_never_overbook_a_kids_item(week: Harness) -> None:
    bot = week
    parents = list(range(60_000, 60_030))
    kids = []
    async with bot.db.transaction() as conn:
        for n, parent in enumerate(parents):
            await participants_repo.upsert(
                conn,
                user_id=parent,
                first_name=f"Parent {n:02d}",
                last_name=None,
                username=None,
                language="fr",
                now=bot.clock.now(),
            )
            kids.append(
                await children_repo.add(conn, parent, f"Enfant {n:02d}", 5, bot.clock.now())
            )
    for parent in parents:
        bot.emu.cast.add_user(parent, f"Parent {parent}", language_code="fr")
        bot.emu.cast.join_group(GROUP, parent)
        await bot.say(parent, "/children")  # they have written to the bot
    # Every parent has the question in front of them...
    (in_group,) = await bot.say(ALICE, "/workshop club", chat_id=GROUP)
    marks = {p: bot.emu.observer.mark(p) for p in parents}
    queries = [
        await bot.emu.people.press_button(
            p, in_group.message_id, kid("who", ref("club")), chat_id=GROUP
        )
        for p in parents
    ]
    for q in queries:
        await bot.emu.observer.wait_for_callback_answer(q, timeout=60)
    await bot.settle(60)
    questions = {
        p: (await bot.emu.observer.wait_for_messages(p, 1, after=marks[p]))[0] for p in parents
    }
    # ...and they all press at the same moment
    presses = [
        await bot.emu.people.press_button(p, questions[p].message_id, kid("in", ref("club"), k.id))
        for p, k in zip(parents, kids, strict=True)
    ]
    answers = [await bot.emu.observer.wait_for_callback_answer(q, timeout=60) for q in presses]
    await bot.settle(60)
    s = await standing(bot, "club")
    holders = [k.holder for k in kids]
    assert s.ins == tuple(holders[:2])
    assert s.waiting == tuple(holders[2:])
    for k, answer in zip(kids, answers, strict=True):
        if k.holder in s.ins:
            assert answer["text"].startswith(f"✅ {k.first_name} est inscrit·e")
        else:
            found = re.search(r"n°(\d+)", answer["text"])
            assert found is not None and int(found[1]) == s.position(k.holder)


async def test_a_command_ends_the_wait_for_a_name(week: Harness) -> None:
    bot = week
    (listing,) = await bot.say(ALICE, "/children")
    await bot.press(ALICE, listing, kid("add"))
    left, _ = await bot.say(ALICE, "/today", count=2)
    assert "Je n'attends plus de prénom ni d'âge" in left.plain_text
    await bot.say(ALICE, "Léa")  # plain words now, not a child's name
    assert await children_of(bot, ALICE) == []
    # /children again starts afresh, with no word about the flow left
    (listing,) = await bot.say(ALICE, "/enfants")
    assert "Aucun enfant enregistré" in listing.plain_text


async def test_a_parent_who_writes_before_start_is_registered_once_and_stays_reachable(
    bot: Harness,
) -> None:
    """Issue 12: /children before /start registers the parent as anyone is (PeopleService),
    PersonRegistered published once; they wrote in private, so the bot may write to them."""
    await bot.services.programme.import_bytes(PROGRAMME.encode(), "kids.toml")
    seen: list[PersonRegistered] = []

    async def registered(event: PersonRegistered) -> None:
        seen.append(event)

    bot.services.events.subscribe(PersonRegistered, registered)
    async with bot.db.read() as conn:
        assert await participants_repo.get(conn, STRANGER) is None
    lea = await add_child(bot, STRANGER, "Léa", 6)
    await bot.services.bookings.drain()
    assert seen == [PersonRegistered(STRANGER, True)]
    async with (
        bot.db.read() as conn,
        conn.execute("SELECT unreachable FROM participant WHERE user_id = ?", (STRANGER,)) as c,
    ):
        person = await participants_repo.get(conn, STRANGER)
        assert tuple(await c.fetchone() or ()) == (0,)
    assert person is not None and person.first_name == "Sam"
    assert lea.parent_id == STRANGER
    # Known now: a second child, then /start, register nobody new
    await add_child(bot, STRANGER, "Tom", 4)
    await bot.services.bookings.drain()
    assert seen == [PersonRegistered(STRANGER, True)]
    await bot.say(STRANGER, "/start", count=2)
    assert seen == [PersonRegistered(STRANGER, True), PersonRegistered(STRANGER, False)]
    assert [k.first_name for k in await children_of(bot, STRANGER)] == ["Léa", "Tom"]
