"""Issue 15: the pages in a real browser (headless Chromium), the bot running with its web server.

Skipped, with the reason, on a machine without Debian's chromium and chromium-driver
(`.ci/run` installs them).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from bot.app import start_web, stop_web
from bot.sandbox.harness import Harness
from tests.conftest import ORGANISER
from tests.e2e.test_changes import confirm_change
from tests.web.browser import MISSING, Browser, chromium
from tests.web.conftest import base_url

pytestmark = pytest.mark.skipif(chromium() is None, reason=MISSING)

NEXT_TITLES = "return [...document.querySelectorAll('#next .title')].map(e => e.textContent);"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    async with Browser.open(profile) as b:
        yield b


async def test_the_screen_shows_what_is_next_and_follows_changes_without_reloading(
    site: Harness, browser: Browser
) -> None:
    bot = site
    await browser.go(f"{base_url(bot)}/screen")
    # 07:45 on the first morning: two items start at 10:00
    assert await browser.run(NEXT_TITLES) == ["Atelier B & co", "Atelier A"]
    assert await browser.text("#next-at") == "10:00"
    assert await browser.text("#time") == "07:45"
    assert await browser.run("return document.getElementById('notice').hidden;") is True
    await browser.run("window.loadedOnce = 'yes';")  # gone if the page reloads

    await confirm_change(bot, ORGANISER, "b", "cancel", None)
    await bot.say(ORGANISER, "/notice Pot d'accueil à 18 h sous le chapiteau", chat_id=None)
    titles = await browser.wait_for(
        "const t = [...document.querySelectorAll('#next .title')].map(e => e.textContent);"
        "return t.length === 1 ? t : null;"
    )
    assert titles == ["Atelier A"]
    notice = await browser.wait_for(
        "return document.getElementById('notice').hidden ? null"
        " : document.getElementById('notice-text').textContent;"
    )
    assert notice == "Pot d'accueil à 18 h sous le chapiteau"
    assert await browser.run("return window.loadedOnce;") == "yes"  # updated, not reloaded

    # Not blank: a dark page with light large type on it
    image = Image.open(io.BytesIO(await browser.screenshot())).convert("RGB")
    assert image.size[0] >= 800 and image.size[1] >= 400
    colours = image.getcolors(maxcolors=image.size[0] * image.size[1])
    assert colours is not None
    most = max(count for count, _ in colours)
    assert len(colours) > 50  # text, anti-aliased, in several colours
    assert most < 0.97 * image.size[0] * image.size[1]
    # An RGB screenshot: each colour is an (r, g, b) triple
    light = sum(count for count, (r, g, b) in colours if r + g + b > 600)  # type: ignore[misc]
    assert light > 2000  # some white or yellow text, not a few stray pixels


async def test_the_screen_keeps_going_through_a_restart_and_speaks_english(
    site: Harness, browser: Browser
) -> None:
    bot = site
    await browser.go(f"{base_url(bot)}/screen?lang=en")
    assert await browser.text(".next h2") == "Next 10:00"
    await stop_web(bot.app)
    assert await browser.wait_for("return !document.getElementById('offline').hidden;"), (
        "the screen says the connection is lost"
    )
    await confirm_change(bot, ORGANISER, "b", "cancel", None)
    await start_web(bot.app)
    assert await browser.wait_for(
        "return document.getElementById('offline').hidden"
        " && document.querySelectorAll('#next .title').length === 1;"
    )
    assert await browser.run(NEXT_TITLES) == ["Atelier A"]


async def test_the_programme_page_lists_the_day_without_javascript(
    site: Harness, browser: Browser
) -> None:
    bot = site
    await browser.go(f"{base_url(bot)}/programme?day=2026-08-24")
    assert await browser.run("return document.scripts.length;") == 0
    assert await browser.text("#day") == "lundi 24 août"
    rows = await browser.run(
        "return [...document.querySelectorAll('.items li')].map("
        "li => li.innerText.replace(/\\s+/g, ' ').trim());"
    )
    assert rows == [
        "10:00–12:00 Atelier A Salle des Pins 10 places libres",
        "10:00–11:00 Atelier B & co Chapiteau",
        "12:30–13:30 Déjeuner Restaurant",
        "14:30–16:00 Atelier C Plage 5 places libres",
    ]
    # The room filter is a plain form
    await browser.run(
        "document.getElementById('room').value = 'Plage'; document.querySelector('form').submit();"
    )
    await browser.wait_for("return location.search.includes('room=Plage');")
    assert await browser.run(
        "return [...document.querySelectorAll('.items .title')].map(e => e.textContent);"
    ) == ["Atelier C"]
    # The other days are links
    await browser.run("document.querySelector('.days a').click();")
    await browser.wait_for("return location.search.includes('day=2026-08-25');")
    assert await browser.text("#day") == "mardi 25 août"


async def test_a_wrong_calendar_link_gets_404_and_reveals_nothing(
    site: Harness, browser: Browser
) -> None:
    bot = site
    wrong = f"{base_url(bot)}/calendar/{'ab' * 16}.ics"
    async with httpx.AsyncClient() as http:
        assert (await http.get(wrong)).status_code == 404
    await browser.go(wrong)
    body = await browser.text("body")
    assert "Ce lien d'agenda n'existe pas, ou plus." in body
    assert "Alice" not in body and "Atelier" not in body
