"""Issue 15: /calendar and the calendar links, read back with an independent parser (vobject)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import vobject

from bot.domain.booking import ref
from bot.sandbox.harness import Harness
from bot.sandbox.records import SentMessage
from tests.conftest import ALICE, BOB, MATHILDE, ORGANISER
from tests.e2e.test_announcements import registered, sign_up
from tests.e2e.test_changes import confirm_change

LINK = re.compile(r"webcal://(?P<where>[^/\s]+)/calendar/(?P<token>[0-9a-f]+)\.ics")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=UTC)


def parse(data: bytes) -> dict[str, Any]:
    """Read an .ics with vobject (its own VTIMEZONE reading); give the events by UID."""
    text = data.decode("utf-8")
    assert "\r\n" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = vobject.readOne(text)
    assert calendar.vtimezone.tzid.value == "Europe/Paris"
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


def instant(event: Any, field: str) -> datetime:
    value = getattr(event, field)
    # Local time with its zone, read from the file's own VTIMEZONE (not from zoneinfo)
    assert value.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Paris"]
    assert type(value.value.tzinfo).__module__.startswith("dateutil"), value.value.tzinfo
    return value.value.astimezone(UTC)  # type: ignore[no-any-return]


def alarm(event: Any) -> timedelta | None:
    alarms = event.contents.get("valarm", [])
    return alarms[0].trigger.value if alarms else None


async def ask_calendar(bot: Harness, user: int) -> tuple[SentMessage, str | None]:
    """Send /calendar; give the file's message and the subscription link, if any."""
    mark = bot.emu.observer.mark(user)
    await bot.emu.people.send_text(user, "/calendar")
    await bot.emu.observer.wait_for_messages(user, 1, 10, after=mark)
    await bot.settle()
    said = bot.emu.observer.messages(user)[mark:]
    document = next(m for m in said if m.document is not None)
    links = [LINK.search(m.plain_text) for m in said if m.document is None]
    found = next((m for m in links if m), None)
    return document, found.group(0) if found else None


def http_of(link: str) -> str:
    return "http://" + link.removeprefix("webcal://")


async def take_rota(bot: Harness, user: int) -> None:
    (rota,) = await bot.say(user, "/rota")
    data = next(d for _, d in rota.buttons if d is not None and d.startswith("b:rs:"))
    answer = await bot.press(user, rota, data)
    assert answer["text"], answer


async def test_the_calendar_follows_sign_ups_changes_and_cancellations(
    site: Harness, http: httpx.AsyncClient
) -> None:
    bot = site
    await registered(bot, MATHILDE)
    await sign_up(bot, ALICE, "a")
    await sign_up(bot, ALICE, "c")
    await take_rota(bot, ALICE)

    document, link = await ask_calendar(bot, ALICE)
    assert document.document is not None and document.document.filename == "rencontre.ics"
    assert document.plain_text.startswith("📅 Votre agenda de la semaine\u202f: 3 événements.")
    assert link is not None
    match = LINK.fullmatch(link)
    assert match is not None and len(match["token"]) == 32  # 128 bits
    events = parse(document.document.content)
    assert set(events) == {"workshop-a@rencontre", "workshop-c@rencontre", "rota-r1@rencontre"}
    a, c, rota = (
        events[u] for u in ("workshop-a@rencontre", "workshop-c@rencontre", "rota-r1@rencontre")
    )
    # 10:00 in Sète in August is 08:00 UTC
    assert (instant(a, "dtstart"), instant(a, "dtend")) == (utc(24, 8), utc(24, 10))
    assert (instant(c, "dtstart"), instant(c, "dtend")) == (utc(24, 12, 30), utc(24, 14))
    assert (instant(rota, "dtstart"), instant(rota, "dtend")) == (utc(24, 12), utc(24, 12, 30))
    assert a.summary.value == "Atelier A" and a.location.value == "Salle des Pins"
    assert rota.summary.value == "Rangement\u202f: Vaisselle"
    assert [e.sequence.value for e in (a, c, rota)] == ["0", "0", "0"]
    assert {e.status.value for e in (a, c, rota)} == {"CONFIRMED"}
    assert alarm(a) == timedelta(minutes=-10)  # [announcements] reminder_minutes

    # The link serves the same events
    served = await http.get(http_of(link))
    assert served.status_code == 200
    assert served.headers["content-type"] == "text/calendar; charset=utf-8"
    assert set(parse(served.content)) == set(events)

    # Atelier A moves an hour later; Atelier C is cancelled
    await confirm_change(bot, ORGANISER, "a", "shift", f"ch:s:{ref('a')}:60")
    await confirm_change(bot, ORGANISER, "c", "cancel", None)
    after = parse((await http.get(http_of(link))).content)
    a, c = after["workshop-a@rencontre"], after["workshop-c@rencontre"]
    assert (instant(a, "dtstart"), instant(a, "dtend")) == (utc(24, 9), utc(24, 11))
    assert a.sequence.value == "1" and a.status.value == "CONFIRMED"
    assert c.status.value == "CANCELLED" and c.sequence.value == "1"
    assert instant(c, "dtstart") == utc(24, 12, 30)  # where calendars have it
    assert alarm(c) is None
    assert after["rota-r1@rencontre"].sequence.value == "0"  # unchanged, not raised
    # The file /calendar sends says the same
    document, _ = await ask_calendar(bot, ALICE)
    assert document.document is not None
    again = parse(document.document.content)
    assert again["workshop-c@rencontre"].status.value == "CANCELLED"
    assert instant(again["workshop-a@rencontre"], "dtstart") == utc(24, 9)

    # Reminders off: no alarm any more
    (settings,) = await bot.say(ALICE, "/settings")
    await bot.press(ALICE, settings, "set:reminders:0")
    quiet = parse((await http.get(http_of(link))).content)
    assert alarm(quiet["workshop-a@rencontre"]) is None


