"""Issue 6: roles, invitations, facilitators' changes with their notices, the audit log."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.domain.models import Role
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press, local_config
from bot.services.roles import INVITE_BYTES
from storage import outbox as outbox_repo
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER, STRANGER
from tests.e2e.test_announcements import PROGRAMME, START, at, move_to, registered, sign_up

# The week with a second facilitator whose family name is Mathilde's
WITH_THEO = (
    PROGRAMME
    + """
[[workshop]]
id = "d"
title = "Atelier D"
start = 2026-08-25T10:00:00
end = 2026-08-25T11:00:00
room = "Chapiteau"
facilitators = ["Théo Garnier"]
"""
)
MATHILDE_NAME, THEO_NAME = "Mathilde Garnier", "Théo Garnier"


@pytest.fixture
async def week(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        yield bot


@pytest.fixture
async def crew(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_week(emu, tmp_path, WITH_THEO) as bot:
        yield bot


@asynccontextmanager
async def running_week(emu: BotApiEmulator, tmp_path: Path, text: str) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(text, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER], "announce_chat_id": GROUP},
        extra={"announcements": {"board": False}},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        await registered(bot, ALICE, BOB, ORGANISER)
        yield bot


async def invite_links(bot: Harness) -> dict[str, str]:
    """Ask /invites as the organiser; give each facilitator's token."""
    (links,) = await bot.say(ORGANISER, "/invites")
    found = re.findall(
        r"^• (.+) \(\d+ ateliers?\)\u202f: \S+\?start=(\S+)$", links.plain_text, re.M
    )
    return dict(found)


def texts(bot: Harness, chat: int, since: int = 0) -> list[str]:
    return [m.plain_text for m in bot.emu.observer.messages(chat)[since:]]


async def confirm_change(bot: Harness, user: int, item: str, kind: str, value: str | None) -> str:
    """Go through /change: item, kind, value (a button's data or typed text), confirm."""
    (menu,) = await bot.say(user, f"/change {item}")
    await bot.press(user, menu, f"ch:k:{ref(item)}:{kind}")
    step = bot.emu.observer.message(user, menu.message_id)
    if kind in ("cap", "note"):
        assert value is not None
        (preview,) = await bot.say(user, value)
    elif kind == "cancel":
        preview = step
    else:
        assert value is not None
        await bot.press(user, step, value)
        preview = bot.emu.observer.message(user, menu.message_id)
    assert ("✅ Confirmer", "ch:ok") in preview.buttons, preview.plain_text
    await bot.press(user, preview, "ch:ok")
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    return bot.emu.observer.message(user, preview.message_id).plain_text


