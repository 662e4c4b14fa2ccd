"""Issue 2's first conversation, end to end over HTTP through the emulator."""

from __future__ import annotations

from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER


async def test_start_in_french_registers_and_asks_the_organisation(bot: Harness) -> None:
    greeting, question = await bot.say(ALICE, "/start", count=2)
    assert greeting.plain_text.startswith("Bonjour Alice\u202f!")
    assert "La Bigre Rencontre 2026" in greeting.plain_text
    assert "coopérative" in question.plain_text
    assert [label for label, _ in question.buttons] == ["Oxalis", "Coopaname", "Smart", "Passer"]
    person = await bot.services.people.get(ALICE)
    assert person is not None and person.language == "fr" and person.organisation is None

    answer = await bot.press(ALICE, question, "org:1")
    assert answer is not None
    edited = bot.emu.observer.message(ALICE, question.message_id)
    assert edited.plain_text == "C'est noté\u202f: Coopaname. Merci\u202f!"
    person = await bot.services.people.get(ALICE)
    assert person is not None and person.organisation == "Coopaname"


async def test_start_in_english_and_skipping_the_organisation(bot: Harness) -> None:
    greeting, question = await bot.say(BOB, "/start", count=2)
    assert greeting.plain_text.startswith("Hello Bob!")
    await bot.press(BOB, question, "org:-")
    assert (
        bot.emu.observer.message(BOB, question.message_id).plain_text
        == "No problem, we'll do without."
    )
    # A second /start welcomes back without asking again... once an organisation is known
    person = await bot.services.people.get(BOB)
    assert person is not None and person.language == "en"


async def test_lang_switches_the_language_of_answers(bot: Harness) -> None:
    await bot.say(BOB, "/start", count=2)
    (choice,) = await bot.say(BOB, "/lang")
    await bot.press(BOB, choice, "lang:fr")
    assert bot.emu.observer.message(BOB, choice.message_id).plain_text.startswith("D'accord")
    (reply,) = await bot.say(BOB, "/help")
    assert reply.plain_text.startswith("Ce que je sais faire")


async def test_help_depends_on_the_role(bot: Harness) -> None:
    (participant,) = await bot.say(ALICE, "/help")
    assert "/next" in participant.plain_text
    assert "animateur" not in participant.plain_text
    # linked to her workshop by the @username of the programme, once she sent /start
    await bot.say(MATHILDE, "/start", count=2)
    (facilitator,) = await bot.say(MATHILDE, "/help")
    assert "Pour les animateur·rices" in facilitator.plain_text
    assert "équipe d'organisation" not in facilitator.plain_text
    (organiser,) = await bot.say(ORGANISER, "/aide")
    assert "Pour l'équipe d'organisation" in organiser.plain_text


async def test_an_unknown_command_gets_a_hint(bot: Harness) -> None:
    (reply,) = await bot.say(ALICE, "/frobnicate now")
    assert (
        reply.plain_text
        == "Je ne connais pas la commande /frobnicate. Essayez /next, /today ou /help."
    )
    (reply,) = await bot.say(BOB, "/whatever")
    assert "I don't know the command /whatever" in reply.plain_text


async def test_group_talk_not_addressed_to_the_bot_is_ignored(bot: Harness) -> None:
    await bot.silent(ALICE, "on se retrouve à la plage ?", chat_id=GROUP)
    await bot.silent(ALICE, "/frobnicate", chat_id=GROUP)
    (reply,) = await bot.say(ALICE, "/next@rencontre_test_bot", chat_id=GROUP)
    assert "démarre le lundi 24 août à 09:00" in reply.plain_text


async def test_a_group_message_mentioning_the_bot_is_answered(bot: Harness) -> None:
    (reply,) = await bot.say(ALICE, "@rencontre_test_bot c'est quoi la suite ?", chat_id=GROUP)
    assert "démarre le lundi 24 août à 09:00" in reply.plain_text


async def test_the_command_menu_is_set_in_both_languages(bot: Harness) -> None:
    fr = bot.emu.observer.commands(language_code="fr")
    en = bot.emu.observer.commands(language_code="en")
    assert [c["command"] for c in fr] == [c["command"] for c in en]
    assert {"next", "today", "help"} <= {c["command"] for c in fr}
    assert fr[0]["description"] == "Ce qui commence ensuite"
    assert en[0]["description"] == "What starts next"
