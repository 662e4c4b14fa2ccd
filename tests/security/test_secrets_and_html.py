"""Issue 7, security: the token stays secret, and programme text is shown, never obeyed, as HTML.

The token: the bot runs with a distinctive one and production logging (`setup_logging`, whose
filter redacts it); a handler fails with an exception that quotes it, as a network error
quoting the request URL would. Neither the log, nor the organisers' error report, nor any
message may show it; nor may `run.py check` when the config it refuses holds the token.

HTML: titles, rooms, descriptions, facilitators' names, organisations and a person's name full
of `<b>`, `</i>`, links, `&amp;`, `&`, `<` and quotes. Every answer must be accepted by the
emulator (which refuses broken HTML, a bare `&` included) and show those characters as typed.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.logs import setup_logging
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import ROOT, Harness, forge_press, local_config
from bot.sandbox.records import SentMessage
from handlers import errors as error_handler
from tests.conftest import ALICE, FIRST_MORNING, GROUP, ORGANISER, PARIS
from tests.security.support import crash_signs, sent_texts, unexpected_refusals

TOKEN = "987654321:AAH-Secr3tT0ken_only-for-these-tests_Zq9"

# ─── The token ────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def production_log(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[io.StringIO]:
    """Log as run.py does (to stderr, token redacted); give what it writes there."""
    written = io.StringIO()
    root = logging.getLogger()
    quiet = ("httpx", "httpcore", "apscheduler")
    saved = (root.handlers[:], root.level, {name: logging.getLogger(name).level for name in quiet})
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", written)
        setup_logging(TOKEN, logging.INFO)
    root.addHandler(caplog.handler)  # after the redacting handler: it sees what it wrote
    try:
        yield written
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
async def secret_bot(
    tmp_path: Path, production_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    # The organisers hear of at most one error a minute: a fresh count for this test
    monkeypatch.setattr(error_handler, "_reporter", error_handler.Reporter())
    async with BotApiEmulator(token=TOKEN) as emu:
        emu.cast.add_user(ALICE, "Alice", language_code="fr")
        emu.cast.add_user(ORGANISER, "Oriane", language_code="fr")
        config = local_config(
            emu,
            tmp_path / "r.sqlite3",
            event={"organisers": [ORGANISER]},
            extra={"announcements": {"enabled": False}},
        )
        async with Harness.running(emu, config, FrozenClock(FIRST_MORNING)) as bot:
            yield bot


async def test_the_token_is_in_no_log_report_or_message(
    secret_bot: Harness,
    production_log: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = secret_bot
    await bot.say(ORGANISER, "/start")
    await bot.say(ALICE, "/start")

    async def unreachable(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"POST {bot.emu.base_url}{TOKEN}/sendMessage failed (token {TOKEN})")

    monkeypatch.setattr(bot.services.agenda, "next", unreachable)
    mark = bot.emu.observer.mark(ORGANISER)
    (oops,) = await bot.say(ALICE, "/next")
    (report,) = await bot.emu.observer.wait_for_messages(ORGANISER, 1, after=mark)

    assert oops.plain_text.startswith("Oups, quelque chose s'est mal passé")
    assert report.plain_text.startswith("⚠️ Erreur inattendue dans le bot\u202f: RuntimeError(")
    assert "<token>" in report.plain_text  # the error is reported, its token blacked out
    log = production_log.getvalue()
    assert "Traceback" in log and "RuntimeError" in log and "<token>" in log
    for where, text in (
        ("the log on stderr", log),
        ("caplog", caplog.text),
        ("a message or an answer", "\n".join(sent_texts(bot.emu))),
    ):
        assert TOKEN not in text, f"the token is in {where}"
        assert TOKEN.split(":")[1] not in text, f"the token's secret half is in {where}"


BAD_CONFIGS = {
    "an unknown timezone": f'[telegram]\ntoken = "{TOKEN}"\n[event]\ntimezone = "Mars/Olympus"\n',
    "an unknown key holding it": f'[telegram]\ntoken = "{TOKEN}"\ntokn = "{TOKEN}"\n',
    "broken TOML on its line": f'[telegram]\ntoken = "{TOKEN}\n',
    "it where a number goes": f'[telegram]\ntoken = "{TOKEN}"\n[event]\norganisers = ["{TOKEN}"]\n',
    "it in a URL without scheme": f'[telegram]\napi_base_url = "api.telegram.org/bot{TOKEN}"\n',
    "a programme that is missing": (
        f'[telegram]\ntoken = "{TOKEN}"\n[event]\nprogramme = "missing.toml"\n'
    ),
    "it only in the environment": '[event]\ntimezone = "Mars/Olympus"\n',
}
# Config errors that printed the token once, and why (kept to explain a regression)
BUGS = {
    "it in a URL without scheme": "bot/config.py _base_url must not quote the refused value",
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_run_check_never_prints_the_token(tmp_path: Path, case: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BAD_CONFIGS[case], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "RENCONTRE_TOKEN"}
    if case == "it only in the environment":
        env["RENCONTRE_TOKEN"] = TOKEN
    done = subprocess.run(
        [sys.executable, "run.py", "check", "--config", str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("error: "), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # one line, no traceback
    printed = done.stdout + done.stderr
    assert TOKEN.split(":")[1] not in printed, (
        f"{BUGS.get(case, 'the token is printed')}: {printed}"
    )


def test_run_check_of_a_good_config_does_not_print_the_token(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    programme = ROOT / "examples" / "bigre-2026.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[event]\nprogramme = "{programme}"\n', encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "run.py", "check", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert TOKEN.split(":")[1] not in done.stdout + done.stderr


# ─── HTML ─────────────────────────────────────────────────────────────────────────────────

TITLE = 'Atelier <b>gras</b> & "citations" </i> l\'&amp; <3'
ROOM = 'Salle <a href="https://evil.example/?a=1&b=2">clic</a>'
ROOM_NOTE = 'rez-de-chaussée <b> & "jardin" </b'
DESCRIPTION = "Venez &amp; amenez <script>alert('x')</script> & vos < idées >"
FACILITATOR = "Zoé </i><b>Bold & Co"
PLENARY = "Plénière & <i>débat</i>"
AREA = 'Vaisselle <b>&</b> "rinçage"'
ORGANISATION = "Coop <b>&</b> Co"
NASTY, ZOE = 1666, 1777
NAME, LAST_NAME = "<script>&", '</i>O\'Brien "Bob"'


def _toml(text: str) -> str:
    """Quote a string for TOML."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