async def test_the_invitation_link_makes_a_facilitator_once(week: Harness) -> None:
    bot = week
    (links,) = await bot.say(ORGANISER, "/invites")
    line = next(x for x in links.plain_text.splitlines() if x.startswith("• Mathilde Garnier"))
    token = re.search(r"start=([A-Za-z0-9_-]+)", line).group(1)  # type: ignore[union-attr]
    assert 20 <= len(token) <= 64
    (welcome,) = await bot.say(STRANGER, f"/start {token}")
    assert welcome.plain_text.startswith("🎤 Bienvenue Sam\u202f! Vous êtes maintenant reconnu·e")
    assert "• Atelier C" in welcome.plain_text
    menu = bot.emu.observer.commands({"type": "chat", "chat_id": STRANGER})
    assert "change" in [c["command"] for c in menu]
    (help_,) = await bot.say(STRANGER, "/help")
    assert "Pour les animateur·rices" in help_.plain_text
    # the same person again (a replayed /start, a second click): welcomed again, nothing more
    (twice,) = await bot.say(STRANGER, f"/start {token}")
    assert twice.plain_text == welcome.plain_text
    # the same link again, by someone else, and a made-up one: refused, revealing nothing
    (again,) = await bot.say(BOB, f"/start {token}")
    (wrong,) = await bot.say(BOB, "/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert again.plain_text == wrong.plain_text
    assert again.plain_text.startswith("This invitation link is not (or no longer) valid.")
    (refused,) = await bot.say(BOB, "/change")
    assert refused.plain_text == "You can only change the workshops you run."


async def test_a_participant_cannot_change_or_read_the_log(week: Harness) -> None:
    bot = week
    (refused,) = await bot.say(ALICE, "/change Atelier C")
    assert refused.plain_text == "Vous ne pouvez changer que les ateliers que vous animez."
    (details,) = await bot.say(ALICE, "/workshop c")
    answer = await forge_press(bot.emu, ALICE, details, f"ch:k:{ref('c')}:cancel")
    assert answer["text"] == "Vous ne pouvez changer que les ateliers que vous animez."
    answer = await forge_press(bot.emu, ALICE, details, "ch:ok")
    assert answer["text"].startswith("Il n'y a rien à confirmer")
    assert (await bot.services.agenda.by_id("c")).room == "Plage"
    (log,) = await bot.say(ALICE, "/log")
    assert log.plain_text == "Cette action est réservée à l'équipe d'organisation."


async def test_a_room_move_tells_the_people_signed_up_and_the_group(week: Harness) -> None:
    bot = week
    await bot.say(MATHILDE, "/start")  # linked by her @username
    await sign_up(bot, ALICE, "c")
    mark, group = bot.emu.observer.mark(ALICE), bot.emu.observer.mark(GROUP)
    rooms = sorted(r.name for r in (await bot.services.programme.current()).rooms)
    done = await confirm_change(
        bot, MATHILDE, "c", "room", f"ch:r:{ref('c')}:{rooms.index('Chapiteau')}"
    )
    assert done == "✅ C'est fait. 1 personne prévenue."
    notice = (
        "📢 Changement pour Atelier C\u202f: nouvelle salle\u202f: 📍 Chapiteau (au lieu de Plage)."
    )
    assert texts(bot, ALICE, mark) == [notice]
    assert texts(bot, GROUP, group) == [notice]
    (details,) = await bot.say(BOB, "/workshop c")
    assert "📍 Chapiteau" in details.plain_text


async def test_time_shift_replans_reminders(week: Harness) -> None:
    bot = week
    await bot.say(MATHILDE, "/start")
    await sign_up(bot, ALICE, "c")
    await confirm_change(bot, MATHILDE, "c", "shift", f"ch:s:{ref('c')}:30")
    async with bot.db.read() as conn:
        pending = {
            r.key for r in await outbox_repo.rows(conn, kinds=["reminder"], statuses=["pending"])
        }
    assert f"reminder:{ALICE}:workshop:c:2026-08-24T13:00+00:00" in pending  # 15:00 in Paris
    assert not any(":c:2026-08-24T12:30" in k for k in pending)
    mark = bot.emu.observer.mark(ALICE)
    await move_to(bot, at(24, 14, 50))
    assert texts(bot, ALICE, mark) == ["⏰ Dans 10 min\u202f: Atelier C (15:00–16:30, 📍 Plage)."]


async def test_late_capacity_note_and_cancel(week: Harness) -> None:
    bot = week
    await bot.say(MATHILDE, "/start")
    await sign_up(bot, ALICE, "c")
    mark = bot.emu.observer.mark(ALICE)
    await confirm_change(bot, MATHILDE, "c", "late", f"ch:l:{ref('c')}:10")
    await confirm_change(bot, MATHILDE, "c", "note", "Prenez un maillot !")
    await confirm_change(bot, ORGANISER, "c", "cap", "8")
    assert texts(bot, ALICE, mark) == [
        (
            "📢 Changement pour Atelier C\u202f: 10 min de retard\u202f: "
            "ça commence lundi 24 août, 14:40–16:10."
        ),
        "📢 Changement pour Atelier C\u202f: «\u202fPrenez un maillot !\u202f»",
        "📢 Changement pour Atelier C\u202f: 8 places en tout désormais.",
    ]
    (details,) = await bot.say(BOB, "/workshop c")
    assert "📝 Prenez un maillot !" in details.plain_text and "8 of 8" not in details.plain_text
    await confirm_change(bot, ORGANISER, "c", "cancel", None)
    assert (
        texts(bot, ALICE, mark)[-1] == "📢 Changement pour Atelier C\u202f: l'atelier est annulé."
    )
    (mine,) = await bot.say(ALICE, "/mine")
    # Issue 16, part 5: still there for her, as cancelled, with no button
    assert mine.plain_text.splitlines()[-1].endswith("Atelier C · 📍 Plage · ❌ annulé")
    assert not mine.buttons
    (log,) = await bot.say(ORGANISER, "/log")
    lines = log.plain_text.splitlines()
    assert lines[0] == "🗂 Journal des changements"
    assert "Oriane · Atelier C\u202f: annulé" in lines[1]
    assert "Mathilde · Atelier C\u202f: horaire 14:30 → 14:40" in lines[-1]


async def test_organisers_add_and_remove_a_facilitator(week: Harness) -> None:
    bot = week
    (added,) = await bot.say(ORGANISER, "/facilitator add @nobody a")
    assert added.plain_text.startswith("Je ne connais pas cette personne")
    await bot.emu.people.send_text(BOB, "/start")  # Bob has no username: use his number
    await bot.settle()
    (added,) = await bot.say(ORGANISER, f"/facilitator add {BOB} Atelier A")
    assert added.plain_text == "✅ Bob anime maintenant «\u202fAtelier A\u202f»."
    (menu,) = await bot.say(BOB, "/change")
    assert ("10:00 Atelier A", f"ch:i:{ref('a')}") in menu.buttons
    await bot.say(ORGANISER, f"/facilitator remove {BOB} Atelier A")
    (refused,) = await bot.say(BOB, "/change")
    assert refused.plain_text == "You can only change the workshops you run."
    (refused,) = await bot.say(ALICE, f"/facilitator add {ALICE} Atelier A")
    assert refused.plain_text == "Cette action est réservée à l'équipe d'organisation."
    (log,) = await bot.say(ORGANISER, "/log")
    lines = log.plain_text.splitlines()
    assert lines[1].endswith("· Oriane · Atelier A\u202f: Bob n'anime plus"), lines
    assert lines[2].endswith("· Oriane · Atelier A\u202f: Bob anime désormais"), lines


async def test_a_revoked_link_is_refused_like_a_made_up_one(crew: Harness) -> None:
    bot = crew
    old = await invite_links(bot)
    assert sorted(old) == [MATHILDE_NAME, THEO_NAME]
    # the link went to the wrong person: the organiser revokes it
    (revoked,) = await bot.say(ORGANISER, "/invites revoke Mathilde")
    assert revoked.plain_text == (
        "🚫 1 lien d'invitation de Mathilde Garnier annulé\u202f: il ne marche plus. "
        "/invites en donne un neuf."
    )
    (again,) = await bot.say(ORGANISER, "/invitations révoquer mathilde garnier")
    assert again.plain_text == (
        "Mathilde Garnier n'a aucun lien d'invitation en attente\u202f: rien à annuler."
    )
    (log,) = await bot.say(ORGANISER, "/log")  # the revocation is in the log, once
    assert log.plain_text.splitlines()[1:] == [
        log.plain_text.splitlines()[1].split(" · ")[0]
        + " · Oriane · Mathilde Garnier\u202f: 1 lien d'invitation annulé"
    ]
    (spent,) = await bot.say(STRANGER, f"/start {old[MATHILDE_NAME]}")
    (made_up,) = await bot.say(STRANGER, "/start " + secrets.token_urlsafe(INVITE_BYTES))
    assert (
        spent.plain_text
        == made_up.plain_text
        == (
            "Ce lien d'invitation n'est pas (ou plus) valable. "
            "Demandez-en un nouveau à l'équipe d'organisation."
        )
    )
    assert await bot.services.roles.role(STRANGER) is Role.PARTICIPANT
    # /invites then gives her a fresh link, which works; Théo's is untouched
    new = await invite_links(bot)
    assert new[MATHILDE_NAME] not in (old[MATHILDE_NAME], old[THEO_NAME])
    assert new[THEO_NAME] == old[THEO_NAME]
    (welcome,) = await bot.say(STRANGER, f"/start {new[MATHILDE_NAME]}")
    assert welcome.plain_text.startswith("🎤 Bienvenue Sam\u202f! Vous êtes maintenant reconnu·e")
    assert await bot.services.roles.role(STRANGER) is Role.FACILITATOR
    # a used link is not "unused": nothing left to revoke
    (used,) = await bot.say(ORGANISER, "/invites revoke Mathilde")
    assert used.plain_text.startswith("Mathilde Garnier n'a aucun lien d'invitation en attente")
    (help_,) = await bot.say(ORGANISER, "/help")
    assert "/invites revoke nom\u202f: annuler les liens pas encore utilisés" in help_.plain_text


async def test_revoking_needs_one_known_name_and_an_organiser(crew: Harness) -> None:
    bot = crew
    await bot.say(MATHILDE, "/start")  # the facilitator of Atelier C, by her @username
    before = await invite_links(bot)
    (unknown,) = await bot.say(ORGANISER, "/invites revoke Zorro")
    assert unknown.plain_text == (
        "Je ne trouve aucun·e animateur·rice nommé·e «\u202fZorro\u202f». "
        "Les noms du programme\u202f: Mathilde Garnier, Théo Garnier"
    )
    (which,) = await bot.say(ORGANISER, "/invites revoke garnier")
    assert which.plain_text == (
        "Plusieurs animateur·rices correspondent à «\u202fgarnier\u202f»\u202f: "
        "Mathilde Garnier, Théo Garnier. Donnez le nom complet."
    )
    (usage,) = await bot.say(ORGANISER, "/invites revoke")
    assert usage.plain_text.startswith(
        "Usage\u202f: /invites pour les liens, ou /invites revoke nom"
    )
    (other,) = await bot.say(ORGANISER, "/invites n'importe quoi")
    assert other.plain_text == usage.plain_text
    (participant,) = await bot.say(BOB, "/invites revoke Théo Garnier")
    assert participant.plain_text == "Only the organisers can do that."
    (facilitator,) = await bot.say(MATHILDE, "/invitations révoquer Théo")
    assert facilitator.plain_text == "Cette action est réservée à l'équipe d'organisation."
    (bare,) = await bot.say(BOB, "/invites revoke")
    assert bare.plain_text == participant.plain_text
    answers = [m.plain_text for m in (unknown, which, usage, other, participant, facilitator)]
    assert not [a for a in answers if any(token in a for token in before.values())]
    assert await invite_links(bot) == before  # nothing was revoked


async def test_invitation_tokens_are_unguessable(
    crew: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = crew
    assert INVITE_BYTES * 8 >= 128
    drawn: list[int | None] = []
    real = secrets.token_urlsafe

    def spy(nbytes: int | None = None) -> str:
        drawn.append(nbytes)
        return real(nbytes)

    monkeypatch.setattr(secrets, "token_urlsafe", spy)
    first = await invite_links(bot)
    assert drawn == [INVITE_BYTES, INVITE_BYTES]  # one draw from secrets per facilitator
    assert first[MATHILDE_NAME] != first[THEO_NAME]
    for token in first.values():
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", token), token  # 128 bits, fits a deep link
    assert await invite_links(bot) == first  # an unused link stays the person's one link
    await bot.say(ORGANISER, "/invites revoke Théo Garnier")
    second = await invite_links(bot)
    assert len(drawn) == 3
    assert second[THEO_NAME] not in first.values()


async def test_private_commands_in_the_group_get_a_hint_not_names(week: Harness) -> None:
    bot = week
    await bot.say(MATHILDE, "/start")
    await sign_up(bot, ALICE, "c")
    links = await invite_links(bot)
    hint = "Ça, c'est en message privé\u202f: écrivez-moi directement."
    name = bot.emu.bot_username
    for user, text in (
        (ORGANISER, f"/invites@{name}"),
        (ORGANISER, "/invites revoke Mathilde"),
        (MATHILDE, "/participants c"),
        (ALICE, f"/mine@{name}"),
        (BOB, "/start"),
    ):
        (answer,) = await bot.say(user, text, chat_id=GROUP)
        expected = "That works in a private chat: write to me directly." if user == BOB else hint
        assert answer.plain_text == expected
    mark = bot.emu.observer.mark(GROUP)
    await bot.emu.people.send_text(ALICE, "/mine@un_autre_bot", chat_id=GROUP)
    await bot.emu.people.send_text(ALICE, "Qui vient à l'atelier C ?", chat_id=GROUP)
    await bot.settle()
    assert texts(bot, GROUP, mark) == []
    assert await invite_links(bot) == links  # the group's /invites revoke did nothing


async def test_a_cancellation_after_the_reminder_is_told_once(week: Harness) -> None:
    bot = week
    await bot.say(MATHILDE, "/start")
    await sign_up(bot, ALICE, "c")
    await move_to(bot, at(24, 14, 21))  # reminded of 14:30 at 14:20
    mark = bot.emu.observer.mark(ALICE)
    await confirm_change(bot, MATHILDE, "c", "cancel", None)
    await move_to(bot, at(24, 14, 25))
    assert texts(bot, ALICE, mark) == ["📢 Changement pour Atelier C\u202f: l'atelier est annulé."]
