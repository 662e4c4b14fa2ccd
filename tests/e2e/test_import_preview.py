"""Issue 16, part 1: a programme file is previewed, then confirmed; nothing lands before that."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import ConfigError, parse_config
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import ROOT, Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from tests.conftest import ALICE, BOB, GROUP, MATHILDE, ORGANISER
from tests.e2e.test_announcements import PROGRAMME, START, registered, sign_up, texts
from tests.e2e.test_changes import running_week
from tests.e2e.test_programme_files import long_day

NNBSP = "\u202f"
YOGA = PROGRAMME[PROGRAMME.index('[[workshop]]\nid = "early"') :]
YOGA = YOGA[: YOGA.index("[[workshop]]", 1)]
NEW_ITEM = """
[[workshop]]
id = "d"
title = "Atelier D <nouveau>"
start = 2026-08-26T10:00:00
end = 2026-08-26T11:00:00
room = "Plage"
"""
# Takes Yoga away (1 of 6 items), moves C to the Chapiteau, A half an hour later, fewer places
# for the Méditation, a new title for lunch, and adds D
EDITED = (
    PROGRAMME.replace(YOGA, "")
    .replace('room = "Plage"\nfacilitators', 'room = "Chapiteau"\nfacilitators')
    .replace(
        "2026-08-24T10:00:00\nend = 2026-08-24T12:00:00",
        "2026-08-24T10:30:00\nend = 2026-08-24T12:30:00",
    )
    .replace(
        'room = "Plage"\ncapacity = 20\n\n[[rota]]', 'room = "Plage"\ncapacity = 15\n\n[[rota]]'
    )
    .replace('title = "Déjeuner"', 'title = "Déjeuner sur l\'herbe"')
    + NEW_ITEM
)
# Keeps only A and B: takes away 4 of the 6 items
GUTTED = PROGRAMME[: PROGRAMME.index('[[workshop]]\nid = "lunch"')]


async def send_file(bot: Harness, user: int, name: str, data: bytes) -> SentMessage:
    """Send a file as a person; give the bot's one answer."""
    mark = bot.emu.observer.mark(user)
    await bot.emu.people.send_document(user, name, data)
    (reply,) = await bot.emu.observer.wait_for_messages(user, 1, after=mark)
    await bot.settle()
    assert bot.emu.observer.messages(user)[mark + 1 :] == []
    return reply


def spaces(text: str) -> str:
    """Read no-break spaces as spaces (for messages whose typography is not this test's)."""
    return text.replace(NNBSP, " ").replace("\xa0", " ")


def button(message: SentMessage, prefix: str) -> str:
    found = [d for _, d in message.buttons if d and d.startswith(prefix)]
    assert len(found) == 1, message.buttons
    return found[0]


async def items(bot: Harness) -> dict[str, object]:
    bot.services.programme.forget()  # read what is stored, not a copy in memory
    return {w.id: w for w in (await bot.services.programme.current()).workshops}


async def sent_since(bot: Harness, marks: dict[int, int]) -> dict[int, list[str]]:
    """Let the bot send what is due; give what each person got since their mark."""
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    return {chat: texts(bot, chat, mark) for chat, mark in marks.items()}


