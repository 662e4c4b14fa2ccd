"""A re-import of the programme file keeps what was changed in chat and people were told."""

from __future__ import annotations

from pathlib import Path

from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from tests.conftest import ALICE, BOB, GROUP, ORGANISER
from tests.e2e.test_announcements import PROGRAMME, registered, sign_up, texts
from tests.e2e.test_changes import confirm_change, running_week
from tests.e2e.test_programme_files import upload

A_LATER = "2026-08-24T10:30:00\nend = 2026-08-24T12:30:00"


async def test_a_reimport_keeps_room_moves_and_cancellations_made_in_chat(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        await registered(bot, ALICE, ORGANISER)
        await sign_up(bot, ALICE, "c")
        rooms = sorted(r.name for r in (await bot.services.programme.current()).rooms)
        await confirm_change(
            bot, ORGANISER, "c", "room", f"ch:r:{ref('c')}:{rooms.index('Chapiteau')}"
        )
        await confirm_change(bot, ORGANISER, "b", "cancel", None)
        await confirm_change(bot, ORGANISER, "a", "late", f"ch:l:{ref('a')}:10")

        # The same file again, as an organiser fixing a typo elsewhere would send it
        fixed = PROGRAMME.replace('title = "Atelier A"', 'title = "Atelier A (débutants)"')
        reply = await upload(bot, ORGANISER, "semaine.toml", fixed.encode())
        assert reply.endswith(
            "✏️ 3 éléments modifiés dans le chat (salle, horaire, places, annulation, "
            "note) gardent ces changements\u202f: le fichier ne les "
            "avait pas. Pour les défaire\u202f: "
            "/change, ou d'autres valeurs dans le fichier."
        ), reply
        items = {w.id: w for w in (await bot.services.programme.current()).workshops}
        assert "b" not in items, "a cancelled item stays cancelled"
        assert items["c"].room == "Chapiteau"
        assert items["a"].title == "Atelier A (débutants)"  # the file's own edit is taken
        assert f"{items['a'].start:%H:%M}" == "08:10"  # 10:10 in Paris, as announced
        (details,) = await bot.say(ALICE, "/mine")
        assert "Atelier C" in details.plain_text and "📍 Chapiteau" in details.plain_text

        # A file that moves the item itself is newer than the chat: it wins
        moved = fixed.replace(
            'room = "Plage"\nfacilitators', 'room = "Salle des Pins"\nfacilitators'
        )
        assert moved != fixed
        report = await bot.services.programme.import_bytes(moved.encode(), "semaine.toml")
        items = {w.id: w for w in (await bot.services.programme.current()).workshops}
        assert items["c"].room == "Salle des Pins"
        assert set(report.kept) == {"a", "b"}


async def test_people_signed_up_hear_when_the_file_moves_or_drops_their_item(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, PROGRAMME) as bot:
        await registered(bot, ALICE, BOB)
        await sign_up(bot, ALICE, "c")
        await sign_up(bot, BOB, "a")
        await sign_up(bot, ALICE, "early")
        alice, bob = bot.emu.observer.mark(ALICE), bot.emu.observer.mark(BOB)
        yoga = PROGRAMME[PROGRAMME.index('[[workshop]]\nid = "early"') :]
        yoga = yoga[: yoga.index("[[workshop]]", 1)]
        edited = (
            PROGRAMME.replace(yoga, "")  # taken out
            .replace('room = "Plage"\nfacilitators', 'room = "Chapiteau"\nfacilitators')
            .replace("2026-08-24T10:00:00\nend = 2026-08-24T12:00:00", A_LATER)
        )
        report = await bot.services.programme.import_bytes(edited.encode(), "semaine.toml")
        assert report.removed == ("early",)
        await bot.services.outbox.flush()
        assert texts(bot, ALICE, alice) == [
            "✏️ Changement\u202f: Atelier C a lieu lundi 24 août, 14:30–16:00, 📍 Chapiteau "
            "(au lieu de 14:30, Plage).",
            "❌ Annulé\u202f: Yoga très matinal n'aura pas lieu.",
        ]
        (moved,) = texts(bot, BOB, bob)
        assert moved == (  # Bob reads English
            "✏️ Change: Atelier A is now Monday 24 August, 10:30–12:30, 📍 Salle des Pins "
            "(instead of 10:00, Salle des Pins)."
        )
        # nothing for the group: a file can change many items at once
        assert [m for m in bot.emu.observer.messages(GROUP) if "Changement" in m.plain_text] == []
        # and the same file again tells nobody anything more
        await bot.services.programme.import_bytes(edited.encode(), "semaine.toml")
        await bot.services.outbox.flush()
        assert len(texts(bot, ALICE, alice)) == 2 and len(texts(bot, BOB, bob)) == 1
