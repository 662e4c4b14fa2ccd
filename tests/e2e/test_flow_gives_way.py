"""A flow waiting for text gives way to a command or to another message's button."""

from __future__ import annotations

from datetime import datetime

from bot.domain.booking import ref
from bot.sandbox.harness import Harness
from tests.conftest import ORGANISER, PARIS

ITEM = "mar-10-atelier-couleurs"


async def waiting_for_a_note(bot: Harness) -> None:
    """Start /change on an item and choose the note: the bot then waits for its text."""
    bot.clock.jump_to(datetime(2026, 8, 25, 9, 30, tzinfo=PARIS))  # type: ignore[attr-defined]
    await bot.say(ORGANISER, "/start", count=2)
    (menu,) = await bot.say(ORGANISER, f"/change {ITEM}")
    await bot.press(ORGANISER, menu, f"ch:k:{ref(ITEM)}:note")


async def test_a_command_ends_the_wait_and_the_next_question_is_a_question(bot: Harness) -> None:
    await waiting_for_a_note(bot)
    left, today = await bot.say(ORGANISER, "/today", count=2)
    assert left.plain_text.startswith("✋ J'arrête d'attendre votre texte pour /change")
    assert today.plain_text.startswith("📅 Aujourd'hui")
    (answer,) = await bot.say(ORGANISER, "c'est quoi la suite ?")
    assert answer.plain_text.startswith("⏭ Ensuite, à 10:00"), answer.plain_text
    draft = await bot.services.drafts.get(ORGANISER, "change")
    assert draft is not None and "suite" not in str(draft.body), "the question is not the note"


async def test_another_message_s_button_ends_the_wait(bot: Harness) -> None:
    (card,) = await bot.say(ORGANISER, "/workshop kayak")
    await waiting_for_a_note(bot)
    mark = bot.emu.observer.mark(ORGANISER)
    await bot.press(ORGANISER, card, f"w:{ref('lun-17-kayak')}")
    said = [m.plain_text for m in bot.emu.observer.messages(ORGANISER)[mark:]]
    assert said[0].startswith("✋ J'arrête d'attendre votre texte pour /change"), said


async def test_starting_the_flow_again_says_nothing_of_the_old_wait(bot: Harness) -> None:
    await waiting_for_a_note(bot)
    (menu,) = await bot.say(ORGANISER, f"/change {ITEM}")
    assert not menu.plain_text.startswith("✋")
