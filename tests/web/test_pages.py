"""Issue 15: what the screen and the programme page say (over HTTP; the browser tests look)."""

from __future__ import annotations

import html
from datetime import timedelta

import httpx

from bot.domain.booking import ref
from bot.domain.models import Workshop
from bot.i18n import Translator
from bot.sandbox.harness import Harness
from bot.services.screen import Board
from bot.views.common import Renderer
from bot.views.screen import SHOWN, board_content
from tests.conftest import ALICE, BOB, ORGANISER, PARIS
from tests.e2e.test_announcements import START, sign_up
from tests.e2e.test_changes import confirm_change


async def test_the_screen_says_now_next_and_the_notice_and_nothing_personal(
    site: Harness, http: httpx.AsyncClient
) -> None:
    bot = site
    await sign_up(bot, ALICE, "a")
    bot.clock.jump_to(START.replace(hour=10, minute=20))  # type: ignore[attr-defined]
    await bot.say(ORGANISER, "/notice Pot d'accueil <18 h> & plus")
    board = (await http.get("/screen.json")).json()
    assert board["time"] == "10:20" and board["date"] == "lundi 24 août"
    assert [i["title"] for i in board["now"]] == ["Atelier B & co", "Atelier A"]
    assert board["now"][0]["until"] == "jusqu'à 11:00"
    assert board["next"] == {
        "at": "12:30",
        "items": [{"title": "Déjeuner", "room": "Restaurant"}],
        "more": "",
    }
    assert board["notice"] == "Pot d'accueil <18 h> & plus"
    page = (await http.get("/screen", params={"lang": "en"})).text
    assert "Pot d&#39;accueil &lt;18 h&gt; &amp; plus" in page  # escaped once, shown as typed
    assert "<h2>Now</h2>" in page
    for personal in ("Alice", "Martin", "Oriane", str(ALICE)):
        assert personal not in page


async def test_the_programme_page_shows_places_left_and_full(
    site: Harness, http: httpx.AsyncClient
) -> None:
    bot = site
    await confirm_change(bot, ORGANISER, "a", "cap", "1")
    await sign_up(bot, BOB, "a")
    page = html.unescape((await http.get("/programme", params={"day": "2026-08-24"})).text)
    assert "Complet (liste d'attente)" in page
    assert "5 places libres" in page  # Atelier C
    english = (await http.get("/programme", params={"room": "Plage", "lang": "en"})).text
    assert "5 places left" in english and "Atelier A" not in english
    assert 'href="/programme?day=2026-08-25&amp;room=Plage&amp;lang=en"' in english
    assert f"b:ws:{ref('a')}" not in page  # no Telegram data leaks into the page


def test_a_busy_hour_shows_six_items_a_column_and_counts_the_rest() -> None:
    start = START.replace(hour=10)
    items = tuple(
        Workshop(f"w{i}", f"Atelier {i}", start, start + timedelta(hours=1), room=f"Salle {i}")
        for i in range(SHOWN + 3)
    )
    r = Renderer(Translator.load(), "fr", PARIS, start)
    content = board_content(Board(start + timedelta(minutes=5), items, None, None), r)
    assert len(content["now"]) == SHOWN
    assert content["now_more"] == "et 3 autres…"
    assert content["next"] is None and content["labels"]["nothing_next"] == "Plus rien de prévu"
