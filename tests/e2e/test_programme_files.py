"""Loading programmes: by file in chat, re-imports, broken files, long days, DST."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.harness import ROOT, Harness
from tests.conftest import ALICE, BOB, ORGANISER


def long_day(items: int = 60) -> bytes:
    lines = ["[event]", 'name = "Journée chargée"']
    for i in range(items):
        hour, minute = 8 + (i // 6) % 12, (i % 6) * 10
        lines += [
            "[[workshop]]",
            f'id = "long-{i:02d}"',
            f'title = "Atelier n°{i:02d} : fabriquer & réparer <ensemble> 🛠 un objet utile"',
            f"start = 2026-08-26T{hour:02d}:{minute:02d}:00",
            f"end = 2026-08-26T{hour + 1:02d}:{minute:02d}:00",
            f'room = "Salle {i % 6}"',
            "capacity = 10",
        ]
    return "\n".join(lines).encode()


async def upload(bot: Harness, user: int, name: str, data: bytes) -> str:
    """Send a file; confirm its preview (twice if asked); give the bot's last word on it."""
    mark = bot.emu.observer.mark(user)
    await bot.emu.people.send_document(user, name, data)
    (reply,) = await bot.emu.observer.wait_for_messages(user, 1, after=mark)
    await bot.settle()
    for step in ("im:ok:", "im:sure:"):
        pressed = next((d for _, d in reply.buttons if d and d.startswith(step)), None)
        if pressed is None:
            break
        await bot.press(user, reply, pressed)
        reply = bot.emu.observer.message(user, reply.message_id)
    assert bot.emu.observer.messages(user)[mark + 1 :] == [], "one message, edited as it goes"
    return reply.plain_text


async def test_an_organiser_loads_a_programme_by_file_and_it_replaces_the_old_one(
    bot: Harness,
) -> None:
    report = await upload(bot, ORGANISER, "journee.toml", long_day())
    assert report.startswith("✅ Programme chargé. Éléments\u202f: 60 (ajouts\u202f: 60,")
    assert "retraits\u202f: 89)" in report
    programme = await bot.services.programme.current()
    assert len(programme.workshops) == 60


async def test_a_long_day_is_paged_and_every_item_appears_once(bot: Harness) -> None:
    await upload(bot, ORGANISER, "journee.toml", long_day())
    (first,) = await bot.say(ALICE, "/day 26/08")
    pages = [first.plain_text]
    message = first
    while True:
        forward = [data for label, data in message.buttons if label == "▶️"]
        if not forward:
            break
        await bot.press(ALICE, message, forward[0])  # type: ignore[arg-type]  # a callback button
        message = bot.emu.observer.message(ALICE, first.message_id)
        pages.append(message.plain_text)
    assert len(pages) >= 3
    assert all(len(page) <= 4096 for page in pages)
    assert all(page.startswith("📅 Mercredi 26 août") for page in pages)
    seen = re.findall(r"Atelier n°(\d\d)", "\n".join(pages))
    assert sorted(seen) == [f"{i:02d}" for i in range(60)]
    # the HTML that was sent escapes the programme text
    assert "fabriquer &amp; réparer &lt;ensemble&gt;" in first.text
    # going back works too
    back = next(d for label, d in message.buttons if label == "◀️")
    assert back is not None
    await bot.press(ALICE, message, back)
    assert bot.emu.observer.message(ALICE, first.message_id).plain_text == pages[-2]


async def test_a_re_import_keeps_ids_and_reports_changes(bot: Harness) -> None:
    original = (ROOT / "examples" / "bigre-2026.toml").read_text(encoding="utf-8")
    head, _, tail = original.partition('id = "mar-10-atelier-couleurs"')
    moved = head + _ + tail.replace('room = "Salle Agnès Varda"', 'room = "Chapiteau"', 1)
    report = await upload(bot, ORGANISER, "bigre-2026.toml", moved.encode())
    assert report.startswith(
        "✅ Programme chargé. Éléments\u202f: 89 "
        "(ajouts\u202f: 0, modifications\u202f: 1, retraits\u202f: 0)"
    )
    item = await bot.services.agenda.by_id("mar-10-atelier-couleurs")
    assert item.room == "Chapiteau"
    again = await upload(bot, ORGANISER, "bigre-2026.toml", moved.encode())
    assert "(ajouts\u202f: 0, modifications\u202f: 0, retraits\u202f: 0)" in again


async def test_broken_files_are_refused_whole_and_the_programme_stays(bot: Harness) -> None:
    before = await bot.services.programme.current()
    broken = {
        "cassé.toml": b'[[workshop]]\nid = "x"\ntitle = "X"\n'
        b"start = 2026-08-24T10:00:00\nend = [\n",
        "heures.csv": "titre;jour;début;fin\nA;24/08/2026;10h;11h\nB;24/08/2026;25h;26h\n".encode(),
        "vide.ics": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        "schedule.xml": b"<schedule><conference><title>x</title></conference><day",
    }
    for name, data in broken.items():
        reply = await upload(bot, ORGANISER, name, data)
        assert reply.startswith("❌ Fichier refusé, rien n'a été changé\u202f:"), (name, reply)
    bot.services.programme.forget()
    assert await bot.services.programme.current() == before


async def test_only_organisers_load_programmes(bot: Harness) -> None:
    reply = await upload(bot, ALICE, "journee.toml", long_day())
    assert (
        reply
        == "Merci pour le fichier\u202f! Seule l'équipe d'organisation peut charger le programme."
    )
    assert len((await bot.services.programme.current()).workshops) == 89
    reply = await upload(bot, ORGANISER, "photo.jpg", b"\xff\xd8\xff")
    assert reply.startswith("Je ne sais lire comme programme que")


async def test_times_are_right_across_the_dst_change(bot: Harness) -> None:
    toml = """
[[workshop]]
id = "nuit-1"
title = "Veillée avant le changement d'heure"
start = 2026-10-25T01:30:00
end = 2026-10-25T02:30:00+02:00
[[workshop]]
id = "nuit-2"
title = "Après le changement d'heure"
start = 2026-10-25T02:30:00+01:00
end = 2026-10-25T04:00:00
"""
    await upload(bot, ORGANISER, "octobre.toml", toml.encode())
    (reply,) = await bot.say(BOB, "/day 25/10/2026")
    text = reply.plain_text
    assert "01:30\n• Veillée" in text and "02:30\n• Après" in text
    item = await bot.services.agenda.by_id("nuit-2")
    assert item.start == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 in winter time
    assert (item.end - item.start).total_seconds() == 90 * 60


def test_run_import_loads_a_file_into_the_database(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[storage]\ndatabase = '{tmp_path / 'r.sqlite3'}'\n", encoding="utf-8")
    args = [sys.executable, "run.py", "import", "--config", str(config)]
    first = subprocess.run(
        [*args[:3], str(ROOT / "examples" / "petit-programme.csv"), *args[3:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,  # not a terminal: applied without asking
    )
    assert first.returncode == 0, first.stderr
    assert "petit-programme.csv: 17 items (17 added" in first.stdout
    again = subprocess.run(
        [*args[:3], str(ROOT / "examples" / "petit-programme.csv"), *args[3:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,  # not a terminal: applied without asking
    )
    assert "(0 added, 0 changed, 0 removed, 17 unchanged)" in again.stdout
    broken = tmp_path / "broken.csv"
    broken.write_text("titre;jour;début;fin\nA;24/08/2026;10h;9h\n", encoding="utf-8")
    refused = subprocess.run(
        [*args[:3], str(broken), *args[3:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,  # not a terminal: applied without asking
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
