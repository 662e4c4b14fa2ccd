"""Issue 3's questions, by command and in plain words, with the clock at chosen moments."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain.booking import ref
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, PARIS


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=PARIS)


async def test_next_lists_every_parallel_item_of_the_next_slot(bot: Harness) -> None:
    bot.clock.jump_to(at(25, 9, 50))  # type: ignore[attr-defined]
    (reply,) = await bot.say(ALICE, "/next")
    text = reply.plain_text
    assert text.startswith("⏭ Ensuite, à 10:00")
    for title in ("Gouvernance partagée", "Salaires < 2 SMIC", "Atelier couleurs", "Théâtre-forum"):
        assert title in text
    assert "Salle Agnès Varda" in text and "12 places sur 12" in text
    assert "Forum ouvert" not in text  # started at 09:00: not next
    # programme text is escaped in the HTML that was sent
    assert "Salaires &lt; 2 SMIC" in reply.text
    assert ("ℹ️ Atelier couleurs", f"w:{ref('mar-10-atelier-couleurs')}") in reply.buttons


async def test_next_shows_what_a_facilitator_is_running(bot: Harness) -> None:
    bot.clock.jump_to(at(25, 10, 30))  # type: ignore[attr-defined]
    await bot.say(MATHILDE, "/start", count=2)
    (reply,) = await bot.say(MATHILDE, "/next")
    assert reply.plain_text.startswith("▶️ En ce moment pour vous\n• Atelier couleurs")
    assert "(jusqu'à 12:00)" in reply.plain_text
    assert "Ensuite, à 12:30" in reply.plain_text


async def test_now_in_english(bot: Harness) -> None:
    bot.clock.jump_to(at(25, 10, 30))  # type: ignore[attr-defined]
    (reply,) = await bot.say(BOB, "/now")
    assert reply.plain_text.startswith("▶️ On now")
    assert "Atelier couleurs" in reply.plain_text and "(until 12:00)" in reply.plain_text


async def test_after_the_last_item_of_a_day_points_to_tomorrow(bot: Harness) -> None:
    bot.clock.jump_to(at(26, 0, 45))  # type: ignore[attr-defined]  # karaoke ended at 00:30
    (reply,) = await bot.say(ALICE, "c'est quoi la suite ?")
    # 00:45 is already Wednesday: its first item, at 07:00, is "next", not "tomorrow"
    assert reply.plain_text == "⏭ Ensuite, à 07:00\n• Yoga au lever du soleil · 📍 Plage"
    bot.clock.jump_to(at(24, 23, 30))  # type: ignore[attr-defined]
    (reply,) = await bot.say(ALICE, "/next")
    assert reply.plain_text.startswith(
        "Plus rien aujourd'hui. Demain (mardi 25 août), on commence à 07:00 avec\u202f:"
    )
    assert "Yoga au lever du soleil" in reply.plain_text
    (reply,) = await bot.say(BOB, "what's next?")
    assert reply.plain_text.startswith("Nothing more today. Tomorrow (Tuesday 25 August)")


async def test_before_and_after_the_week(bot: Harness) -> None:
    bot.clock.jump_to(at(20, 12))  # type: ignore[attr-defined]
    (reply,) = await bot.say(ALICE, "/next")
    assert reply.plain_text.startswith(
        "La semaine n'a pas encore commencé. Elle démarre le lundi 24 août à 09:00 avec\u202f:"
    )
    (reply,) = await bot.say(BOB, "/today")
    assert "Nothing on the programme that day." in reply.plain_text
    assert "Next up on Monday 24 August at 09:00" in reply.plain_text
    bot.clock.jump_to(at(30, 12))  # type: ignore[attr-defined]
    (reply,) = await bot.say(ALICE, "/next")
    assert reply.plain_text.startswith("La semaine est terminée.")
    (reply,) = await bot.say(BOB, "/now")
    assert reply.plain_text.startswith("The week is over.")


async def test_today_tomorrow_and_named_days(bot: Harness) -> None:
    bot.clock.jump_to(at(25, 8))  # type: ignore[attr-defined]
    (today,) = await bot.say(ALICE, "/today")
    assert today.plain_text.startswith("📅 Aujourd'hui, mardi 25 août")
    assert today.plain_text.index("07:00") < today.plain_text.index("10:00")
    assert "Atelier couleurs" in today.plain_text and "Plénière d'ouverture" not in today.plain_text
    (tomorrow,) = await bot.say(BOB, "/tomorrow")
    assert tomorrow.plain_text.startswith("📅 Wednesday 26 August")
    (named,) = await bot.say(ALICE, "/day jeudi")
    assert named.plain_text.startswith("📅 Jeudi 27 août")
    (dated,) = await bot.say(ALICE, "/day 27/08")
    assert dated.plain_text == named.plain_text
    (bad,) = await bot.say(ALICE, "/day nimportequand")
    assert bad.plain_text.startswith("Je ne comprends pas le jour «\u202fnimportequand\u202f»")
    (missing,) = await bot.say(BOB, "/day")
    assert missing.plain_text.startswith("Which day?")


async def test_room_search_and_workshop(bot: Harness) -> None:
    bot.clock.jump_to(at(25, 8))  # type: ignore[attr-defined]
    (room,) = await bot.say(ALICE, "/room salle agnes varda")
    assert room.plain_text.startswith("📅 Salle Agnès Varda, aujourd'hui")
    assert "Atelier couleurs" in room.plain_text
    (unknown,) = await bot.say(ALICE, "/room Atlantide")
    assert unknown.plain_text.startswith(
        "Je ne connais pas la salle «\u202fAtlantide\u202f». Les salles\u202f:"
    )
    (found,) = await bot.say(BOB, "/search kayak")
    assert "Kayak de mer" in found.plain_text and "3 results for" in found.plain_text
    (details,) = await bot.say(ALICE, "/workshop atelier coleurs")
    assert details.plain_text.startswith("Atelier couleurs\n🕙 mardi 25 août, 10:00–12:00")
    assert "👤 Animé par Mathilde Garnier" in details.plain_text
    assert "🎟 12 places sur 12" in details.plain_text
    (by_id,) = await bot.say(BOB, "/workshop mar-10-atelier-couleurs")
    assert by_id.plain_text.startswith("Atelier couleurs\n🕙 Tuesday 25 August, 10:00–12:00")
    assert "👤 Run by Mathilde Garnier" in by_id.plain_text


async def test_a_details_button_answers_and_shows_the_item(bot: Harness) -> None:
    bot.clock.jump_to(at(25, 9, 50))  # type: ignore[attr-defined]
    (reply,) = await bot.say(ALICE, "/next")
    mark = bot.emu.observer.mark(ALICE)
    await bot.press(ALICE, reply, f"w:{ref('mar-10-atelier-couleurs')}")
    (details,) = bot.emu.observer.messages(ALICE)[mark:]
    assert details.plain_text.startswith("Atelier couleurs")


@pytest.mark.parametrize(
    ("user", "question", "expected"),
    [
        (BOB, "what's next?", "⏭ Next, at 10:00"),
        (BOB, "what's on now?", "Nothing is on right now."),
        (BOB, "what's on tomorrow?", "📅 Wednesday 26 August"),
        (ALICE, "c'est quoi la suite ?", "⏭ Ensuite, à 10:00"),
        (ALICE, "et maintenant ?", "Rien ne se passe en ce moment."),
        (ALICE, "qu'est-ce qu'il y a demain ?", "📅 Mercredi 26 août"),
        (
            ALICE,
            "où est l'atelier couleurs ?",
            "📍 Atelier couleurs\u202f: Salle Agnès Varda, mardi 25 août à 10:00.",
        ),
        (
            BOB,
            "where is the colours workshop?",
            "📍 Atelier couleurs: Salle Agnès Varda, Tuesday 25 August at 10:00.",
        ),
        (
            ALICE,
            "quand est la plénière ?",
            "🕙 Plénière de clôture\u202f: vendredi 28 août, 14:30–16:30",
        ),
        (
            ALICE,
            "quand est la pleniere d'ouverture ?",
            "🕙 Plénière d'ouverture\u202f: lundi 24 août, 10:00–12:00",
        ),
        (
            BOB,
            "when is the closing plenary?",
            "🕙 Plénière de clôture: Friday 28 August, 14:30–16:30",
        ),
    ],
)
async def test_plain_words(bot: Harness, user: int, question: str, expected: str) -> None:
    bot.clock.jump_to(at(25, 9, 50))  # type: ignore[attr-defined]
    (reply,) = await bot.say(user, question)
    assert expected in reply.plain_text, reply.plain_text


async def test_what_the_bot_does_not_understand_gets_a_friendly_hint(bot: Harness) -> None:
    (reply,) = await bot.say(ALICE, "zxqv blorp")
    assert reply.plain_text.startswith("Je n'ai pas compris «\u202fzxqv blorp\u202f».")
    (reply,) = await bot.say(BOB, "🙂")
    assert "I didn't understand" in reply.plain_text
    (reply,) = await bot.say(BOB, "x" * 4000)
    assert reply.plain_text == "Your message is too long for me: could you make it shorter?"


async def test_group_questions_only_when_addressed(bot: Harness) -> None:
    await bot.silent(ALICE, "c'est quoi la suite ?", chat_id=GROUP)
    (reply,) = await bot.say(ALICE, "/today@rencontre_test_bot", chat_id=GROUP)
    assert reply.plain_text.startswith("📅 Aujourd'hui")
