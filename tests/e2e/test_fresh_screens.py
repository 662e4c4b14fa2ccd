"""Issue 16, part 7 (the part done): a closed item says sign-ups are closed, next to its places."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.domain.booking import ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, forge_press
from tests.conftest import ALICE, BOB, MATHILDE, ORGANISER
from tests.e2e.test_announcements import sign_up
from tests.e2e.test_changes import running_week
from tests.e2e.test_wording import bot  # noqa: F401 (the fixture these tests use)


async def test_a_closed_item_says_so_next_to_its_places(bot: Harness) -> None:  # noqa: F811
    (before,) = await bot.say(ALICE, "/workshop Atelier C")
    assert "inscriptions closes" not in before.plain_text
    (details,) = await bot.say(ALICE, "/workshop Atelier couleurs")
    assert "1 place sur 1" in details.plain_text, details.plain_text
    assert "inscriptions closes" not in details.plain_text
    assert any(d == f"b:ws:{ref('a')}" for _, d in details.buttons)
    clock = bot.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(hours=1, minutes=40))  # 10:10, ten minutes after it began
    for user, lang_text in ((BOB, "1 of 1 place left, sign-ups closed"), (ORGANISER, None)):
        (later,) = await bot.say(user, "/workshop Atelier couleurs")
        expected = lang_text or "1 place sur 1, inscriptions closes"
        assert expected in later.plain_text, later.plain_text
        assert not any(d == f"b:ws:{ref('a')}" for _, d in later.buttons)


# Issue 16, part 7 (the rest): a list re-renders itself after a press on it; pages give every
# item its sign-up button; buttons of items sharing a title say which day


async def test_taking_a_rota_slot_from_rota_refreshes_the_list(bot: Harness) -> None:  # noqa: F811
    (before,) = await bot.say(ALICE, "/rota")
    assert "Vaisselle · 0/2" in before.plain_text, before.plain_text
    take = f"b:rs:{ref('r1')}"
    assert take in [d for _, d in before.buttons]
    await bot.press(ALICE, before, take)
    after = bot.emu.observer.message(ALICE, before.message_id)
    assert "Vaisselle · 1/2" in after.plain_text, after.plain_text
    assert take not in [d for _, d in after.buttons]
    assert f"b:rc:{ref('r1')}" in [d for _, d in after.buttons]  # now: leave it
    (fresh,) = await bot.say(ALICE, "/rota")
    assert (fresh.text, fresh.buttons) == (after.text, after.buttons)


async def test_a_sign_up_from_a_search_or_a_day_list_refreshes_it(bot: Harness) -> None:  # noqa: F811
    # "Atelier couleurs" (a): the kids' item beside it is signed up for a child (issue 14)
    for command in ("/search couleurs", "/today"):
        await bot.say(BOB, "/start")
        (before,) = await bot.say(BOB, command)
        shown = (before.text, list(before.buttons))  # the emulator edits `before` in place
        press = f"b:ws:{ref('a')}"
        assert press in [d for _, d in before.buttons], before.buttons
        assert "✅ you are signed up" not in before.plain_text
        await bot.press(BOB, before, press)
        after = bot.emu.observer.message(BOB, before.message_id)
        assert "✅ you are signed up" in after.plain_text, after.plain_text
        (fresh,) = await bot.say(BOB, command)
        assert (fresh.text, fresh.buttons) == (after.text, after.buttons)
        await bot.press(BOB, fresh, f"b:wc:{ref('a')}")  # give it back for the next command
        again = bot.emu.observer.message(BOB, fresh.message_id)
        assert (again.text, list(again.buttons)) == shown


async def test_giving_up_a_place_from_mine_refreshes_it(bot: Harness) -> None:  # noqa: F811
    await sign_up(bot, ALICE, "a")
    (mine,) = await bot.say(ALICE, "/mine")
    assert "Atelier couleurs" in mine.plain_text
    cancel = f"b:wc:{ref('a')}"
    assert cancel in [d for _, d in mine.buttons]
    await bot.press(ALICE, mine, cancel)
    after = bot.emu.observer.message(ALICE, mine.message_id)
    assert "Atelier couleurs" not in after.plain_text, after.plain_text
    assert cancel not in [d for _, d in after.buttons]
    (fresh,) = await bot.say(ALICE, "/mine")
    assert (fresh.text, fresh.buttons) == (after.text, after.buttons)


def many_items(count: int) -> str:
    """A Monday of `count` workshops that take sign-ups, one "Yoga" a day on three days."""
    items = [
        f'[[workshop]]\nid = "w{n}"\ntitle = "Atelier {n:02d}"\n'
        f"start = 2026-08-24T{9 + n // 10:02d}:{n % 10 * 5:02d}:00\n"
        f"end = 2026-08-24T{10 + n // 10:02d}:00:00\ncapacity = 12\n"
        for n in range(count)
    ]
    items += [
        f'[[workshop]]\nid = "yoga{day}"\ntitle = "Yoga"\n'
        f"start = 2026-08-{day}T07:00:00\nend = 2026-08-{day}T08:00:00\ncapacity = 10\n"
        for day in (25, 26, 27)
    ]
    return "\n".join(items)


async def test_every_item_of_a_long_day_has_its_button_on_its_page(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, many_items(45)) as week:
        (page,) = await week.say(ALICE, "/day lundi")
        seen: dict[str, str] = {}
        for _ in range(10):
            titles = re.findall(r"Atelier \d\d", page.plain_text)
            pressable = {d for _, d in page.buttons if d and d.startswith("b:ws:")}
            assert len(page.buttons) <= 100
            assert pressable == {f"b:ws:{ref(f'w{int(t[-2:])}')}" for t in titles}
            seen |= {t: page.plain_text for t in titles}
            forward = [d for label, d in page.buttons if label == "▶️" and d]
            if not forward:
                break
            await week.press(ALICE, page, forward[0])
            page = week.emu.observer.message(ALICE, page.message_id)
        assert len(seen) == 45, sorted(seen)


async def test_buttons_of_items_sharing_a_title_say_which_day(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    async with running_week(emu, tmp_path, many_items(1)) as week:
        (fr,) = await week.say(ALICE, "/search yoga")
        labels = [label for label, _ in fr.buttons]
        assert [x for x in labels if x.startswith("ℹ️")] == [
            "ℹ️ Yoga · mar.",
            "ℹ️ Yoga · mer.",
            "ℹ️ Yoga · jeu.",
        ], labels
        (en,) = await week.say(BOB, "/search yoga")
        assert "ℹ️ Yoga · Tue" in [label for label, _ in en.buttons]
        (one,) = await week.say(ALICE, "/search atelier")
        assert [label for label, _ in one.buttons if label.startswith("ℹ️")] == ["ℹ️ Atelier 00"]


async def test_a_press_that_changes_nothing_edits_nothing(bot: Harness) -> None:  # noqa: F811
    await sign_up(bot, ALICE, "a")
    await bot.say(MATHILDE, "/start")
    (day,) = await bot.say(MATHILDE, "/today")
    press = f"b:ws:{ref('a')}"
    await bot.press(MATHILDE, day, press)  # the waiting list: "liste d'attente", an apostrophe
    assert "liste d'attente" in bot.emu.observer.message(MATHILDE, day.message_id).plain_text
    calls = len(bot.emu.calls)
    await forge_press(bot.emu, MATHILDE, day, press)  # again, from the list as it was
    await bot.settle()
    edits = [c for c in bot.emu.calls[calls:] if c.method == "editMessageText"]
    assert edits == [], [(c.status, c.response) for c in edits]
