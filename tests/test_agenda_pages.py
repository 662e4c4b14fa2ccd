"""A long list's pages are cut before they are made, from what each line can take at most.

So a day's or a search's pages stay the same whatever the places left and whoever reads them,
each page fits whatever the places say, and only the page sent needs making.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.agenda import DayAnswer, FindAnswer
from bot.domain.booking import Seats, Standing, Status, Target
from bot.domain.models import Kind, Workshop
from bot.domain.schedule import Phase
from bot.i18n import Translator
from bot.views import agenda as agenda_view
from bot.views.agenda_pages import WAITING_AT_MOST, places_at_most
from bot.views.common import FOUND_PER_PAGE, PAGE_BUDGET, Renderer, units
from bot.views.items import places

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 8, 24, 8, 0, tzinfo=PARIS)
T = Translator.load()
ME = 7


def programme(count: int) -> tuple[Workshop, ...]:
    """Items of every kind, many with places, a few to a slot."""
    return tuple(
        Workshop(
            id=f"w{n}",
            title=f"Atelier {n} : une heure pour apprendre à réparer son vélo",
            start=MONDAY + timedelta(minutes=30 * (n // 4)),
            end=MONDAY + timedelta(minutes=30 * (n // 4) + 60),
            kind=Kind.MEAL if n % 17 == 0 else Kind.WORKSHOP,
            room=f"Salle {n % 12}",
            capacity=(5, 20, 3000, None)[n % 4],
        )
        for n in range(count)
    )


def seats(items: tuple[Workshop, ...], state: int) -> Seats:
    """Give the items' places in one of several states, from empty to full with long queues."""
    standings = {}
    for n, w in enumerate(items):
        if w.capacity is None:
            continue
        target = Target.of_workshop(w)
        taken = (0, w.capacity // 2, w.capacity, w.capacity)[(n + state) % 4]
        ins = tuple(range(100, 100 + taken))
        waiting = tuple(range(10_000, 10_000 + (n * 997 % 3000))) if taken == w.capacity else ()
        if (n + state) % 5 == 0:
            ins = (ME, *ins[1:]) if ins else ins
        standings[w.id] = Standing(target, ins, waiting)
    is_open = frozenset(w.id for n, w in enumerate(items) if (n + state) % 3)
    return Seats(ME, standings, is_open)


def test_a_days_pages_are_the_same_whatever_the_places_and_each_fits() -> None:
    items = programme(400)
    answer = DayAnswer(Phase.DURING, MONDAY.date(), items, None, None)
    for lang in ("fr", "en"):
        r = Renderer(T, lang, PARIS, MONDAY)
        layouts = [
            agenda_view.day_pages(r, answer, seats(items, state), "Lundi") for state in range(4)
        ]
        assert len(layouts[0]) > 3
        for pages in layouts:
            assert [p.items for p in pages] == [p.items for p in layouts[0]]
            assert all(units(p.text) <= PAGE_BUDGET for p in pages)
        shown = [w.id for p in layouts[0] for w in p.items]
        assert sorted(shown) == sorted(w.id for w in items)  # each item on one page


def test_a_searchs_pages_are_the_same_whatever_the_places_and_each_fits() -> None:
    items = programme(300)
    answer = FindAnswer("vélo", items)
    r = Renderer(T, "fr", PARIS, MONDAY)
    first = agenda_view.find_answer(r, answer, seats(items, 0))
    again = agenda_view.found_layout(r, answer, frozenset())
    assert len(again) == len(first) > 3
    assert len(first[0].items) == FOUND_PER_PAGE  # the best ten, then a page's button
    for state in range(4):
        made = [again.page(n, seats(items, state)) for n in range(len(again))]
        assert [p.items for p in made] == [p.items for p in first]
        assert all(units(p.text) <= PAGE_BUDGET for p in made)
        assert all(len(p.items) <= FOUND_PER_PAGE for p in made)
    # the page made alone is the page made among all of them
    assert again.page(2, seats(items, 1)) == agenda_view.find_answer(r, answer, seats(items, 1))[2]


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.integers(1, 5000),
    taken=st.integers(0, 6000),
    waiting=st.integers(0, WAITING_AT_MOST),
    status=st.sampled_from([None, Status.IN, Status.WAITING]),
    is_open=st.booleans(),
    lang=st.sampled_from(["fr", "en"]),
)
def test_an_items_places_never_say_more_than_its_line_was_given(
    capacity: int, taken: int, waiting: int, status: Status | None, is_open: bool, lang: str
) -> None:
    w = Workshop("w", "Vélo", MONDAY, MONDAY + timedelta(hours=1), capacity=capacity)
    ins = tuple(range(100, 100 + min(taken, capacity)))
    queue = tuple(range(10_000, 10_000 + waiting)) if len(ins) == capacity else ()
    if status is Status.IN:
        ins = (ME, *ins[1:]) if ins else (ME,)
    elif status is Status.WAITING:
        queue = (ME, *queue)
    standing = Standing(Target.of_workshop(w), ins, queue)
    r = Renderer(T, lang, PARIS, MONDAY)
    said = places(r, w, Seats(ME, {"w": standing}, frozenset({"w"}) if is_open else frozenset()))
    assert units(said) <= places_at_most(r, w, cancelled=())
    cancelled = Seats(ME, {}, frozenset(), cancelled=frozenset({"w"}))
    assert units(places(r, w, cancelled)) == places_at_most(r, w, cancelled={"w"})
