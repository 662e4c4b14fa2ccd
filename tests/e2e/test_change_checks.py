"""Issue 16, part 2: /change checks what it changes (rooms, times, places) before it changes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import TargetKind, ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from storage import bookings as bookings_repo
from storage import outbox as outbox_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, PARIS, STRANGER

NB = "\u202f"  # the narrow no-break space of French typography
OWEN = 9002  # an organiser who reads English
ROOMS = (
    "Atelier bois",
    "Bibliothèque",
    "Chapiteau",
    "Cour",
    "Dortoir",
    "Garage",
    "Jardin",
    "Kiosque",
    "Restaurant",
    "Salle Brassens",
    "Salle des Pins",
    "Verger",
)
PROGRAMME = (
    "".join(f'[[room]]\nname = "{name}"\n\n' for name in ROOMS)
    + """
[[workshop]]
id = "accueil"
title = "Accueil"
start = 2026-08-24T09:00:00
end = 2026-08-24T10:00:00
room = "Chapiteau"

[[workshop]]
id = "yoga"
title = "Yoga"
start = 2026-08-25T08:30:00
end = 2026-08-25T09:45:00
room = "Salle des Pins"

[[workshop]]
id = "couleurs"
title = "Atelier couleurs"
start = 2026-08-25T10:00:00
end = 2026-08-25T11:30:00
room = "Salle des Pins"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]
capacity = 3

[[workshop]]
id = "chant"
title = "Atelier chant"
start = 2026-08-25T10:00:00
end = 2026-08-25T11:00:00
room = "Salle Brassens"

[[workshop]]
id = "dejeuner"
title = "Déjeuner"
kind = "meal"
start = 2026-08-25T12:30:00
end = 2026-08-25T13:30:00
room = "Restaurant"

[[workshop]]
id = "velo"
title = "Atelier vélo"
start = 2026-08-25T14:00:00
end = 2026-08-25T15:00:00
room = "Garage"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]
capacity = 1