async def test_waiting_places_are_tentative_and_facilitators_get_what_they_run(
    site: Harness, http: httpx.AsyncClient
) -> None:
    bot = site
    await registered(bot, MATHILDE)
    await confirm_change(bot, ORGANISER, "a", "cap", "1")
    await sign_up(bot, ALICE, "a")
    (details,) = await bot.say(BOB, "/workshop a")
    answer = await bot.press(BOB, details, f"b:ws:{ref('a')}")
    assert answer["text"].startswith("⏳ It is full: you are #1 on the waiting list")
    document, _ = await ask_calendar(bot, BOB)
    assert document.document is not None
    assert document.plain_text.startswith("📅 Your week: 1 event.")
    (waiting,) = parse(document.document.content).values()
    assert waiting.status.value == "TENTATIVE"
    assert waiting.description.value.startswith("Waiting list, place 1: not confirmed yet.")

    document, _ = await ask_calendar(bot, MATHILDE)
    assert document.document is not None
    (runs,) = parse(document.document.content).values()
    assert runs.uid.value == "workshop-c@rencontre"
    assert runs.description.value.startswith("Vous animez cet atelier.")


async def test_reset_gives_a_new_link_and_the_old_one_answers_404(
    site: Harness, http: httpx.AsyncClient
) -> None:
    bot = site
    _, old = await ask_calendar(bot, ALICE)
    assert old is not None
    _, same = await ask_calendar(bot, ALICE)
    assert same == old  # a link stays until it is reset
    (reset,) = await bot.say(ALICE, "/agenda reset")
    new = LINK.search(reset.plain_text)
    assert new is not None and new.group(0) != old
    assert (await http.get(http_of(new.group(0)))).status_code == 200
    gone = await http.get(http_of(old))
    assert gone.status_code == 404
    # The same page as a token that never was, and as one of the wrong length: nothing revealed
    never = await http.get("/calendar/" + "0" * 32 + ".ics")
    short = await http.get("/calendar/" + "0" * 31 + ".ics")
    no_suffix = await http.get("/calendar/" + new.group("token"))
    for other in (never, short, no_suffix):
        assert other.status_code == 404
        assert other.text == gone.text
    assert "Ce lien d'agenda n'existe pas" in html.unescape(gone.text)
    (wrong,) = await bot.say(ALICE, "/calendar demain")
    assert wrong.plain_text.startswith("Je ne connais pas «\u202fdemain\u202f» ici.")


async def test_the_whole_week_as_ics(site: Harness, http: httpx.AsyncClient) -> None:
    bot = site
    await confirm_change(bot, ORGANISER, "c", "cancel", None)
    answer = await http.get("/programme.ics", params={"lang": "en"})
    assert answer.status_code == 200
    events = parse(answer.content)
    assert set(events) == {
        f"workshop-{i}@rencontre" for i in ("a", "b", "lunch", "c", "early", "dawn")
    }
    assert events["workshop-c@rencontre"].status.value == "CANCELLED"
    assert instant(events["workshop-early@rencontre"], "dtstart") == utc(25, 4, 30)
    assert "valarm" not in events["workshop-a@rencontre"].contents  # nobody's reminders
