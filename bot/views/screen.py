"""The hall's screen: a board in, the page's content out (the same for HTML and its updates)."""

from __future__ import annotations

from typing import Any

from bot.domain.schedule import local_day
from bot.services.screen import Board
from bot.views.common import Renderer

SHOWN = 6
"""Items a column shows at most (a 12-room hour would not fit); the rest are counted."""


def board_content(board: Board, r: Renderer) -> dict[str, Any]:
    """Give what the screen shows: plain strings (the page escapes them, the script sets text)."""
    nxt = board.next
    running = sorted(board.running, key=lambda w: (w.end, w.room or "", w.title))
    return {
        "lang": r.lang,
        "time": r.time(board.now),
        "date": r.date(local_day(board.now, r.tz)),
        "now": [
            {"title": w.title, "room": w.room or "", "until": r("web.until", time=r.time(w.end))}
            for w in running[:SHOWN]
        ],
        "now_more": r("web.more", n=len(running) - SHOWN) if len(running) > SHOWN else "",
        "next": None
        if nxt is None
        else {
            "at": r.time(nxt.start)
            if local_day(nxt.start, r.tz) == local_day(board.now, r.tz)
            else f"{r.date(local_day(nxt.start, r.tz))} {r.time(nxt.start)}",
            "items": [{"title": w.title, "room": w.room or ""} for w in nxt.items[:SHOWN]],
            "more": r("web.more", n=len(nxt.items) - SHOWN) if len(nxt.items) > SHOWN else "",
        },
        "notice": board.notice,
        "labels": {
            key: r(f"web.{key}")
            for key in (
                "screen_title",
                "now",
                "next",
                "nothing_now",
                "nothing_next",
                "notice",
                "offline",
            )
        },
    }
