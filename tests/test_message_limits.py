"""Every message the programme shapes fits Telegram's limits, whatever the programme.

Programmes of every size (0 to 3,000 items, up to 200 rooms) and shape (long and hostile
titles, emoji, 100 items in one slot, 0-minute items, items across midnight) are rendered the
way the bot renders them; each text must parse as Telegram's HTML and stay within 4,096
characters after entity parsing (in UTF-16 units, as Telegram counts), and each keyboard within
Telegram's limits (64-byte callback data, at most 8 buttons a row and 100 in all).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain import schedule
from bot.domain.agenda import DayAnswer, FindAnswer, NextAnswer, NowAnswer
from bot.domain.booking import Seats
from bot.domain.models import Kind, Workshop
from bot.domain.schedule import Phase
from bot.i18n import Translator
from bot.reply import Button, Reply
from bot.sandbox.formatting import MAX_TEXT_LENGTH, parse_html, trim, utf16_len
from bot.views import agenda as agenda_view
from bot.views import announcements as announcements_view
from bot.views import items as items_view
from bot.views.common import Renderer, pager

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 8, 24, 8, 0, tzinfo=PARIS)
T = Translator.load()
MAX_BUTTONS, MAX_ROW = 100, 8
WORDS = [
    "Atelier",
    "couleurs",
    "vélo",
    "Plénière",
    "<b>",
    "a & b",
    "🎨🚲",
    "l'été",
    "Œuvre",
    "x" * 40,
]


@dataclass(frozen=True)
class Shape:
    """How a generated programme looks."""

    count: int
    rooms: int
    title_words: int
    one_slot: bool
    zero_minutes: bool
    across_midnight: bool
    seed: int


def build(shape: Shape) -> list[Workshop]:
    """Make the programme a shape describes."""
    rng = random.Random(shape.seed)
    rooms = [f"Salle {n} " + rng.choice(WORDS) * rng.randint(1, 6) for n in range(shape.rooms)]
    items = []
    for n in range(shape.count):
        if shape.one_slot:
            start = MONDAY + timedelta(hours=2)
        elif shape.across_midnight:
            start = MONDAY + timedelta(hours=15 + rng.randint(0, 9), minutes=rng.choice([0, 30]))
        else:
            start = MONDAY + timedelta(days=rng.randint(0, 5), minutes=30 * rng.randint(0, 30))
        minutes = 0 if shape.zero_minutes else rng.choice([30, 60, 90, 240, 600])
        title = " ".join(rng.choice(WORDS) for _ in range(shape.title_words))
        items.append(
            Workshop(
                id=f"item-{n}-" + "z" * rng.randint(0, 40),
                title=title,
                start=start,
                end=start + timedelta(minutes=minutes),
                kind=rng.choice(list(Kind)),
                room=rng.choice(rooms),
                # Only the first items' details are rendered whole (one item's card)
                description=" ".join(rng.choice(WORDS) for _ in range(800 if n < 3 else 3)),
                capacity=rng.choice([None, 1, 20, 3000]),
            )
        )
    return items


shapes = st.builds(
    Shape,
    count=st.sampled_from([0, 1, 2, 50, 100, 101, 400, 1000, 3000]) | st.integers(0, 120),
    rooms=st.sampled_from([1, 12, 200]),
    title_words=st.sampled_from([1, 5, 60]),
    one_slot=st.booleans(),
    zero_minutes=st.booleans(),
    across_midnight=st.booleans(),
    seed=st.integers(0, 2**16),
)


def check_text(text: str) -> None:
    """Fail unless Telegram would take `text` as a message in HTML."""
    shown = trim(parse_html(text)).text
    assert 0 < utf16_len(shown) <= MAX_TEXT_LENGTH, utf16_len(shown)


def check_buttons(rows: Iterable[tuple[Button, ...]]) -> None:
    """Fail unless Telegram would take these rows as an inline keyboard."""
    rows = list(rows)
    assert sum(len(row) for row in rows) <= MAX_BUTTONS
    for row in rows:
        assert len(row) <= MAX_ROW
        for button in row:
            assert 1 <= len(button.data.encode()) <= 64, button.data
            assert button.label


def check(reply: Reply) -> None:
    """Fail unless a whole reply fits."""
    check_text(reply.text)
    check_buttons(reply.buttons)


def renders(items: list[Workshop], now: datetime) -> Iterable[Reply]:
    """Render every programme-shaped message the bot sends at `now`."""
    seats = Seats(1, {}, frozenset(w.id for w in items))
    for lang in ("fr", "en"):
        r = Renderer(T, lang, PARIS, now)
        phase = schedule.phase(items, now)
        slot = schedule.next_slot(items, now)
        running = tuple(schedule.running(items, now))
        yield announcements_view.board(r, running, slot)
        yield agenda_view.next_answer(
            r, NextAnswer(phase, now, running, slot, later_day=False), seats
        )
        yield agenda_view.next_answer(r, NextAnswer(phase, now, (), slot, later_day=True), seats)
        yield agenda_view.now_answer(r, NowAnswer(phase, now, running, slot), seats)
        yield agenda_view.now_answer(r, NowAnswer(phase, now, (), slot), seats)
        if slot is not None:
            yield announcements_view.announcement(r, slot.start, slot.items, seats)
            yield Reply(agenda_view.before_week(r, slot, seats))
        days = schedule.Days.of(items, PARIS)
        for day in days.days:
            answer = DayAnswer(phase, day, days.on(day), None, None)
            pages = agenda_view.day_pages(r, answer, seats, r.date(day))
            stamp = f"{day:%Y%m%d}"
            for n, page in enumerate(pages):
                rows: tuple[tuple[Button, ...], ...] = (
                    pager(len(pages), n, lambda p, d=stamp: f"pg:d:{p}:{d}"),  # type: ignore[misc]  # a lambda's default argument
                )
                yield Reply(page.text, (*rows, *items_view.booking_rows(r, page.items, seats)))
            lines = [
                announcements_view.digest_line(r, w.title, w.start, w.end, w.room, "in")
                for w in days.on(day)
            ]
            yield announcements_view.digest(r, "<Alice & Bob>", day, lines, days.on(day))
        found = agenda_view.find_answer(r, FindAnswer("<b>" * 30, tuple(items)), seats)
        for n, page in enumerate(found):
            rows = (
                pager(len(found), n, lambda p: f"pg:s:{p}:" + "<b>" * 10),
                *items_view.booking_rows(r, page.items, seats),
            )
            yield Reply(page.text, rows)
        for w in items[:3]:
            yield agenda_view.workshop(r, w, seats, "note " * 300)
        yield Reply("·", items_view.item_buttons(r, items, seats))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes, hour=st.integers(0, 7 * 24))
@example(shape=Shape(3000, 200, 60, True, False, False, seed=1), hour=2)
@example(shape=Shape(3000, 200, 5, False, False, False, seed=2), hour=50)
@example(shape=Shape(100, 12, 5, True, True, False, seed=3), hour=2)
@example(shape=Shape(400, 200, 60, False, False, True, seed=4), hour=20)
def test_every_message_fits_whatever_the_programme(shape: Shape, hour: int) -> None:
    items = build(shape)
    for reply in renders(items, MONDAY + timedelta(hours=hour)):
        check(reply)


def test_a_board_too_long_for_one_message_says_how_many_more() -> None:
    items = build(
        Shape(400, 200, 5, one_slot=True, zero_minutes=False, across_midnight=False, seed=1)
    )
    now = items[0].start + timedelta(minutes=1)
    reply = announcements_view.board(
        Renderer(T, "fr", PARIS, now), schedule.running(items, now), None
    )
    check(reply)
    assert "de plus\u202f: /now" in reply.text
    shown = reply.text.count("• ")
    assert f"… et {400 - shown} de plus" in reply.text


def test_the_board_shows_what_started_last_and_ends_soonest_first() -> None:
    early = Workshop("a", "Early", MONDAY, MONDAY + timedelta(hours=3), room="A")
    late_long = Workshop("b", "Late long", MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=5))
    late_short = Workshop(
        "c", "Late short", MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=2)
    )
    now = MONDAY + timedelta(minutes=90)
    text = announcements_view.board(
        Renderer(T, "en", PARIS, now), [early, late_long, late_short], None
    ).text
    assert text.index("Late short") < text.index("Late long") < text.index("Early")
    assert "… and" not in text


def test_the_phase_is_what_the_programme_says() -> None:
    # The generator's "before the week" and "after it" moments do occur
    items = build(Shape(10, 1, 1, False, False, False, seed=3))
    assert schedule.phase(items, MONDAY - timedelta(days=1)) is Phase.BEFORE
    assert schedule.phase(items, MONDAY + timedelta(days=9)) is Phase.AFTER
