"""Issue 12: typed events instead of hook lists, and the one place that subscribes to them."""

from __future__ import annotations

import inspect

from bot import app
from bot.events import BookingsChanged, Events, PersonRegistered, ProgrammeChanged
from bot.sandbox.harness import Harness
from storage.db import BULK_WORK


async def test_each_event_goes_to_its_type_subscribers_in_order() -> None:
    events = Events()
    seen: list[str] = []

    async def first(e: BookingsChanged) -> None:
        seen.append(f"first {sorted(e.user_ids)}")

    async def second(e: BookingsChanged) -> None:
        seen.append("second")

    async def registered(e: PersonRegistered) -> None:
        seen.append(f"registered {e.user_id} {e.new}")

    events.subscribe(BookingsChanged, first)
    events.subscribe(BookingsChanged, second)
    events.subscribe(PersonRegistered, registered)
    await events.publish(BookingsChanged(frozenset({2, 1})))
    await events.publish(ProgrammeChanged())  # nobody listens: nothing happens
    await events.publish(PersonRegistered(7, True))
    assert seen == ["first [1, 2]", "second", "registered 7 True"]
    events.clear(BookingsChanged)
    assert events.reactions(BookingsChanged(frozenset())) == []


def test_the_assembly_is_the_one_place_that_subscribes() -> None:
    source = inspect.getsource(app.build_services)
    for kind in (BookingsChanged, ProgrammeChanged, PersonRegistered):
        assert f"events.subscribe({kind.__name__}," in source


async def test_the_re_plan_after_a_programme_change_is_bulk_work(bot: Harness) -> None:
    """It runs in the task of the handler that made the change: its writes wait behind the
    people's, and the handler's own work after it is people's work again."""
    lanes: list[bool] = []

    async def replan(user_ids: set[int] | None = None) -> None:
        lanes.append(BULK_WORK.get())

    bot.services.announcements.replan = replan  # type: ignore[method-assign]
    await bot.services.events.publish(ProgrammeChanged())
    assert lanes == [True]
    assert BULK_WORK.get() is False