PROGRAMME = f"""
[[room]]
name = {_toml(ROOM)}
description = {_toml(ROOM_NOTE)}

[[workshop]]
id = "h1"
title = {_toml(TITLE)}
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = {_toml(ROOM)}
description = {_toml(DESCRIPTION)}
facilitators = [{_toml(FACILITATOR)}]
telegram = ["@zoe_anim"]
capacity = 5

[[workshop]]
id = "h2"
title = {_toml(PLENARY)}
kind = "plenary"
start = 2026-08-24T14:30:00
end = 2026-08-24T16:00:00
room = "Chapiteau <grand>"

[[rota]]
id = "hr1"
area = {_toml(AREA)}
start = 2026-08-24T13:00:00
end = 2026-08-24T13:30:00
places = 2
"""


@pytest.fixture
async def html_bot(emu: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    programme = tmp_path / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    emu.cast.add_user(NASTY, NAME, last_name=LAST_NAME, language_code="fr")
    emu.cast.add_user(ZOE, "Zoé", username="zoe_anim", language_code="fr")
    emu.cast.join_group(GROUP, NASTY)
    config = local_config(
        emu,
        tmp_path / "r.sqlite3",
        programme=programme,
        event={
            "organisers": [ORGANISER],
            "organisations": [ORGANISATION, "Smart"],
            "announce_chat_id": GROUP,
        },
        # The group announcement is checked; digests, arriving on their own, would race the replies
        extra={"announcements": {"board": False, "digest_at": "23:00"}},
    )
    async with Harness.running(emu, config, FrozenClock(FIRST_MORNING)) as bot:
        yield bot


def shows(message: SentMessage, *pieces: str) -> None:
    """Check that a message shows every piece exactly as typed."""
    missing = [p for p in pieces if p not in message.plain_text]
    assert not missing, f"{missing} not shown literally in {message.plain_text!r}"


async def test_programme_text_and_names_are_shown_literally(html_bot: Harness) -> None:
    bot = html_bot
    (greeting, question) = await bot.say(NASTY, "/start", count=2)
    shows(greeting, f"Bonjour {NAME}\u202f!")
    assert (ORGANISATION, "org:0") in question.buttons
    await bot.press(NASTY, question, "org:0")
    shows(bot.emu.observer.message(NASTY, question.message_id), ORGANISATION)
    for user in (ALICE, ZOE, ORGANISER):
        await bot.say(user, "/start", count=2)

    (before_week,) = await bot.say(NASTY, "/next")
    shows(before_week, TITLE, ROOM)
    (today,) = await bot.say(NASTY, "/today")
    shows(today, TITLE, ROOM, PLENARY, "Chapiteau <grand>")
    (details,) = await bot.say(NASTY, "/workshop h1")
    shows(details, TITLE, ROOM, ROOM_NOTE, FACILITATOR, DESCRIPTION)
    (found,) = await bot.say(NASTY, "/search gras")
    shows(found, TITLE, ROOM)
    (not_found,) = await bot.say(NASTY, "/search <b>&amp; </i>")
    shows(not_found, "<b>&amp; </i>")
    (where,) = await bot.say(NASTY, "où est l'atelier gras ?")
    shows(where, TITLE, ROOM)

    answer = await bot.press(NASTY, details, f"b:ws:{ref('h1')}")
    assert TITLE in answer["text"]  # a toast is plain text: no escaping there
    (mine,) = await bot.say(NASTY, "/mine")
    shows(mine, TITLE, ROOM)
    (listing,) = await bot.say(ORGANISER, "/participants h1")
    shows(listing, TITLE, f"1. {NAME} {LAST_NAME}")
    (facilitating,) = await bot.say(ZOE, "/mine")
    shows(facilitating, TITLE, ROOM)
    (menu,) = await bot.say(ZOE, "/change h1")
    shows(menu, TITLE)

    (rota,) = await bot.say(NASTY, "/rota")
    shows(rota, AREA)
    await bot.press(NASTY, rota, f"b:rs:{ref('hr1')}")
    (mine,) = await bot.say(NASTY, "/mine")
    shows(mine, AREA)
    group = bot.emu.observer.mark(GROUP)
    await bot.press(NASTY, mine, f"b:ro:{ref('hr1')}")
    (offer,) = await bot.emu.observer.wait_for_messages(GROUP, 1, after=group)
    shows(offer, AREA, NAME)
    taken = bot.emu.observer.mark(NASTY)
    await bot.press(ALICE, offer, offer.buttons[0][1] or "")
    (told,) = await bot.emu.observer.wait_for_messages(NASTY, 1, after=taken)
    shows(told, AREA)
    (gaps,) = await bot.say(ORGANISER, "/rota gaps")
    shows(gaps, AREA)
    (fairness,) = await bot.say(ORGANISER, "/rota fairness")
    shows(fairness, ORGANISATION)

    # The group's announcement of the 10:00 slot, sent by the outbox at 09:45
    group = bot.emu.observer.mark(GROUP)
    bot.clock.jump_to(datetime(2026, 8, 24, 9, 45, tzinfo=PARIS))  # type: ignore[attr-defined]
    await bot.services.bookings.drain()
    await bot.services.outbox.flush()
    (announcement,) = await bot.emu.observer.wait_for_messages(GROUP, 1, after=group)
    shows(announcement, TITLE, ROOM)

    # Refusals quote what was typed, and the programme: escaped in a message...
    (bad_day,) = await bot.say(NASTY, "/day <b>&amp;")
    shows(bad_day, "«\u202f<b>&amp;\u202f»")
    (no_room,) = await bot.say(NASTY, "/room </i>zzz")
    shows(no_room, "«\u202f</i>zzz\u202f»", ROOM)
    (bad_language,) = await bot.say(NASTY, "/lang <x&")
    shows(bad_language, "«\u202f<x&\u202f»")
    # ...and as they are in an alert, which is plain text
    bot.clock.jump_to(datetime(2026, 8, 24, 10, 15, tzinfo=PARIS))  # type: ignore[attr-defined]
    closed = await forge_press(bot.emu, NASTY, details, f"b:ws:{ref('h1')}")
    assert closed["text"] == f"Les inscriptions pour «\u202f{TITLE}\u202f» sont closes."
    refused = await forge_press(bot.emu, NASTY, mine, "b:ws:<b>&amp;")
    assert refused.get("show_alert") is True

    assert not unexpected_refusals(bot.emu.calls), unexpected_refusals(bot.emu.calls)
    assert not crash_signs(sent_texts(bot.emu)), crash_signs(sent_texts(bot.emu))