[[workshop]]
id = "pleniere"
title = "Plénière"
start = 2026-08-26T09:00:00
end = 2026-08-26T10:00:00
room = "Chapiteau"

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-25T15:00:00
end = 2026-08-25T15:30:00
places = 2
"""
)
START = datetime(2026, 8, 24, 7, 45, tzinfo=PARIS)  # Monday morning


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
async def week(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    emu.cast.add_user(OWEN, "Owen", language_code="en")
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER, OWEN], "announce_chat_id": GROUP},
        extra={"announcements": {"enabled": False}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        for user in (ALICE, BOB, MATHILDE, ORGANISER, STRANGER, OWEN):
            await bot.say(user, "/start")
        yield bot


def texts(bot: Harness, chat: int, since: int = 0) -> list[str]:
    return [m.plain_text for m in bot.emu.observer.messages(chat)[since:]]


async def sign_up(bot: Harness, user: int, item: str) -> str:
    (details,) = await bot.say(user, f"/workshop {item}")
    answer = await bot.press(user, details, f"b:ws:{ref(item)}")
    return str(answer.get("text", ""))


async def step(bot: Harness, user: int, item: str, kind: str) -> SentMessage:
    """Open /change for an item and choose what changes; give the message of the next step."""
    (menu,) = await bot.say(user, f"/change {item}")
    await bot.press(user, menu, f"ch:k:{ref(item)}:{kind}")
    return bot.emu.observer.message(user, menu.message_id)


async def pressed(bot: Harness, user: int, message: SentMessage, data: str) -> SentMessage:
    """Press a button and give the message as the press left it."""
    await bot.press(user, message, data)
    return bot.emu.observer.message(user, message.message_id)


async def item(bot: Harness, item_id: str) -> tuple[str | None, datetime, int | None]:
    found = await bot.services.agenda.by_id(item_id)
    return found.room, found.start, found.capacity


async def confirmed(bot: Harness, user: int, preview: SentMessage, data: str = "ch:ok") -> str:
    await bot.press(user, preview, data)
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    return bot.emu.observer.message(user, preview.message_id).plain_text


# 1. A room taken at that time


async def test_a_room_taken_at_that_time_needs_yes_share_the_room(week: Harness) -> None:
    bot = week
    rooms = await step(bot, MATHILDE, "couleurs", "room")
    second = await pressed(bot, MATHILDE, rooms, f"ch:p:{ref('couleurs')}:1")
    brassens: str = dict(second.buttons)["Salle Brassens"]  # type: ignore[assignment]  # a callback button
    preview = await pressed(bot, MATHILDE, second, brassens)
    assert preview.plain_text == (
        "✏️ Atelier couleurs\n"
        "nouvelle salle\u202f: 📍 Salle Brassens (au lieu de Salle des Pins).\n\n"
        "Je préviendrai 0 personne inscrite ou en attente.\n"
        "Et je le dirai dans le groupe.\n\n"
        f"⚠️ À ce moment-là, Salle Brassens accueille déjà{NB}:\n"
        "• Atelier chant (10:00–11:00)\n"
        "Confirmez seulement si vous partagez la salle."
    )
    assert preview.buttons == [("🤝 Oui, partager la salle", "ch:sh"), ("Annuler", "ch:no")]
    # A plain Confirm (a forged or an old button) is refused and changes nothing
    refused = await forge_press(bot.emu, MATHILDE, preview, "ch:ok")
    assert refused["text"] == (
        f"📍 À ce moment-là, Salle Brassens accueille déjà «{NB}Atelier chant{NB}»{NB}: "
        "rien n'a changé. Pour partager la salle, recommencez et choisissez "
        f"«{NB}Oui, partager la salle{NB}»."
    )
    await bot.settle()
    assert (await item(bot, "couleurs"))[0] == "Salle des Pins"
    # The explicit yes moves it
    group = bot.emu.observer.mark(GROUP)
    done = await confirmed(bot, MATHILDE, preview, "ch:sh")
    assert done == "✅ C'est fait. 0 personne prévenue."
    assert (await item(bot, "couleurs"))[0] == "Salle Brassens"
    assert texts(bot, GROUP, group) == [
        "📢 Changement pour Atelier couleurs\u202f: nouvelle salle\u202f: 📍 Salle Brassens "
        "(au lieu de Salle des Pins)."
    ]


async def test_a_free_room_is_confirmed_plainly_and_a_meal_occupies_its_room(
    week: Harness,
) -> None:
    bot = week
    rooms = await step(bot, MATHILDE, "couleurs", "room")
    chapiteau: str = dict(rooms.buttons)["Chapiteau"]  # type: ignore[assignment]  # a callback button
    preview = await pressed(bot, MATHILDE, rooms, chapiteau)
    assert "accueille déjà" not in preview.plain_text
    assert preview.buttons == [("✅ Confirmer", "ch:ok"), ("Annuler", "ch:no")]
    await bot.press(MATHILDE, preview, "ch:no")
    # The bike workshop into the restaurant at 14:00, after lunch: free
    await step(bot, ORGANISER, "velo", "room")
    (preview,) = await bot.say(ORGANISER, "Restaurant")
    assert "nouvelle salle\u202f: 📍 Restaurant" in preview.plain_text
    assert "accueille déjà" not in preview.plain_text
    # Atelier couleurs two hours later, 12:00-13:30: its room is free then, so no question
    await step(bot, ORGANISER, "couleurs", "shift")
    (moved,) = await bot.say(ORGANISER, "+120")
    assert "accueille déjà" not in moved.plain_text
    await confirmed(bot, ORGANISER, moved)
    assert (await item(bot, "couleurs"))[1] == at(25, 12)
    # ... but lunch holds the restaurant from 12:30: a meal occupies its room
    await step(bot, ORGANISER, "couleurs", "room")
    (preview,) = await bot.say(ORGANISER, "restaurant")
    assert (
        f"⚠️ À ce moment-là, Restaurant accueille déjà{NB}:\n• Déjeuner (12:30–13:30)"
        in preview.plain_text
    )
    assert ("🤝 Oui, partager la salle", "ch:sh") in preview.buttons


async def test_a_taken_room_in_english(week: Harness) -> None:
    bot = week
    rooms = await step(bot, OWEN, "couleurs", "room")
    assert rooms.plain_text.startswith("📍 Which room? Choose one, or write its name")
    (preview,) = await bot.say(OWEN, "salle brasens")  # a typo, forgiven
    assert preview.plain_text == (
        "✏️ Atelier couleurs\n"
        "new room: 📍 Salle Brassens (instead of Salle des Pins).\n\n"
        "I will tell 0 people signed up or waiting.\n"
        "And I will say it in the group.\n\n"
        "⚠️ Salle Brassens is already taken at that time by:\n"
        "• Atelier chant (10:00–11:00)\n"
        "Only confirm if you share the room."
    )
    assert preview.buttons == [("🤝 Yes, share the room", "ch:sh"), ("Cancel", "ch:no")]
    refused = await forge_press(bot.emu, OWEN, preview, "ch:ok")
    assert refused["text"] == (
        '📍 Salle Brassens is already taken at that time ("Atelier chant"): nothing changed. '
        'To share the room, start again and choose "Yes, share the room".'
    )
    await bot.settle()
    assert (await item(bot, "couleurs"))[0] == "Salle des Pins"


# 2. A new time, checked against the room and the people's other commitments


async def test_a_new_time_counts_the_people_busy_then(week: Harness) -> None:
    bot = week
    assert await sign_up(bot, ALICE, "couleurs")
    assert await sign_up(bot, BOB, "couleurs")
    assert await sign_up(bot, STRANGER, "couleurs")
    assert await sign_up(bot, ALICE, "velo")  # Tuesday 14:00-15:00, its one place
    assert await sign_up(bot, STRANGER, "velo")  # the waiting list counts too
    for user in (BOB, STRANGER):  # the dishes, 15:00-15:30
        await bot.services.bookings.sign_up(user, TargetKind.ROTA, ref("r1"))
    shift = await step(bot, MATHILDE, "couleurs", "shift")
    assert shift.plain_text == (
        f"🕙 Nouvel horaire{NB}? Choisissez un décalage, ou écrivez-le{NB}: +90, -15, "
        "14:30 (même jour), mercredi 10:00 ou 26/08 10:00."
    )
    (preview,) = await bot.say(MATHILDE, "14:30")
    assert preview.plain_text == (
        "✏️ Atelier couleurs\n"
        "nouvel horaire, mardi 25 août, 14:30–16:00 (décalé de 270 min).\n\n"
        "Je préviendrai 3 personnes inscrites ou en attente.\n"
        "Et je le dirai dans le groupe.\n"
        f"⚠️ Déjà pris ailleurs à ce moment-là{NB}: 3 personnes inscrites ou en attente.\n"
        f"⚠️ Déjà pris ailleurs à ce moment-là{NB}: 1 animateur·rice de l'atelier."
    )
    for name in ("Alice", "Bob", "Sam", "Vaisselle", "vélo"):
        assert name not in preview.plain_text
    assert preview.buttons == [("✅ Confirmer", "ch:ok"), ("Annuler", "ch:no")]
    # An hour and a half later: lunch is not a sign-up, nobody is busy
    shift = await step(bot, MATHILDE, "couleurs", "shift")
    (preview,) = await bot.say(MATHILDE, "+90")
    assert preview.plain_text.splitlines()[1] == (
        "nouvel horaire, mardi 25 août, 11:30–13:00 (décalé de 90 min)."
    )
    assert preview.plain_text.splitlines()[-1] == (
        "✅ Aucune personne inscrite ou en attente n'a autre chose à ce moment-là."
    )
    # Half an hour earlier: the Yoga is still in the room (until 09:45)
    shift = await step(bot, MATHILDE, "couleurs", "shift")
    preview = await pressed(bot, MATHILDE, shift, f"ch:s:{ref('couleurs')}:-30")
    assert (
        f"⚠️ À ce moment-là, Salle des Pins accueille déjà{NB}:\n• Yoga (08:30–09:45)"
        in preview.plain_text
    )
    assert preview.buttons[0] == ("🤝 Oui, partager la salle", "ch:sh")
    # Running late is checked too: Sam, waiting for the bike workshop, does the dishes at 15:00
    await step(bot, MATHILDE, "velo", "late")
    (preview,) = await bot.say(MATHILDE, "30")
    assert "30 min de retard\u202f: ça commence mardi 25 août, 14:30–15:30." in preview.plain_text
    assert (
        f"⚠️ Déjà pris ailleurs à ce moment-là{NB}: 1 personne inscrite ou en attente."
        in preview.plain_text
    )


async def test_a_new_time_in_english(week: Harness) -> None:
    bot = week
    assert await sign_up(bot, ALICE, "couleurs")
    assert await sign_up(bot, ALICE, "velo")
    shift = await step(bot, OWEN, "couleurs", "shift")
    assert shift.plain_text.startswith("🕙 New time? Choose a shift, or write it: +90, -15")
    (preview,) = await bot.say(OWEN, "soonish")
    assert preview.plain_text == (
        "I did not understand that time. Write e.g. +90, -15, 14:30, Wednesday 10:00 "
        "or 26/08 10:00. Nothing changed."
    )
    (preview,) = await bot.say(OWEN, "sunday 10:00")
    assert preview.plain_text == (
        "That day is outside the programme (24/08 to 26/08): nothing changed."
    )
    (preview,) = await bot.say(OWEN, "2:30 pm")
    assert "⚠️ Busy elsewhere at that time: 1 person signed up or waiting." in (preview.plain_text)
    assert "⚠️ Busy elsewhere at that time: 1 facilitator of the workshop." in (preview.plain_text)
    shift = await step(bot, OWEN, "couleurs", "shift")
    (preview,) = await bot.say(OWEN, "+60")
    assert "✅ Nobody signed up or waiting has anything else at that time." in preview.plain_text


# 3. Shifts typed


async def test_typed_shifts_and_moves_to_another_day(week: Harness) -> None:
    bot = week
    cases = (
        ("+90", at(25, 11, 30)),
        ("-15", at(25, 9, 45)),
        ("+1h30", at(25, 11, 30)),
        ("45", at(25, 10, 45)),
        ("14:30", at(25, 14, 30)),
        ("16h", at(25, 16)),
        ("4 pm", at(25, 16)),
        ("mercredi 10:00", at(26, 10)),
        ("Mercredi à 10h", at(26, 10)),
        ("26/08 10:00", at(26, 10)),
        ("26 août 9h30", at(26, 9, 30)),
        ("lundi 16:00", at(24, 16)),
    )
    for typed, start in cases:
        await step(bot, ORGANISER, "couleurs", "shift")
        (preview,) = await bot.say(ORGANISER, typed)
        assert ("✅ Confirmer", "ch:ok") in preview.buttons, (typed, preview.plain_text)
        minutes = int((start - at(25, 10)).total_seconds() // 60)
        if start.day == 25:
            says = f"nouvel horaire, mardi 25 août, {start:%H:%M}–"
            assert f"{says}" in preview.plain_text, (typed, preview.plain_text)
            assert f"(décalé de {minutes} min)" in preview.plain_text, (typed, preview.plain_text)
        else:
            weekday = "lundi" if start.day == 24 else "mercredi"
            says = f"nouveau jour, nouvel horaire{NB}: {weekday} {start.day} août, {start:%H:%M}–"
            assert says in preview.plain_text, (typed, preview.plain_text)
    await bot.press(ORGANISER, preview, "ch:ok")
    assert (await item(bot, "couleurs"))[1] == at(24, 16)
    alice = bot.emu.observer.mark(ALICE)
    assert await sign_up(bot, ALICE, "couleurs")
    await step(bot, ORGANISER, "couleurs", "shift")
    (preview,) = await bot.say(ORGANISER, "mercredi 10:00")
    assert f"nouveau jour, nouvel horaire{NB}: mercredi 26 août, 10:00–11:30." in (
        preview.plain_text
    )
    await confirmed(bot, ORGANISER, preview)
    assert (await item(bot, "couleurs"))[1] == at(26, 10)
    assert texts(bot, ALICE, alice)[-1] == (
        f"📢 Changement pour Atelier couleurs\u202f: nouveau jour, nouvel horaire{NB}: "
        "mercredi 26 août, 10:00–11:30."
    )


async def test_a_bad_time_changes_nothing_and_says_why(week: Harness) -> None:
    bot = week
    await step(bot, MATHILDE, "couleurs", "shift")
    refusals = (
        (
            "dimanche 10:00",
            f"Ce jour est hors du programme (du 24/08 au 26/08){NB}: rien n'a changé.",
        ),
        ("27/08 10:00", f"Ce jour est hors du programme (du 24/08 au 26/08){NB}: rien n'a changé."),
        (
            "31/02 10:00",
            f"Je ne reconnais pas le jour «{NB}31/02{NB}». Écrivez par exemple mercredi 10:00 "
            "ou 26/08 10:00. Rien n'a changé.",
        ),
        (
            "n'importe quand",
            "Je n'ai pas compris cet horaire. Écrivez par exemple +90, -15, 14:30, "
            "mercredi 10:00 ou 26/08 10:00. Rien n'a changé.",
        ),
        ("25:00", "Je n'ai pas compris cet horaire."),
        ("+2000", "Il me faut un nombre de minutes"),
        ("0", "Il me faut un nombre de minutes"),
        ("10:00", f"C'est déjà son horaire{NB}: rien à changer."),
    )
    for typed, said in refusals:
        # the flow keeps waiting for a time after each refusal
        (answer,) = await bot.say(MATHILDE, typed)
        assert answer.plain_text.startswith(said), (typed, answer.plain_text)
        assert answer.buttons == []
    assert (await item(bot, "couleurs"))[1] == at(25, 10)
    await step(bot, MATHILDE, "couleurs", "late")
    (answer,) = await bot.say(MATHILDE, "-10")
    assert answer.plain_text.startswith("Il me faut un nombre de minutes")
    assert "un retard ne peut pas être négatif" in answer.plain_text
    (preview,) = await bot.say(MATHILDE, "20")
    assert "20 min de retard" in preview.plain_text
    async with bot.db.read() as conn:
        assert await outbox_repo.rows(conn, kinds=["change"]) == []


async def test_a_forged_shift_to_a_day_outside_the_week_is_refused(week: Harness) -> None:
    bot = week
    shift = await step(bot, MATHILDE, "couleurs", "shift")
    answer = await forge_press(bot.emu, MATHILDE, shift, f"ch:s:{ref('couleurs')}:4320")
    assert (
        answer["text"] == f"Ce jour est hors du programme (du 24/08 au 26/08){NB}: rien n'a changé."
    )
    await bot.settle()
    assert (await item(bot, "couleurs"))[1] == at(25, 10)


# 4. Every room reachable


async def test_every_room_is_reachable_by_page_or_by_name(week: Harness) -> None:
    bot = week
    menu = await step(bot, MATHILDE, "couleurs", "room")
    first: list[tuple[str, str]] = list(menu.buttons)  # type: ignore[arg-type]  # callback buttons
    assert menu.plain_text == (
        f"📍 Dans quelle salle{NB}? Choisissez, ou écrivez son nom (même approximatif) ou celui "
        "d'un autre lieu.\nPage 1 sur 2"
    )
    code = ref("couleurs")
    assert first[-2:] == [
        ("Suivantes ▶️", f"ch:p:{code}:1"),
        ("✍️ Autre lieu", f"ch:t:{code}"),
    ]
    turned = await pressed(bot, MATHILDE, menu, f"ch:p:{code}:1")
    assert turned.plain_text.endswith("Page 2 sur 2")
    second: list[tuple[str, str]] = list(turned.buttons)  # type: ignore[arg-type]  # callback buttons
    assert second[-2:] == [
        ("◀️ Précédentes", f"ch:p:{code}:0"),
        ("✍️ Autre lieu", f"ch:t:{code}"),
    ]
    shown = [label for page in (first, second) for label, data in page if ":r:" in data]
    # 8 a page, every room but the one it is in, each once
    assert len([d for _, d in first if ":r:" in d]) == 8
    assert sorted(shown) == sorted(r for r in ROOMS if r != "Salle des Pins")
    for page in (first, second):
        assert all(len(data.encode()) <= 64 for _, data in page)
    back = await pressed(bot, MATHILDE, menu, f"ch:p:{code}:0")
    assert back.buttons == first
    # A room typed right on the list's step, typos and accents forgiven
    (preview,) = await bot.say(MATHILDE, "bibliotheque")
    assert (
        "nouvelle salle\u202f: 📍 Bibliothèque (au lieu de Salle des Pins)." in preview.plain_text
    )
    await step(bot, MATHILDE, "couleurs", "room")
    (preview,) = await bot.say(MATHILDE, "kiosqe")
    assert "📍 Kiosque (au lieu de" in preview.plain_text
    # The room it is in already: nothing to change
    await step(bot, MATHILDE, "couleurs", "room")
    (same,) = await bot.say(MATHILDE, "salle des pins")
    assert same.plain_text == f"L'atelier est déjà à 📍 Salle des Pins{NB}: rien à changer."
    # A place that is no room of the week is taken as written
    await step(bot, MATHILDE, "couleurs", "room")
    (preview,) = await bot.say(MATHILDE, "Sous le grand chêne")
    assert "📍 Sous le grand chêne (au lieu de" in preview.plain_text
    assert await confirmed(bot, MATHILDE, preview) == "✅ C'est fait. 0 personne prévenue."
    assert (await item(bot, "couleurs"))[0] == "Sous le grand chêne"


# 5. Fewer places than people signed up


async def test_fewer_places_keep_the_first_and_queue_the_others(week: Harness) -> None:
    bot = week
    for user in (ALICE, BOB, STRANGER):
        assert await sign_up(bot, user, "couleurs")
    assert await sign_up(bot, ORGANISER, "couleurs")  # full: the waiting list
    marks = {u: bot.emu.observer.mark(u) for u in (ALICE, BOB, STRANGER, ORGANISER)}
    places = await step(bot, MATHILDE, "couleurs", "cap")
    assert places.plain_text.startswith("🎟 Combien de places")
    (preview,) = await bot.say(MATHILDE, "1")
    assert preview.plain_text == (
        "✏️ Atelier couleurs\n"
        "1 place en tout désormais.\n\n"
        "Je préviendrai 4 personnes inscrites ou en attente.\n"
        "Et je le dirai dans le groupe.\n\n"
        f"🎟 1 place pour 3 inscrit·es{NB}:\n"
        f"✅ Gardent leur place (par ordre d'inscription){NB}: Alice Martin\n"
        f"⏳ Passent en tête de la liste d'attente{NB}: Bob, Sam"
    )
    assert preview.buttons == [("✅ Confirmer", "ch:ok"), ("Annuler", "ch:no")]
    # Nothing moved before the confirmation
    async with bot.db.read() as conn:
        target = await bot.services.bookings.target(TargetKind.WORKSHOP, ref("couleurs"))
        before = await bookings_repo.standing(conn, target)
    assert (before.ins, before.waiting) == ((ALICE, BOB, STRANGER), (ORGANISER,))
    assert await confirmed(bot, MATHILDE, preview) == "✅ C'est fait. 4 personnes prévenues."
    async with bot.db.read() as conn:
        target = await bot.services.bookings.target(TargetKind.WORKSHOP, ref("couleurs"))
        after = await bookings_repo.standing(conn, target)
    assert (after.ins, after.waiting) == ((ALICE,), (BOB, STRANGER, ORGANISER))
    notice = "📢 Changement pour Atelier couleurs\u202f: 1 place en tout désormais."
    assert texts(bot, ALICE, marks[ALICE]) == [notice + "\n✅ Vous gardez votre place."]
    assert texts(bot, BOB, marks[BOB]) == [
        "📢 Change for Atelier couleurs: 1 place in all from now on.\n"
        "⏳ There are fewer places now: you are on the waiting list, number 1. "
        "I will tell you if a place frees up."
    ]
    assert texts(bot, STRANGER, marks[STRANGER]) == [
        notice + f"\n⏳ Il y a moins de places{NB}: vous passez sur la liste d'attente, "
        "en position 2. Je vous préviens si une place se libère."
    ]
    assert texts(bot, ORGANISER, marks[ORGANISER]) == [notice]
    # Each is told once: the queue's keys are the change's and the person's
    async with bot.db.read() as conn:
        keys = [r.key for r in await outbox_repo.rows(conn, kinds=["change"])]
    assert len(keys) == len(set(keys)) == 5  # four people and the group
    again = await forge_press(bot.emu, MATHILDE, preview, "ch:ok")
    assert again["text"].startswith("Il n'y a rien à confirmer")
    (listing,) = await bot.say(MATHILDE, "/participants couleurs")
    assert "1 inscrit·e sur 1" in listing.plain_text
    # No place is left over: the next to ask waits behind the others
    assert "you are #4 on the waiting list" in await sign_up(bot, OWEN, "couleurs")
    async with bot.db.read() as conn:
        full = await bookings_repo.standing(conn, target)
    assert (full.ins, full.waiting) == ((ALICE,), (BOB, STRANGER, ORGANISER, OWEN))
    # The place Alice gives back goes to the head of the queue: Bob
    bob = bot.emu.observer.mark(BOB)
    (mine,) = await bot.say(ALICE, "/workshop couleurs")
    await bot.press(ALICE, mine, f"b:wc:{ref('couleurs')}")
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    assert texts(bot, BOB, bob)[0].startswith("🎉")


async def test_places_that_make_no_sense_are_refused(week: Harness) -> None:
    bot = week
    assert await sign_up(bot, ALICE, "couleurs")
    await step(bot, MATHILDE, "couleurs", "cap")
    for typed in ("-3", "10000", "10 000", "0", "beaucoup"):
        (answer,) = await bot.say(MATHILDE, typed)
        assert answer.plain_text == f"Il me faut un nombre de places entre 1 et 1{NB}000.", typed
    (preview,) = await bot.say(MATHILDE, "1000")  # the flow still waits for the number
    assert "1\u202f000 places en tout désormais." in preview.plain_text
    assert "🎟 1\u202f000 places pour" not in preview.plain_text  # nobody loses a place
    assert (await item(bot, "couleurs"))[2] == 3
    await step(bot, OWEN, "couleurs", "cap")
    (answer,) = await bot.say(OWEN, "-3")
    assert answer.plain_text == "I need a number of places between 1 and 1,000."


async def test_fewer_places_in_english(week: Harness) -> None:
    bot = week
    assert await sign_up(bot, BOB, "couleurs")
    assert await sign_up(bot, ALICE, "couleurs")
    await step(bot, OWEN, "couleurs", "cap")
    (preview,) = await bot.say(OWEN, "1")
    assert preview.plain_text.endswith(
        "🎟 1 place for 2 signed up:\n"
        "✅ Keep their place (in sign-up order): Bob\n"
        "⏳ Move to the head of the waiting list: Alice Martin"
    )
