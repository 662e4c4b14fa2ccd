"""Issue 4: sign-ups, waiting lists, clashes, /mine, /participants and the rota, end to end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import Standing, TargetKind, ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from storage import bookings as bookings_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, PARIS, STRANGER

PROGRAMME = """
[[workshop]]
id = "a"
title = "Atelier A"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Salle des Pins"
capacity = 2

[[workshop]]
id = "b"
title = "Atelier B"
start = 2026-08-24T10:30:00
end = 2026-08-24T11:30:00
room = "Chapiteau"
capacity = 5

[[workshop]]
id = "c"
title = "Atelier C <&>"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Plage"
facilitators = ["Mathilde Garnier"]
telegram = ["@mathilde_g"]
capacity = 3

[[workshop]]
id = "d"
title = "Plénière"
kind = "plenary"
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-24T14:00:00
end = 2026-08-24T14:30:00
places = 2

[[rota]]
id = "r2"
area = "Salle commune"
start = 2026-08-24T14:15:00
end = 2026-08-24T14:45:00
places = 2
"""


@pytest.fixture
async def week(bot: Harness) -> Harness:
    await bot.services.programme.import_bytes(PROGRAMME.encode(), "test.toml")
    for user in (ALICE, BOB, MATHILDE, ORGANISER, STRANGER):
        await bot.say(user, "/start", count=2)
    return bot


def data(op: str, target_id: str) -> str:
    return f"b:{op}:{ref(target_id)}"


async def details(bot: Harness, user: int, item: str) -> SentMessage:
    (reply,) = await bot.say(user, f"/workshop {item}")
    return reply


async def standing(
    bot: Harness, target_id: str, kind: TargetKind = TargetKind.WORKSHOP
) -> Standing:
    target = await bot.services.bookings.target(kind, ref(target_id))
    async with bot.db.read() as conn:
        return await bookings_repo.standing(conn, target)


async def test_sign_up_until_full_then_waiting_list_then_promotion(week: Harness) -> None:
    bot = week
    message = await details(bot, ALICE, "a")
    assert ("✍️ S'inscrire", data("ws", "a")) in message.buttons
    answer = await bot.press(ALICE, message, data("ws", "a"))
    assert answer["text"] == "✅ C'est fait\u202f: vous êtes inscrit·e à «\u202fAtelier A\u202f»."
    # the pressed message now offers to cancel
    assert ("❌ Me désinscrire", data("wc", "a")) in bot.emu.observer.message(
        ALICE, message.message_id
    ).buttons

    await bot.press(ORGANISER, await details(bot, ORGANISER, "a"), data("ws", "a"))
    bob_view = await details(bot, BOB, "a")
    assert "🎟 full" in bob_view.plain_text
    assert ("⏳ Waiting list (#1)", data("ws", "a")) in bob_view.buttons
    answer = await bot.press(BOB, bob_view, data("ws", "a"))
    assert answer["text"].startswith("⏳ It is full: you are #1 on the waiting list")
    sam_view = await details(bot, STRANGER, "a")
    assert "complet, 1 en liste d'attente" in sam_view.plain_text
    await bot.press(STRANGER, sam_view, data("ws", "a"))

    s = await standing(bot, "a")
    assert s.ins == (ALICE, ORGANISER) and s.waiting == (BOB, STRANGER)

    # Alice cancels: Bob, first in the queue, gets the place and is told at once
    mark = bot.emu.observer.mark(BOB)
    answer = await bot.press(
        ALICE, bot.emu.observer.message(ALICE, message.message_id), data("wc", "a")
    )
    assert answer["text"] == "C'est noté, vous n'êtes plus inscrit·e à «\u202fAtelier A\u202f»."
    (told,) = await bot.emu.observer.wait_for_messages(BOB, 1, after=mark)
    assert told.plain_text.startswith(
        "🎉 A place freed up: you are signed up for Atelier A "
        "(Monday 24 August, 10:00–12:00, Salle des Pins)."
    )
    assert told.buttons == [("Give my place back", data("wc", "a"))]
    s = await standing(bot, "a")
    assert s.ins == (ORGANISER, BOB) and s.waiting == (STRANGER,)

    # Bob gives it back from that message: the next in the queue moves up
    mark = bot.emu.observer.mark(STRANGER)
    await bot.press(BOB, told, data("wc", "a"))
    (told_sam,) = await bot.emu.observer.wait_for_messages(STRANGER, 1, after=mark)
    assert told_sam.plain_text.startswith("🎉 Une place s'est libérée")
    assert (await standing(bot, "a")).ins == (ORGANISER, STRANGER)


async def test_a_double_tap_does_nothing_the_second_time(week: Harness) -> None:
    bot = week
    message = await details(bot, ALICE, "b")
    first = await forge_press(bot.emu, ALICE, message, data("ws", "b"))
    second = await forge_press(bot.emu, ALICE, message, data("ws", "b"))
    await bot.settle()
    assert first["text"].startswith("✅")
    assert second["text"] == "Vous êtes déjà inscrit·e à «\u202fAtelier B\u202f»."
    assert (await standing(bot, "b")).ins == (ALICE,)


async def test_sign_ups_close_after_the_grace_period(week: Harness) -> None:
    bot = week
    bot.clock.jump_to(datetime(2026, 8, 24, 10, 9, tzinfo=PARIS))  # type: ignore[attr-defined]
    message = await details(bot, ALICE, "a")
    answer = await bot.press(ALICE, message, data("ws", "a"))
    assert answer["text"].startswith("✅")
    bot.clock.jump_to(datetime(2026, 8, 24, 10, 11, tzinfo=PARIS))  # type: ignore[attr-defined]
    view = await details(bot, BOB, "a")
    assert view.buttons == []  # no sign-up button any more
    answer = await forge_press(bot.emu, BOB, view, data("ws", "a"))  # an old button
    assert answer["text"] == 'Sign-ups for "Atelier A" are closed.'
    assert (await standing(bot, "a")).ins == (ALICE,)


async def test_a_clash_offers_a_switch_done_in_one_step(week: Harness) -> None:
    bot = week
    await bot.press(ALICE, await details(bot, ALICE, "a"), data("ws", "a"))
    await bot.press(ORGANISER, await details(bot, ORGANISER, "a"), data("ws", "a"))
    await bot.press(BOB, await details(bot, BOB, "a"), data("ws", "a"))  # waiting
    message = await details(bot, ALICE, "b")
    mark = bot.emu.observer.mark(ALICE)
    answer = await bot.press(ALICE, message, data("ws", "b"))
    assert answer["text"] == "⚠️ Conflit d'horaire\u202f: voyez le message ci-dessous."
    (offer,) = bot.emu.observer.messages(ALICE)[mark:]
    assert offer.plain_text.startswith(
        "⚠️ «\u202fAtelier B\u202f» (10:30–11:30) tombe en même "
        "temps que\u202f:\n• Atelier A (10:00–12:00)"
    )
    assert offer.buttons == [
        ("🔁 Changer pour «\u202fAtelier B\u202f»", data("wx", "b")),
        ("Garder mon programme", "b:keep"),
    ]
    assert (await standing(bot, "b")).ins == ()  # nothing changed yet
    answer = await bot.press(ALICE, offer, data("wx", "b"))
    assert answer["text"].startswith(
        "🔁 C'est fait\u202f: vous avez quitté «\u202fAtelier A\u202f»"
    )
    assert (await standing(bot, "b")).ins == (ALICE,)
    assert (await standing(bot, "a")).ins == (ORGANISER, BOB)  # Bob promoted in the same step
    # pressing "keep" on another clash leaves everything as it was
    message = await details(bot, ALICE, "a")
    mark = bot.emu.observer.mark(ALICE)
    await bot.press(ALICE, message, data("ws", "a"))
    (offer,) = bot.emu.observer.messages(ALICE)[mark:]
    await bot.press(ALICE, offer, "b:keep")
    assert (
        bot.emu.observer.message(ALICE, offer.message_id).plain_text == "D'accord, rien ne change."
    )
    assert (await standing(bot, "b")).ins == (ALICE,)
    assert ALICE not in (await standing(bot, "a")).waiting


async def test_a_place_on_a_waiting_list_counts_as_a_clash(week: Harness) -> None:
    # Bob waits for A; signing up for B at the same time would later put him in both
    bot = week
    await bot.press(ALICE, await details(bot, ALICE, "a"), data("ws", "a"))
    await bot.press(ORGANISER, await details(bot, ORGANISER, "a"), data("ws", "a"))
    await bot.press(BOB, await details(bot, BOB, "a"), data("ws", "a"))  # waiting
    mark = bot.emu.observer.mark(BOB)
    await bot.press(BOB, await details(bot, BOB, "b"), data("ws", "b"))
    (offer,) = bot.emu.observer.messages(BOB)[mark + 1 :]
    assert offer.plain_text == (  # Bob reads English
        '⚠️ "Atelier B" (10:30–11:30) is at the same time as:\n'
        "• Atelier A (10:00–12:00), where you are on the waiting list\n\nDo you want to switch?"
    )
    assert (await standing(bot, "b")).ins == ()
    await bot.press(BOB, offer, data("wx", "b"))  # he switches: he leaves A's list
    assert (await standing(bot, "b")).ins == (BOB,)
    assert (await standing(bot, "a")).waiting == ()
    await bot.press(ALICE, await details(bot, ALICE, "a"), data("wc", "a"))
    assert BOB not in (await standing(bot, "a")).ins


async def test_a_rota_waiting_list_place_is_shown_as_such_with_a_way_out(week: Harness) -> None:
    bot = week
    (alice_rota,) = await bot.say(ALICE, "/rota")
    (bob_rota,) = await bot.say(BOB, "/rota")
    (org_rota,) = await bot.say(ORGANISER, "/rota")
    await bot.press(ALICE, alice_rota, data("rs", "r1"))
    await bot.press(ORGANISER, org_rota, data("rs", "r1"))
    answer = await bot.press(BOB, bob_rota, data("rs", "r1"))  # a stale message: he waits
    assert (await standing(bot, "r1", TargetKind.ROTA)).waiting == (BOB,), answer
    (mine,) = await bot.say(BOB, "/mine")
    assert "14:00–14:30 🧹 Vaisselle · ⏳ waiting list, #1" in mine.plain_text
    assert all(not str(d).startswith("b:ro:") for _, d in mine.buttons)  # no "I can't make it"
    (leave,) = [d for _, d in mine.buttons if d == data("rc", "r1")]
    await bot.press(BOB, mine, leave)
    assert (await standing(bot, "r1", TargetKind.ROTA)).waiting == ()


async def test_a_facilitator_cannot_switch_away_from_their_own_workshop(week: Harness) -> None:
    bot = week
    mark = bot.emu.observer.mark(MATHILDE)
    await bot.press(MATHILDE, await details(bot, MATHILDE, "b"), data("ws", "b"))
    (warning,) = bot.emu.observer.messages(MATHILDE)[mark + 1 :]
    assert "tombe pendant un atelier que vous animez" in warning.plain_text
    assert "Atelier C <&>" in warning.plain_text
    assert warning.buttons == []
    assert (await standing(bot, "b")).ins == ()


async def test_mine_shows_sign_ups_waiting_rota_and_facilitating(week: Harness) -> None:
    bot = week
    await bot.press(ALICE, await details(bot, ALICE, "a"), data("ws", "a"))
    await bot.press(BOB, await details(bot, BOB, "a"), data("ws", "a"))
    await bot.press(MATHILDE, await details(bot, MATHILDE, "a"), data("ws", "a"))  # clash: runs c
    (rota,) = await bot.say(MATHILDE, "/rota")
    await bot.press(MATHILDE, rota, data("rs", "r1"))
    await bot.press(ORGANISER, await details(bot, ORGANISER, "a"), data("ws", "a"))  # waiting #1
    (mine,) = await bot.say(ORGANISER, "/mine")
    assert "10:00–12:00 Atelier A · 📍 Salle des Pins · ⏳ liste d'attente, n°1" in mine.plain_text
    (mine,) = await bot.say(MATHILDE, "/mine")
    text = mine.plain_text
    assert text.startswith("🗓 Votre programme\n\nLundi 24 août".replace("Lundi", "lundi"))
    assert "10:00–12:00 🎤 Atelier C <&> · 📍 Plage · vous animez" in text
    assert "14:00–14:30 🧹 Vaisselle" in text
    assert ("🙋 Je ne peux pas\u202f: Vaisselle 14:00", data("ro", "r1")) in mine.buttons
    (empty,) = await bot.say(STRANGER, "/mine")
    assert empty.plain_text.startswith("Rien de prévu pour vous cette semaine.")


async def test_participants_only_for_the_facilitators_and_organisers(week: Harness) -> None:
    bot = week
    await bot.press(ALICE, await details(bot, ALICE, "c"), data("ws", "c"))
    (listing,) = await bot.say(MATHILDE, "/participants c")
    assert listing.plain_text.startswith(
        "👥 Atelier C <&> (lundi 24 août, 10:00–12:00)\n1 inscrit·e sur 3\u202f:\n1. Alice Martin"
    )
    (refused,) = await bot.say(MATHILDE, "/participants Atelier A")
    assert refused.plain_text.startswith("Seul·es les animateur·rices")
    (refused,) = await bot.say(BOB, "/participants c")
    assert refused.plain_text.startswith("Only this workshop's facilitators")
    (organiser,) = await bot.say(ORGANISER, "/participants atelier a")
    assert "0 inscrit·e sur 2\u202f:\npersonne pour l'instant" in organiser.plain_text


async def test_the_rota_offer_and_take(week: Harness) -> None:
    bot = week
    (rota,) = await bot.say(ALICE, "/rota")
    assert "14:00–14:30 Vaisselle · 0/2" in rota.plain_text
    answer = await bot.press(ALICE, rota, data("rs", "r1"))
    assert answer["text"] == "✅ C'est fait\u202f: vous êtes inscrit·e à «\u202fVaisselle\u202f»."
    # r2 overlaps r1: a clash with a switch offer
    (rota,) = await bot.say(ALICE, "/rota")
    assert "Vaisselle · 1/2" in rota.plain_text
    (mine,) = await bot.say(ALICE, "/mine")
    group_mark = bot.emu.observer.mark(GROUP)
    answer = await bot.press(ALICE, mine, data("ro", "r1"))
    assert answer["text"].startswith(
        "🙋 C'est noté\u202f: votre créneau «\u202fVaisselle\u202f» est proposé."
    )
    (post,) = await bot.emu.observer.wait_for_messages(GROUP, 1, after=group_mark)
    assert post.plain_text.startswith("🙋 Qui peut prendre le créneau de rangement Vaisselle")
    take = post.buttons[0][1]
    assert take is not None
    assert (await bot.press(ALICE, post, take))["text"] == "C'est votre propre créneau\u202f!"
    alice_mark = bot.emu.observer.mark(ALICE)
    assert (await bot.press(BOB, post, take))[
        "text"
    ] == '✋ Thank you! The slot "Vaisselle" is yours.'
    post = bot.emu.observer.message(GROUP, post.message_id)
    assert post.buttons == []  # the offer message was closed...
    late = await forge_press(bot.emu, ORGANISER, post, take)  # ...but a client may show it still
    assert late["text"] == "Quelqu'un a déjà pris ce créneau. Merci quand même\u202f!"
    s = await standing(bot, "r1", TargetKind.ROTA)
    assert s.ins == (BOB,)
    assert (
        bot.emu.observer.message(GROUP, post.message_id).plain_text
        == "✅ Créneau repris par Bob. Merci\u202f!"
    )
    (told,) = await bot.emu.observer.wait_for_messages(ALICE, 1, after=alice_mark)
    assert (
        told.plain_text
        == "✋ Bob a pris votre créneau «\u202fVaisselle\u202f». Vous êtes libre\u202f!"
    )


async def test_gaps_and_fairness_for_organisers_only(week: Harness) -> None:
    bot = week
    (rota,) = await bot.say(ALICE, "/rota")
    await bot.press(ALICE, rota, data("rs", "r1"))
    (gaps,) = await bot.say(ORGANISER, "/rota gaps")
    assert "Vaisselle\u202f: 1/2, il manque 1 personne" in gaps.plain_text
    assert "Salle commune\u202f: 0/2, il manque 2 personnes" in gaps.plain_text
    (fair,) = await bot.say(ORGANISER, "/rota fairness")
    assert "5 inscrit·es au bot, dont 4 sans aucun créneau." in fair.plain_text
    assert "• 0 créneau\u202f: 4 personnes\n• 1 créneau\u202f: 1 personne" in fair.plain_text
    (refused,) = await bot.say(ALICE, "/rota gaps")
    assert refused.plain_text == "Cette action est réservée à l'équipe d'organisation."


@pytest.mark.parametrize(
    ("forged", "expected"),
    [
        ("b:ws:AAAAAAAAAAA", "Ce bouton n'est plus valable"),  # an item that does not exist
        ("b:zz:abc", "Je ne comprends pas ce bouton"),
        ("b:ws:", "Je ne comprends pas ce bouton"),
        ("b:rt:99999", "Ce bouton n'est plus valable"),
        ("b:rt:abc", "Je ne comprends pas ce bouton"),
        ("pg:d:1:20269999", "Je ne comprends pas ce bouton"),
        ("w:../../etc", "Ce bouton n'est plus valable"),
        ("lang:de", "Je ne connais pas la langue"),
        ("org:7", "Ce bouton n'est plus valable"),
        ("🙂", "Je ne comprends pas ce bouton"),
    ],
)
async def test_forged_button_data_is_refused_and_changes_nothing(
    week: Harness, forged: str, expected: str
) -> None:
    bot = week
    message = await details(bot, ALICE, "a")
    async with bot.db.read() as conn:
        before = await bookings_repo.everything(conn)
    answer = await forge_press(bot.emu, ALICE, message, forged)
    await bot.settle()
    assert answer["text"].startswith(expected), answer
    assert answer.get("show_alert") is True
    async with bot.db.read() as conn:
        assert await bookings_repo.everything(conn) == before


async def test_a_stale_button_of_a_removed_item_is_refused(week: Harness) -> None:
    bot = week
    message = await details(bot, ALICE, "b")
    await bot.services.programme.import_bytes(
        PROGRAMME.replace('id = "b"', 'id = "b2"').encode(), "t.toml"
    )
    answer = await bot.press(ALICE, message, data("ws", "b"))
    assert answer["text"].startswith("Ce bouton n'est plus valable")
    async with bot.db.read() as conn:
        assert [b for b in await bookings_repo.everything(conn) if b.target_id == "b"] == []


async def test_cancelling_someone_elses_booking_is_impossible(week: Harness) -> None:
    bot = week
    await bot.press(ALICE, await details(bot, ALICE, "a"), data("ws", "a"))
    # Bob replays Alice's cancel button: it only ever acts on the presser's own booking
    answer = await forge_press(bot.emu, BOB, await details(bot, BOB, "a"), data("wc", "a"))
    assert answer["text"] == 'You were not signed up for "Atelier A".'
    assert (await standing(bot, "a")).ins == (ALICE,)


async def test_bookings_survive_a_restart(
    emu: BotApiEmulator, clock: FrozenClock, tmp_path: Path
) -> None:
    config = local_config(
        emu, tmp_path / "r.sqlite3", programme=None, extra={"announcements": {"enabled": False}}
    )
    async with Harness.running(emu, config, clock) as first:
        await first.services.programme.import_bytes(PROGRAMME.encode(), "test.toml")
        await first.say(ALICE, "/start", count=1)
        await first.press(ALICE, await details(first, ALICE, "a"), data("ws", "a"))
    async with Harness.running(emu, config, clock) as second:
        (mine,) = await second.say(ALICE, "/mine")
        assert "10:00–12:00 Atelier A · 📍 Salle des Pins" in mine.plain_text
        assert (await standing(second, "a")).ins == (ALICE,)


async def test_rota_slots_made_by_a_config_rule(
    emu: BotApiEmulator, clock: FrozenClock, tmp_path: Path
) -> None:
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        extra={
            "rota": {"after": [{"kind": "meal", "areas": ["Vaisselle"], "places": 3}]},
            "announcements": {"enabled": False},
        },
    )
    async with Harness.running(emu, config, clock) as bot:
        (rota,) = await bot.say(ALICE, "/rota")
        # the sample week's own Vaisselle slot after lunch, and the rule's slot after breakfast
        assert "10:00–10:45 Vaisselle · 0/3" in rota.plain_text
        assert "14:00–14:30 Vaisselle · 0/6" in rota.plain_text
