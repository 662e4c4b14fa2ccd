"""Issue 11: /change and /broadcast drafts survive a restart, expire, and stay their author's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.config import Config
from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from storage import drafts as drafts_repo
from storage import roles as roles_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, STRANGER
from tests.e2e import test_announcements as week
from tests.e2e import test_broadcast as bc

EXPIRE = 60  # minutes: drafts.expire_minutes in these tests
LATE = (
    "📢 Changement pour Atelier C\u202f: 10 min de retard\u202f: "
    "ça commence lundi 24 août, 14:40–16:10."
)
CHANGE_EXPIRED = (
    "⌛ Ce changement n'a pas été confirmé à temps : il a expiré, rien n'a changé. "
    "Recommencez avec /change."
)
BROADCAST_EXPIRED = (
    "⌛ Ce message n'a pas été confirmé à temps : il a expiré, rien n'est parti. "
    "Recommencez avec /broadcast."
)
STALE = "Ce bouton n'est plus valable"


def change_config(emu: BotApiEmulator, tmp_path: Path) -> Config:
    programme = tmp_path / "semaine.toml"
    programme.write_text(week.PROGRAMME, encoding="utf-8")
    return local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"enabled": False}, "drafts": {"expire_minutes": EXPIRE}},
    )


def broadcast_config(emu: BotApiEmulator, tmp_path: Path) -> Config:
    programme = tmp_path / "semaine.toml"
    programme.write_text(bc.PROGRAMME, encoding="utf-8")
    return local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={
            "organisers": [ORGANISER, STRANGER],
            "organisations": ["Oxalis", "Coopaname", "Smart"],
            "announce_chat_id": GROUP,
        },
        extra={"announcements": {"enabled": False}, "drafts": {"expire_minutes": EXPIRE}},
    )


def texts(bot: Harness, chat: int, since: int) -> list[str]:
    return [m.plain_text for m in bot.emu.observer.messages(chat)[since:]]


async def late_preview(bot: Harness, user: int) -> SentMessage:
    """Go through /change for Atelier C up to the preview of 10 minutes late."""
    (menu,) = await bot.say(user, "/change c")
    await bot.press(user, menu, f"ch:k:{ref('c')}:late")
    await bot.press(user, bot.emu.observer.message(user, menu.message_id), f"ch:l:{ref('c')}:10")
    preview = bot.emu.observer.message(user, menu.message_id)
    assert ("✅ Confirmer", "ch:ok") in preview.buttons, preview.plain_text
    return preview


async def audit_actions(bot: Harness) -> list[str]:
    async with bot.db.read() as conn:
        return [e.action for e in await roles_repo.audit_log(conn, 50)]


async def test_a_change_is_confirmed_after_a_restart_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config, clock = change_config(emu, tmp_path), FrozenClock(week.START)
    async with Harness.running(emu, config, clock) as first:
        await week.registered(first, ALICE, MATHILDE)
        await week.sign_up(first, ALICE, "c")
        preview = await late_preview(first, MATHILDE)
    async with Harness.running(emu, config, clock) as second:
        alice, group = emu.observer.mark(ALICE), emu.observer.mark(GROUP)
        await second.press(MATHILDE, preview, "ch:ok")
        await second.services.outbox.flush()
        done = emu.observer.message(MATHILDE, preview.message_id).plain_text
        assert done == "✅ C'est fait. 1 personne prévenue."
        assert texts(second, ALICE, alice) == [LATE]
        assert texts(second, GROUP, group) == [LATE]
        # The same press again (a double press, a replay) finds nothing left to confirm
        again = await forge_press(emu, MATHILDE, preview, "ch:ok")  # its buttons are gone
        assert again["text"].startswith("Il n'y a rien à confirmer")
        await second.settle()
        await second.services.outbox.flush()
        assert texts(second, ALICE, alice) == [LATE]
        assert (await second.services.agenda.by_id("c")).start == week.at(24, 14, 40)
        assert await audit_actions(second) == ["late"]


async def test_two_presses_at_once_apply_a_change_once(emu: BotApiEmulator, tmp_path: Path) -> None:
    config, clock = change_config(emu, tmp_path), FrozenClock(week.START)
    async with Harness.running(emu, config, clock) as bot:
        await week.registered(bot, ALICE, MATHILDE)
        await week.sign_up(bot, ALICE, "c")
        preview = await late_preview(bot, MATHILDE)
        alice = emu.observer.mark(ALICE)
        presses = [
            await emu.people.press_button(MATHILDE, preview.message_id, "ch:ok") for _ in "12"
        ]
        answers = [await emu.observer.wait_for_callback_answer(q) for q in presses]
        await bot.settle()
        await bot.services.outbox.flush()
        assert sum(1 for a in answers if (a.get("text") or "").startswith("Il n'y a rien")) == 1
        assert texts(bot, ALICE, alice) == [LATE]
        assert await audit_actions(bot) == ["late"]


async def test_a_typed_value_awaited_before_a_restart_is_read_after_it(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config, clock = change_config(emu, tmp_path), FrozenClock(week.START)
    async with Harness.running(emu, config, clock) as first:
        await week.registered(first, ALICE, MATHILDE)
        await week.sign_up(first, ALICE, "c")
        (menu,) = await first.say(MATHILDE, "/change c")
        await first.press(MATHILDE, menu, f"ch:k:{ref('c')}:note")
        assert emu.observer.message(MATHILDE, menu.message_id).plain_text.startswith(
            "📝 Votre petit mot"
        )
    async with Harness.running(emu, config, clock) as second:
        alice = emu.observer.mark(ALICE)
        (preview,) = await second.say(MATHILDE, "Prenez un maillot !")
        assert ("✅ Confirmer", "ch:ok") in preview.buttons, preview.plain_text
        await second.press(MATHILDE, preview, "ch:ok")
        await second.services.outbox.flush()
        assert texts(second, ALICE, alice) == [
            "📢 Changement pour Atelier C\u202f: «\u202fPrenez un maillot !\u202f»"
        ]


async def test_an_expired_change_is_refused_and_changes_nothing(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config, clock = change_config(emu, tmp_path), FrozenClock(week.START)
    async with Harness.running(emu, config, clock) as first:
        await week.registered(first, ALICE, MATHILDE)
        await week.sign_up(first, ALICE, "c")
        preview = await late_preview(first, MATHILDE)
        clock.advance(timedelta(minutes=EXPIRE - 1))
    async with Harness.running(emu, config, clock) as second:
        alice = emu.observer.mark(ALICE)
        clock.advance(timedelta(minutes=1))  # the draft's last step was EXPIRE minutes ago
        answer = await second.press(MATHILDE, preview, "ch:ok")
        assert answer["text"] == CHANGE_EXPIRED
        await second.services.outbox.flush()
        assert texts(second, ALICE, alice) == []
        assert (await second.services.agenda.by_id("c")).start == week.at(24, 14, 30)
        assert await audit_actions(second) == []
        # The expired draft is gone; an expired wait for text lets the text be read as usual
        again = await second.press(MATHILDE, preview, "ch:ok")
        assert again["text"].startswith("Il n'y a rien à confirmer")
        (menu,) = await second.say(MATHILDE, "/change c")
        await second.press(MATHILDE, menu, f"ch:k:{ref('c')}:note")
        clock.advance(timedelta(minutes=EXPIRE))
        (words,) = await second.say(MATHILDE, "Prenez un maillot !")
        assert "✅ Confirmer" not in [label for label, _ in words.buttons]


async def test_only_its_author_confirms_a_change(emu: BotApiEmulator, tmp_path: Path) -> None:
    config, clock = change_config(emu, tmp_path), FrozenClock(week.START)
    async with Harness.running(emu, config, clock) as first:
        await week.registered(first, ALICE, MATHILDE, ORGANISER)
        await week.sign_up(first, ALICE, "c")
        preview = await late_preview(first, MATHILDE)
    async with Harness.running(emu, config, clock) as second:
        alice = emu.observer.mark(ALICE)
        # An organiser (who may change Atelier C) and a participant press Mathilde's Confirm
        (own,) = await second.say(ORGANISER, "/workshop c")
        refused = await forge_press(emu, ORGANISER, own, "ch:ok")
        assert refused["text"].startswith("Il n'y a rien à confirmer")
        (own,) = await second.say(ALICE, "/workshop c")
        refused = await forge_press(emu, ALICE, own, "ch:ok")
        assert refused["text"].startswith("Il n'y a rien à confirmer")
        await second.services.outbox.flush()
        assert texts(second, ALICE, alice)[1:] == []  # only her own /workshop answer
        assert (await second.services.agenda.by_id("c")).start == week.at(24, 14, 30)
        # Her draft is untouched: her own press applies it
        await second.press(MATHILDE, preview, "ch:ok")
        await second.services.outbox.flush()
        assert texts(second, ALICE, alice)[1:] == [LATE]


async def test_a_broadcast_to_everyone_is_sent_after_restarts_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config, clock = broadcast_config(emu, tmp_path), FrozenClock(bc.START)
    text = "Le bus part à 18 h."
    async with Harness.running(emu, config, clock) as first:
        await bc.registered(first, ALICE, BOB)
        (ask,) = await first.say(ORGANISER, "/broadcast")
        assert ask.plain_text.startswith("✍️ Écrivez le message")
    async with Harness.running(emu, config, clock) as second:  # the wait for the text survives
        (choose,) = await second.say(ORGANISER, text)
        assert choose.plain_text == "À qui envoyer ce message\u202f?"
        await second.press(ORGANISER, choose, bc._all(choose))
        assert bc.current(second, choose).plain_text.startswith("👀 Aperçu")
    async with Harness.running(emu, config, clock) as third:
        await bc.confirm(third, choose)
        sure = bc.current(third, choose)
        assert sure.plain_text.startswith(
            "⚠️ Ce message partira à toutes les personnes inscrites (2)"
        )
    async with Harness.running(emu, config, clock) as fourth:
        fourth.services.broadcasts.progress_every = 0.05
        press = bc.data(sure, "bc:sure:")
        answer = await fourth.press(ORGANISER, sure, press)
        assert answer["text"] == "📤 C'est parti\u202f!"
        again = await forge_press(emu, ORGANISER, sure, press)  # its buttons are gone
        assert str(again["text"]).startswith(STALE)
        await bc.delivered(fourth)
        assert [bc.received(fourth, user, text) for user in (ALICE, BOB)] == [1, 1]
        assert bc.report(fourth).startswith("📬 Message envoyé (toutes les personnes inscrites)")


async def test_an_expired_broadcast_is_refused_and_sends_nothing(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    config, clock = broadcast_config(emu, tmp_path), FrozenClock(bc.START)
    async with Harness.running(emu, config, clock) as first:
        await bc.registered(first, ALICE)
        choose = await bc.draft(first, "Trop tard")
        await first.press(ORGANISER, choose, bc._audience(choose, "group"))
        preview = bc.current(first, choose)
        assert preview.plain_text.startswith("👀 Aperçu")
    clock.advance(timedelta(minutes=EXPIRE))
    async with Harness.running(emu, config, clock) as second:
        answer = await bc.confirm(second, preview)
        assert answer["text"] == BROADCAST_EXPIRED
        await bc.delivered(second)
        assert bc.received(second, GROUP, "Trop tard") == 0
        again = await bc.confirm(second, preview)
        assert str(again["text"]).startswith(STALE)


async def test_only_its_author_sends_a_broadcast(emu: BotApiEmulator, tmp_path: Path) -> None:
    config, clock = broadcast_config(emu, tmp_path), FrozenClock(bc.START)
    async with Harness.running(emu, config, clock) as first:
        await bc.registered(first, ALICE, STRANGER)
        choose = await bc.draft(first, "Pour le groupe")
        await first.press(ORGANISER, choose, bc._audience(choose, "group"))
        preview = bc.current(first, choose)
    async with Harness.running(emu, config, clock) as second:
        second.services.broadcasts.progress_every = 0.05
        ok = bc.data(bc.current(second, preview), "bc:ok:")
        # Sam, another organiser, presses Oriane's buttons on a message of his own
        (own,) = await second.say(STRANGER, "/notices")
        for data in (ok, ok.replace(":ok:", ":no:"), ok.replace(":ok:", ":a:") + ":all"):
            answer = await forge_press(emu, STRANGER, own, data)
            assert answer["text"].startswith(STALE), data
        await bc.delivered(second)
        assert bc.received(second, GROUP, "Pour le groupe") == 0
        answer = await bc.confirm(second, preview)  # Oriane's own press still works
        assert answer["text"] == "📤 C'est parti\u202f!"
        await bc.delivered(second)
        assert bc.received(second, GROUP, "Pour le groupe") == 1


async def test_forgotten_drafts_are_deleted(emu: BotApiEmulator, tmp_path: Path) -> None:
    config, clock = change_config(emu, tmp_path), FrozenClock(week.START)
    async with Harness.running(emu, config, clock) as bot:
        await week.registered(bot, MATHILDE, ORGANISER)
        await late_preview(bot, MATHILDE)
        clock.advance(timedelta(minutes=2 * EXPIRE + 1))
        await late_preview(bot, ORGANISER)  # writing a draft clears the forgotten ones
        async with bot.db.read() as conn:
            assert await drafts_repo.get(conn, MATHILDE, "change") is None
            kept = await drafts_repo.get(conn, ORGANISER, "change")
        assert kept is not None and kept.body == {"item_id": "c", "kind": "late", "value": "10"}