async def test_a_file_is_previewed_and_nobody_hears_of_it_before_confirm(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        await registered(bot, MATHILDE)  # @mathilde_g runs Atelier C
        await sign_up(bot, ALICE, "c")
        await sign_up(bot, BOB, "a")
        await sign_up(bot, ALICE, "early")
        before = await items(bot)
        marks = {chat: bot.emu.observer.mark(chat) for chat in (ALICE, BOB, MATHILDE, GROUP)}

        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        text = preview.plain_text
        assert text.startswith(
            f"📄 semaine.toml{NNBSP}: voici ce que ce fichier changerait. Rien n'est encore "
            "appliqué, personne n'est prévenu.\n"
            f"Éléments du programme actuel{NNBSP}: 6. Avec ce fichier{NNBSP}: 6 (ajouts{NNBSP}: 1, "
            f"modifications{NNBSP}: 4, retraits{NNBSP}: 1).\n"
        ), text
        assert f"➕ Ajouts{NNBSP}: 1\n• mercredi 26 août, 10:00–11:00 · Atelier D <nouveau>" in (
            text
        )
        assert "Atelier D &lt;nouveau&gt;" in preview.text  # the HTML sent escapes it
        lines = text.splitlines()
        assert (
            f"• Atelier A{NNBSP}: horaire lundi 24 août, 10:00–12:00 → 10:30–12:30 · 👥 1 inscrit·e"
        ) in lines
        assert (
            f"• Atelier C{NNBSP}: salle Plage → Chapiteau · 👥 1 inscrit·e, 1 animateur·rice"
        ) in lines
        assert f"• Méditation{NNBSP}: places 20 → 15" in lines  # no move: nobody to count
        lunch = f"«{NNBSP}Déjeuner{NNBSP}» → «{NNBSP}Déjeuner sur l'herbe{NNBSP}»"
        assert f"• Déjeuner{NNBSP}: titre {lunch}" in lines
        assert (
            f"➖ Retraits{NNBSP}: 1\n"
            "• mardi 25 août, 06:30–07:00 · Yoga très matinal · 👥 1 inscrit·e"
        ) in text
        assert text.endswith(
            "Si vous confirmez, je préviendrai 2 personnes inscrites ou en attente d'un "
            "élément déplacé ou retiré."
        ), text
        assert "⚠️" not in text  # 1 of 6 is below the share that asks twice
        ok = button(preview, "im:ok:")
        assert preview.buttons == [("✅ Confirmer", ok), ("Annuler", "im:no:" + ok[6:])]

        # Nothing changed, nobody heard of it
        assert await items(bot) == before
        assert await sent_since(bot, marks) == {ALICE: [], BOB: [], MATHILDE: [], GROUP: []}

        await bot.press(ORGANISER, preview, ok)
        done = bot.emu.observer.message(ORGANISER, preview.message_id)
        assert spaces(done.plain_text).startswith(
            "✅ Programme chargé. Éléments : 6 (ajouts : 1, modifications : 4, retraits : 1)"
        ), done.plain_text
        assert done.buttons == []
        now = await items(bot)
        assert "early" not in now and "d" in now
        assert now["c"].room == "Chapiteau"  # type: ignore[attr-defined]
        got = await sent_since(bot, marks)
        assert [spaces(t) for t in got[ALICE]] == [
            "✏️ Changement : Atelier C a lieu lundi 24 août, 14:30–16:00, 📍 Chapiteau "
            "(au lieu de 14:30, Plage).",
            "❌ Annulé : Yoga très matinal n'aura pas lieu.",
        ]
        assert got[BOB] == [
            "✏️ Change: Atelier A is now Monday 24 August, 10:30–12:30, 📍 Salle des Pins "
            "(instead of 10:00, Salle des Pins)."
        ]
        assert got[GROUP] == []  # a file can change many items at once: not the group


async def test_a_double_confirm_applies_once_and_tells_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        await sign_up(bot, ALICE, "early")
        alice = bot.emu.observer.mark(ALICE)
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        ok = button(preview, "im:ok:")
        # Two quick taps: both presses arrive before the bot handles the first
        first = await bot.emu.people.press_button(ORGANISER, preview.message_id, ok)
        second = await bot.emu.people.press_button(ORGANISER, preview.message_id, ok)
        answers = [await bot.emu.observer.wait_for_callback_answer(q) for q in (first, second)]
        await bot.settle()
        assert [a.get("text") for a in answers] == [None, None], "no alert, no refusal"
        # Whichever press the bot finished last wrote the message: both give the report
        done = spaces(bot.emu.observer.message(ORGANISER, preview.message_id).plain_text)
        assert done.startswith("✅ Programme chargé. Éléments : 6 ("), done
        assert bot.emu.observer.messages(ORGANISER)[-1].message_id == preview.message_id, "no error"
        assert "early" not in await items(bot)
        assert [spaces(t) for t in (await sent_since(bot, {ALICE: alice}))[ALICE]] == [
            "❌ Annulé : Yoga très matinal n'aura pas lieu."
        ]
        # Cancel after it is done changes nothing either
        answer = await forge_press(bot.emu, ORGANISER, preview, "im:no:" + ok[6:])
        assert answer["text"].startswith("Ce fichier est déjà chargé"), answer
        assert "early" not in await items(bot)


async def test_cancel_changes_nothing(emu: BotApiEmulator, tmp_path: Path) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        await sign_up(bot, ALICE, "early")
        before = await items(bot)
        alice = bot.emu.observer.mark(ALICE)
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        ok = button(preview, "im:ok:")
        await bot.press(ORGANISER, preview, button(preview, "im:no:"))
        assert (
            bot.emu.observer.message(ORGANISER, preview.message_id).plain_text
            == f"D'accord, ce fichier n'est pas chargé{NNBSP}: rien n'a changé."
        )
        # The old Confirm, pressed anyway (a forged or late press), finds nothing to apply
        answer = await forge_press(bot.emu, ORGANISER, preview, ok)
        assert answer["text"].startswith("Il n'y a pas de fichier en attente"), answer
        assert await items(bot) == before
        assert (await sent_since(bot, {ALICE: alice}))[ALICE] == []


async def test_a_file_that_removes_much_asks_twice(emu: BotApiEmulator, tmp_path: Path) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        before = await items(bot)
        preview = await send_file(bot, ORGANISER, "erreur.toml", GUTTED.encode())
        assert "⚠️ Ce fichier retire 4 des 6 éléments du programme." in preview.plain_text
        await bot.press(ORGANISER, preview, button(preview, "im:ok:"))
        asked = bot.emu.observer.message(ORGANISER, preview.message_id)
        assert asked.plain_text.endswith(
            f"⚠️ Vous êtes sûr·e{NNBSP}? Ce fichier retire 4 des 6 éléments du programme."
        ), asked.plain_text
        assert [label for label, _ in asked.buttons] == ["Oui, retirer 4 éléments", "Annuler"]
        assert await items(bot) == before, "one press is not enough"
        await bot.press(ORGANISER, asked, button(asked, "im:sure:"))
        done = spaces(bot.emu.observer.message(ORGANISER, preview.message_id).plain_text)
        assert done.startswith("✅ Programme chargé. Éléments : 2 (ajouts : 0,"), done
        assert set(await items(bot)) == {"a", "b"}


async def test_a_pending_file_survives_a_restart_and_a_replayed_press_applies_nothing(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        await sign_up(bot, ALICE, "early")
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        ok = button(preview, "im:ok:")
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        alice = bot.emu.observer.mark(ALICE)
        assert "early" in await items(bot)
        await bot.press(ORGANISER, preview, ok)
        done = spaces(bot.emu.observer.message(ORGANISER, preview.message_id).plain_text)
        assert done.startswith("✅ Programme chargé. Éléments : 6 ("), done
        assert "early" not in await items(bot)
        assert [spaces(t) for t in (await sent_since(bot, {ALICE: alice}))[ALICE]] == [
            "❌ Annulé : Yoga très matinal n'aura pas lieu."
        ]
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        # The same press again after another restart: the file is not loaded a second time
        alice = bot.emu.observer.mark(ALICE)
        await forge_press(bot.emu, ORGANISER, preview, ok)
        await bot.settle()
        again = bot.emu.observer.message(ORGANISER, preview.message_id).plain_text
        assert again.endswith(f"(C'était déjà fait{NNBSP}: le fichier n'est chargé qu'une fois.)")
        assert (await sent_since(bot, {ALICE: alice}))[ALICE] == []


async def test_a_programme_changed_since_the_preview_is_previewed_again(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        ok = button(preview, "im:ok:")
        # Meanwhile, another file lands (through the service, as `run.py import` would)
        await bot.services.programme.import_bytes(
            PROGRAMME.replace('title = "Atelier B & co"', 'title = "Atelier B"').encode(),
            "autre.toml",
        )
        await bot.press(ORGANISER, preview, ok)
        again = bot.emu.observer.message(ORGANISER, preview.message_id)
        assert again.plain_text.startswith(
            f"⚠️ Le programme a changé depuis le premier aperçu{NNBSP}: voici ce que le fichier "
            "changerait maintenant."
        ), again.plain_text
        assert f"• Atelier B{NNBSP}: titre «{NNBSP}Atelier B{NNBSP}» → «{NNBSP}Atelier B & co" in (
            again.plain_text
        )
        assert (await items(bot))["b"].title == "Atelier B"  # type: ignore[attr-defined]
        fresh = button(again, "im:ok:")
        assert fresh != ok
        await bot.press(ORGANISER, again, fresh)
        done = spaces(bot.emu.observer.message(ORGANISER, preview.message_id).plain_text)
        assert done.startswith("✅ Programme chargé. Éléments : 6 ("), done
        assert (await items(bot))["b"].title == "Atelier B & co"  # type: ignore[attr-defined]


async def test_a_pending_file_expires_like_other_drafts(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        before = await items(bot)
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        bot.clock.jump_to(bot.clock.now() + timedelta(days=1, minutes=1))  # type: ignore[attr-defined]
        answer = await bot.press(ORGANISER, preview, button(preview, "im:ok:"))
        assert answer["text"].startswith("⌛ Ce fichier n'a pas été confirmé à temps"), answer
        assert await items(bot) == before


async def test_bad_files_and_other_people_change_nothing(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        before = await items(bot)
        for name, data, reason in [
            ("vide.csv", b"", f"Le fichier «{NNBSP}vide.csv{NNBSP}» est vide."),
            ("notes.txt", b"just some words\n", "Je ne reconnais pas le format"),
            ("cassé.toml", b"[[workshop]]\nid = \n", "Ligne 2 : le fichier TOML est mal écrit"),
        ]:
            reply = await send_file(bot, ORGANISER, name, data)
            assert spaces(reply.plain_text).startswith("❌ Fichier refusé, rien n'a été changé :")
            assert spaces(reason) in spaces(reply.plain_text), (
                name,
                reply.plain_text,
            )
            assert reply.buttons == []
        reply = await send_file(bot, ALICE, "semaine.toml", EDITED.encode())
        assert spaces(reply.plain_text).startswith("Merci pour le fichier ! Seule l'équipe")
        assert reply.buttons == []
        # A participant pressing an organiser's Confirm (forged) is refused
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        ok = button(preview, "im:ok:")
        alice_sees = await send_file(bot, ALICE, "semaine.toml", EDITED.encode())
        answer = await forge_press(bot.emu, ALICE, alice_sees, ok)
        assert answer["text"] == bot.services.t("fr", "common.not_allowed"), answer
        assert await items(bot) == before


async def test_a_long_preview_fits_one_message(bot: Harness) -> None:
    preview = await send_file(bot, ORGANISER, "journee.toml", long_day())
    text = preview.plain_text
    assert len(preview.text) <= 4096
    assert f"➕ Ajouts{NNBSP}: 60" in text and f"➖ Retraits{NNBSP}: 89" in text
    assert "… et " in text and " de plus" in text
    assert text.count("\n• ") < 60 + 89
    assert "⚠️ Ce fichier retire 89 des 89 éléments du programme." in text


def run(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", "import", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_run_import_dry_run_prints_the_preview_and_changes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[storage]\ndatabase = '{tmp_path / 'r.sqlite3'}'\n", encoding="utf-8")
    week = str(ROOT / "examples" / "bigre-2026.toml")
    small = str(ROOT / "examples" / "petit-programme.csv")
    loaded = run(week, config=config)  # not in a terminal: applied at once, as before
    assert loaded.returncode == 0, loaded.stderr
    assert "bigre-2026.toml: 89 items (89 added" in loaded.stdout
    dry = run(small, "--dry-run", config=config)
    assert dry.returncode == 0, dry.stderr
    out = dry.stdout
    assert out.startswith("📄 petit-programme.csv: here is what this file would change."), out
    assert "Items in the current programme: 89. With this file: 17" in out
    assert "⚠️ This file removes 89 of the 89 items of the programme." in out
    assert "• Tuesday 25 August, 10:00–12:00 · Atelier couleurs · 👥 nobody" in out
    assert "more" not in out  # the terminal gets every line
    assert out.rstrip().endswith("dry run: nothing changed")
    same = run(week, "--dry-run", config=config)
    assert "This file changes nothing in the programme." in same.stdout
    again = run(week, config=config)
    assert "(0 added, 0 changed, 0 removed, 89 unchanged)" in again.stdout, again.stdout


def test_run_import_in_a_terminal_asks_before_applying(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[storage]\ndatabase = '{tmp_path / 'r.sqlite3'}'\n", encoding="utf-8")
    small = str(ROOT / "examples" / "petit-programme.csv")

    def in_terminal(answers: bytes) -> subprocess.CompletedProcess[str]:
        main, terminal = os.openpty()
        try:
            os.write(main, answers)
            return subprocess.run(
                [sys.executable, "run.py", "import", small, "--config", str(config)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=60,
                check=False,
                stdin=terminal,
            )
        finally:
            os.close(main)
            os.close(terminal)

    said_no = in_terminal(b"n\n")
    assert said_no.returncode == 0, said_no.stderr
    assert "Apply? [y/N]" in said_no.stdout and "not applied: nothing changed" in said_no.stdout
    said_yes = in_terminal(b"y\n")
    assert "petit-programme.csv: 17 items (17 added" in said_yes.stdout, said_yes.stdout
    again = run(small, config=config)
    assert "(0 added, 0 changed, 0 removed, 17 unchanged)" in again.stdout


def test_the_share_that_asks_twice_is_a_number_from_0_to_1(tmp_path: Path) -> None:
    base = {"storage": {"database": str(tmp_path / "r.sqlite3")}}
    config = parse_config({**base, "programme": {"confirm_removal_share": 0.5}}, "c.toml", tmp_path)
    assert config.programme.confirm_removal_share == 0.5
    assert parse_config(base, "c.toml", tmp_path).programme.confirm_removal_share == 0.3
    for wrong in (-0.1, 1.5, "beaucoup"):
        with pytest.raises(ConfigError, match=r"^c\.toml: programme\.confirm_removal_share: "):
            parse_config(
                {**base, "programme": {"confirm_removal_share": wrong}}, "c.toml", tmp_path
            )


async def test_only_the_organiser_who_sent_the_file_may_confirm_it(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={"organisers": [ORGANISER, MATHILDE], "announce_chat_id": GROUP},
    )
    async with Harness.running(emu, config, FrozenClock(START)) as bot:
        await registered(bot, ORGANISER, MATHILDE)
        before = await items(bot)
        preview = await send_file(bot, ORGANISER, "semaine.toml", EDITED.encode())
        ok = button(preview, "im:ok:")
        # Another organiser presses its data (forged, on a message of their own)
        (hers,) = await bot.say(MATHILDE, "/help")
        answer = await forge_press(bot.emu, MATHILDE, hers, ok)
        assert answer["text"].startswith("Il n'y a pas de fichier en attente"), answer
        answer = await forge_press(bot.emu, MATHILDE, hers, "im:no:" + ok[6:])
        assert answer["text"].startswith("Il n'y a pas de fichier en attente"), answer
        assert await items(bot) == before
        await bot.press(ORGANISER, preview, ok)
        assert "early" not in await items(bot)
