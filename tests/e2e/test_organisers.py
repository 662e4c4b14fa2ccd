"""Issue 11: the organisers are told the group's chat id and what the bot lacks; /status."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.sandbox.harness import Harness
from tests.conftest import ALICE, GROUP, ORGANISER

NEW_GROUP = -1009876543210


async def _organiser_told(bot: Harness, count: int = 1) -> list[str]:
    mark = bot.emu.observer.mark(ORGANISER)
    await bot.settle()
    await bot.services.outbox.flush()
    messages = bot.emu.observer.messages(ORGANISER)[mark:]
    assert len(messages) == count, [m.plain_text for m in messages]
    return [m.plain_text for m in messages]


async def test_the_bot_added_then_promoted_tells_the_organisers_what_to_do(bot: Harness) -> None:
    await bot.say(ORGANISER, "/start", count=2)
    emu = bot.emu
    emu.cast.add_group(NEW_GROUP, "Bigre & co", members=[ALICE], bot="left")
    emu.cast.set_group_permissions(NEW_GROUP, can_pin_messages=False)

    mark = emu.observer.mark(ORGANISER)
    emu.cast.add_bot_to_group(NEW_GROUP, ALICE)
    await bot.settle()
    await bot.services.outbox.flush()
    (added,) = [m.plain_text for m in emu.observer.messages(ORGANISER)[mark:]]
    assert added.startswith("👋 On m'a ajouté au groupe «\u202fBigre & co\u202f».")
    assert f"Son identifiant\u202f: {NEW_GROUP}" in added
    assert f"\nannounce_chat_id = {NEW_GROUP}" in added  # the line to copy, alone on its line
    assert "sous [event]" in added
    assert "le droit d'épingler des messages" in added
    assert "le droit d'envoyer" not in added
    assert emu.observer.messages(NEW_GROUP) == []  # nothing said in the group itself
    assert emu.observer.messages(ALICE) == []  # nor to who added it

    mark = emu.observer.mark(ORGANISER)
    emu.cast.promote_bot(NEW_GROUP, ALICE)
    await bot.settle()
    await bot.services.outbox.flush()
    (promoted,) = [m.plain_text for m in emu.observer.messages(ORGANISER)[mark:]]
    assert promoted.startswith("🔧 Mes droits ont changé dans le groupe «\u202fBigre & co\u202f»")
    assert "J'ai les droits qu'il me faut" in promoted
    assert f"announce_chat_id = {NEW_GROUP}" in promoted

    # the configured group, demoted: told it is the configured one, and that pinning is gone
    mark = emu.observer.mark(ORGANISER)
    emu.cast.set_group_permissions(GROUP, can_pin_messages=False)
    emu.cast.demote_bot(GROUP, ORGANISER)
    await bot.settle()
    await bot.services.outbox.flush()
    (demoted,) = [m.plain_text for m in emu.observer.messages(ORGANISER)[mark:]]
    assert "C'est le groupe des annonces de la configuration" in demoted
    assert "le droit d'épingler des messages" in demoted

    mark = emu.observer.mark(ORGANISER)
    emu.cast.remove_bot(NEW_GROUP, ALICE)
    await bot.settle()
    await bot.services.outbox.flush()
    (removed,) = [m.plain_text for m in emu.observer.messages(ORGANISER)[mark:]]
    assert removed.startswith("🚪 Je ne suis plus dans le groupe «\u202fBigre & co\u202f»")


async def test_a_group_become_supergroup_tells_the_new_line(bot: Harness) -> None:
    await bot.say(ORGANISER, "/start", count=2)
    emu = bot.emu
    emu.cast.add_group(-4055, "Bigre 2026", members=[ALICE])  # a basic group, the bot an admin
    mark = emu.observer.mark(ORGANISER)
    emu.cast.upgrade_group(-4055, NEW_GROUP, ALICE)
    await bot.settle()
    await bot.services.outbox.flush()
    (told,) = [m.plain_text for m in emu.observer.messages(ORGANISER)[mark:]]
    assert told.startswith("🔁 Le groupe «\u202fBigre 2026\u202f» est devenu un supergroupe")
    assert f"-4055 devient {NEW_GROUP}" in told
    assert f"\nannounce_chat_id = {NEW_GROUP}" in told
    assert "J'ai les droits qu'il me faut" in told
    assert emu.observer.messages(NEW_GROUP) == [] and emu.observer.messages(-4055) == []


async def test_a_replayed_update_tells_nobody_twice(bot: Harness) -> None:
    await bot.say(ORGANISER, "/start", count=2)
    from bot.domain.membership import GroupChange, Lack

    change = GroupChange(NEW_GROUP, "Groupe Zéphyr", "left", "member", (Lack.PIN,))
    assert await bot.services.membership.bot_changed("update-7", change) == 1
    assert await bot.services.membership.bot_changed("update-7", change) == 0
    await bot.services.outbox.flush()
    assert len([m for m in bot.emu.observer.messages(ORGANISER) if "Zéphyr" in m.plain_text]) == 1


async def test_nobody_to_tell_is_logged_with_the_chat_id(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # the organiser has not started the bot: nobody can be written to, the log says it all
    bot.emu.cast.add_group(NEW_GROUP, "Bigre", members=[ALICE], bot="left")
    bot.emu.cast.add_bot_to_group(NEW_GROUP, ALICE)
    await bot.settle()
    await bot.services.outbox.flush()
    assert bot.emu.observer.messages(ORGANISER) == []
    assert any(f"announce_chat_id = {NEW_GROUP}" in r.getMessage() for r in caplog.records)


async def test_status_tells_the_organisers_how_the_bot_is(bot: Harness) -> None:
    await bot.say(ORGANISER, "/start", count=2)
    await bot.say(ALICE, "/start", count=2)
    (status,) = await bot.say(ORGANISER, "/status")
    text = status.plain_text
    lines = text.split("\n")
    assert lines[0].startswith("État du bot (version 0.1.0, en marche depuis ")
    items = len((await bot.services.programme.current()).workshops)
    assert (
        lines[1] == f"Programme\u202f: {items} éléments. Inscrit·es\u202f: 2, dont 0 injoignable."
    )
    assert lines[3] == "Dernier appel refusé\u202f: aucun depuis le démarrage"
    assert lines[4].startswith("Base de données\u202f: ") and lines[4].endswith(
        " (journal WAL compris)."
    )
    assert lines[5] == "Sauvegarde\u202f: aucune pour l'instant"

    # a refused call, and a backup two hours old
    bot.emu.faults.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    mark = bot.emu.observer.mark(ALICE)
    await bot.emu.people.send_text(ALICE, "/next")
    await bot.settle()
    assert bot.emu.observer.messages(ALICE)[mark:] == []
    folder = bot.services.config.backup.directory
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    old, new = (
        folder / "rencontre-20260823-0330.sqlite3",
        folder / "rencontre-20260824-0330.sqlite3",
    )
    for path, hours in ((old, 26), (new, 2)):
        path.write_bytes(b"SQLite format 3\x00")
        then = time.time() - hours * 3600 - 30
        os.utime(path, (then, then))
    (folder / "autre-chose.sqlite3").write_bytes(b"")  # not a backup of ours

    (status,) = await bot.say(ORGANISER, "/etat")
    lines = status.plain_text.split("\n")
    assert lines[3].startswith("Dernier appel refusé\u202f: sendMessage à 08:30, «\u202f")
    assert "blocked by the user" in lines[3]
    assert lines[5] == f"Sauvegarde\u202f: {new.name}, il y a 2\u202fh 0\u202fmin"


async def test_status_is_for_organisers_only(bot: Harness) -> None:
    (refused,) = await bot.say(ALICE, "/status")
    assert "État du bot" not in refused.plain_text
    (hint,) = await bot.say(ORGANISER, "/status", chat_id=GROUP)
    assert "État du bot" not in hint.plain_text


def test_backups_are_found_by_their_name(tmp_path: Path) -> None:
    from bot.services.status import newest_backup

    assert newest_backup(tmp_path / "absent", time.time()) is None
    assert newest_backup(tmp_path, time.time()) is None
    (tmp_path / "rencontre-1.sqlite3").write_bytes(b"")
    found = newest_backup(tmp_path, time.time() + 90)
    assert found is not None and found.name == "rencontre-1.sqlite3"
    assert 89 <= found.age.total_seconds() <= 120
