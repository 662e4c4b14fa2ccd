"""The programme page: a day in, the page's rows out (the template escapes every string)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from bot.i18n import Count
from bot.services.programme_page import ProgrammeDay
from bot.views.common import Renderer


def day_content(page: ProgrammeDay, r: Renderer) -> dict[str, Any]:
    """Give the page's content: the days to go to, the rooms to filter by, the items."""

    def link(**params: str | None) -> str:
        return "/programme?" + urlencode({k: v for k, v in params.items() if v})

    rows = []
    for w in page.items:
        left = page.seats.left(w)
        if w.capacity is None or left is None:
            places = ""
        elif left <= 0:
            places = r("web.full")
        else:
            places = r("web.places_left", count=Count(left))
        rows.append(
            {
                "time": f"{r.time(w.start)}–{r.time(w.end)}",
                "title": w.title,
                "room": w.room or "",
                "places": places,
                "full": left is not None and left <= 0,
            }
        )
    return {
        "lang": r.lang,
        "title": r("web.programme_title"),
        "heading": r.date(page.day),
        "day": page.day.isoformat(),
        "days": [
            {
                "label": r.date(d),
                "href": link(day=d.isoformat(), room=page.room, lang=r.lang),
                "current": d == page.day,
            }
            for d in page.days
        ],
        "rooms": [{"name": room, "selected": room == page.room} for room in page.rooms],
        "rows": rows,
        "other_language": {
            "label": r("web.other_language"),
            "href": link(
                day=page.day.isoformat(), room=page.room, lang="en" if r.lang == "fr" else "fr"
            ),
        },
        "labels": {
            key: r(f"web.{key}")
            for key in ("days", "room", "all_rooms", "filter", "no_items", "whole_week")
        },
    }
