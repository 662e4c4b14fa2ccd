"""The driver: plays the people against the bot's emulator and writes down what happened."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench.common import GROUP
from bench.soak.checks import booking_faults
from bench.soak.people import Person, Session
from bench.soak.settings import (
    CANCEL_FROM_CARD,
    GIVE_BACK_PROMOTED,
    LEAVE_ROTA,
    ORGANISERS,
    PLAIN,
    SWITCH_ON_CLASH,
    TIMEOUT,
    TOASTS,
    UNSOLICITED,
)
from bot.clock import RehearsalClock
from bot.domain.booking import Target, TargetKind, ref
from bot.domain.models import Programme, Workshop
from bot.i18n import LANGUAGES, LOCALES_DIR, load_catalogue
from bot.sandbox.emulator import BotApiEmulator, EmulatorTimeout
from bot.sandbox.records import SentMessage
from storage import bookings as bookings_repo
from storage import programme as programme_repo
from storage.db import Database


def opening(template: str) -> str:
    """Give what a message starts with, whatever its placeholders: its text before the first."""
    return re.sub(r"<[^>]+>", "", template.split("{", 1)[0]).strip()


def openings(keys: Iterable[str]) -> dict[str, str]:
    """Map the opening of each message, in each language, to its key."""
    found: dict[str, str] = {}
    for lang in LANGUAGES:
        catalogue = load_catalogue(LOCALES_DIR / lang)
        for key in keys:
            if key in catalogue and opening(catalogue[key]):
                found[opening(catalogue[key])] = key
    return found


def classify(text: str, known: dict[str, str]) -> str:
    """Name the message a text is (the key whose opening is the longest it starts with)."""
    if not text:
        return "(no text)"
    best = max((o for o in known if text.startswith(o)), key=len, default=None)
    return known[best] if best is not None else "other"


@dataclass
class Asked:
    """A text sent to the bot (and to the echoes), and the bot's answer in that chat."""

    label: str
    user: int
    text: str
    sent: list[float]
    """When it was queued in each emulator: the bot's, then each echo's."""
    answer: int | None = None
    """The message_id of the bot's answer."""
    incoming: int = 0
    """The message_id of the text in the bot's emulator."""


@dataclass(frozen=True)
class Pressed:
    """A button pressed."""

    label: str
    user: int
    query: str
    sent: float


def buttons(message: SentMessage | None, prefix: str) -> list[str]:
    """List the callback data of a message's buttons that start with `prefix`."""
    if message is None:
        return []
    return [d for _, d in message.buttons if d is not None and d.startswith(prefix)]


class Driver:
    """Play the people against the bot's emulator, and write down what happened."""

    def __init__(
        self,
        emu: BotApiEmulator,
        echoes: Sequence[BotApiEmulator],
        clock: RehearsalClock,
        db: Database,
        people: Sequence[Person],
        rng: random.Random,
        close: timedelta,
    ) -> None:
        self.emu = emu
        self.close = close
        self.echoes = echoes
        self.clock = clock
        self.db = db
        self.people = {p.user_id: p for p in people}
        self.organisers = {user: asyncio.Lock() for user in ORGANISERS}
        self.rng = rng
        self.registered = sum(p.registered for p in people)
        """People whose /start and organisation were answered (the driver's count)."""
        self.started = self.registered
        """People who have sent /start: the bot registers them there, before the driver's
        count (a broadcast confirmed meanwhile has them among its recipients)."""
        self.asked: list[Asked] = []
        self.pressed: list[Pressed] = []
        self.broadcasts: list[tuple[str, int, int]] = []
        """Each broadcast confirmed: its audience, and how many people were registered, at
        least (arrived before its audience was chosen) and at most (had sent /start when its
        confirmation was answered)."""
        self.done: Counter[str] = Counter()
        self.toasts: Counter[str] = Counter()
        self.other_toasts: Counter[str] = Counter()
        self.unanswered: list[str] = []
        """Steps the bot did not answer (in TIMEOUT seconds), or not as expected."""
        self.failures: list[str] = []
        """The driver's own failures (never hidden: they fail the run)."""
        self.skipped: Counter[str] = Counter()
        """Steps the driver did not take (a button gone, nothing to choose)."""
        self.checks: list[tuple[datetime, list[str]]] = []
        self.programme: Programme | None = None
        self.unsolicited = openings(UNSOLICITED)
        self.toast_names = openings(TOASTS)

    # Moves

    def is_unsolicited(self, message: SentMessage) -> bool:
        """Tell whether the bot sent a message on its own (not as an answer)."""
        return any(message.plain_text.startswith(o) for o in self.unsolicited)

    def is_answer(self, message: SentMessage) -> bool:
        """Tell whether a message may be an answer (the opposite of is_unsolicited)."""
        return not self.is_unsolicited(message)

    async def first_after(
        self, chat: int, mark: int, accept: Callable[[SentMessage], bool]
    ) -> SentMessage | None:
        """Wait for the first of the bot's messages in a chat after `mark` that `accept` takes."""
        count = 1
        deadline = time.monotonic() + TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = await self.emu.observer.wait_for_messages(chat, count, left, after=mark)
            except EmulatorTimeout:
                return None
            if accept(got[-1]):
                return got[-1]
            count += 1
        return None

    async def say(
        self,
        user: int,
        text: str,
        label: str,
        accept: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage | None:
        """Send a text in private (to the echoes too); give the bot's answer that `accept` takes.

        The answer timed is the first one, even if `accept` waits for a later one.
        """
        mark = self.emu.observer.mark(user)
        sent = [time.monotonic()]
        incoming = await self.emu.people.send_text(user, text)
        for echo in self.echoes:
            sent.append(time.monotonic())
            await echo.people.send_text(user, text)
        asked = Asked(label, user, text, sent, incoming=incoming)
        self.asked.append(asked)
        answer = await self.first_after(user, mark, self.is_answer)
        if answer is None:
            self.unanswered.append(f"{user}: no answer to {text[:40]!r}")
            return None
        asked.answer = answer.message_id
        if accept is None or accept(answer):
            return answer
        found = await self.first_after(user, mark, lambda m: self.is_answer(m) and accept(m))
        if found is None:
            self.unanswered.append(f"{user}: not the answer expected to {text[:40]!r}")
        return found

    async def press(
        self, user: int, message: SentMessage, data: str, label: str
    ) -> dict[str, Any] | None:
        """Press a button of a bot message; give its answer once it came."""
        chat_id = message.chat_id if message.chat_id != user else None
        sent = time.monotonic()
        try:
            query = await self.emu.people.press_button(
                user, message.message_id, data, chat_id=chat_id
            )
        except ValueError:  # the message was edited meanwhile: the button went
            self.skipped[f"{label}: button gone"] += 1
            return None
        self.pressed.append(Pressed(label, user, query, sent))
        return await self.answer_to(label, query)

    async def answer_to(self, label: str, query: str) -> dict[str, Any] | None:
        """Wait for the answer to a press; count what it said."""
        try:
            answer = await self.emu.observer.wait_for_callback_answer(query, TIMEOUT)
        except EmulatorTimeout:
            self.unanswered.append(f"press {query} ({label}) never answered")
            return None
        self.toasts[f"{label}: {self.toast(answer)}"] += 1
        return answer

    def toast(self, answer: dict[str, Any] | None) -> str:
        """Name what a press's answer said."""
        text = str((answer or {}).get("text") or "")
        name = classify(text, self.toast_names)
        if name == "other":
            self.other_toasts[text[:60]] += 1
        return name

    async def step(self, user: int, message: SentMessage, data: str, label: str) -> bool:
        """Press a button answered before its message is edited; wait for both."""
        edits = len(message.edits)
        if await self.press(user, message, data, label) is None:
            return False
        try:
            await self.emu.observer.wait_for_edit(
                message.chat_id, message.message_id, TIMEOUT, after=edits
            )
        except EmulatorTimeout:
            self.unanswered.append(f"{user}: message {message.message_id} never edited")
            return False
        return True

    # The programme as it stands

    async def current(self, refresh: bool = False) -> Programme:
        """Give the programme (read again when asked: after a change)."""
        if self.programme is None or refresh:
            async with self.db.read() as conn:
                self.programme = await programme_repo.load(conn)
        return self.programme

    async def soon(self, earliest: timedelta, latest: timedelta) -> list[Workshop]:
        """List the items that start between `earliest` and `latest` from now."""
        now = self.clock.now()
        return [
            w for w in (await self.current()).workshops if now + earliest < w.start < now + latest
        ]

    # Sessions

    async def run(self, s: Session) -> None:
        """Play one session, as its person (after their previous one)."""
        if s.what == "checkpoint":
            await self.checkpoint()
        elif s.what == "change":
            await self.change(s.arg)
        elif s.user in self.organisers:
            async with self.organisers[s.user]:
                await self.organise(s)
        else:
            p = self.people[s.user]
            async with p.lock:
                if p.blocked or (not p.registered and s.what != "arrive"):
                    if p.blocked:
                        self.skipped[f"{s.what}: they blocked the bot"] += 1
                    return
                self.done[s.what] += 1
                if s.what == "block":
                    self.emu.cast.block(p.user_id)
                    p.blocked = True
                elif s.what == "arrive":
                    await self.arrive(p)
                else:
                    await self.read_news(p)
                    await getattr(self, s.what)(p)

    async def arrive(self, p: Person) -> None:
        """Send /start, then choose an organisation."""
        self.started += 1
        ask = await self.say(p.user_id, "/start", "/start", lambda m: bool(buttons(m, "org:")))
        choices = buttons(ask, "org:")
        if ask is not None and choices:
            await self.press(p.user_id, ask, self.rng.choice(choices), "organisation")
        p.registered = True
        self.registered += 1

    async def read_news(self, p: Person) -> None:
        """Look at what the bot sent since last time; give back some of the places it gave."""
        messages = self.emu.observer.messages(p.user_id)
        news, p.read = messages[p.read :], len(messages)
        for message in news:
            give_back = buttons(message, "b:wc:")
            if (
                give_back
                and classify(message.plain_text, self.unsolicited) == "bookings.promoted"
                and self.rng.random() < GIVE_BACK_PROMOTED
            ):
                self.done["give back (promoted)"] += 1
                await self.press(p.user_id, message, give_back[0], "give back (promoted)")

    async def ask(self, p: Person) -> None:
        """Ask what comes next, or what is on today."""
        roll = self.rng.random()
        if roll < 1 / 3:
            await self.say(p.user_id, "/next", "/next")
        elif roll < 2 / 3:
            await self.say(p.user_id, "/today", "/today")
        else:
            await self.say(p.user_id, PLAIN[p.lang], "plain words")

    async def mine(self, p: Person) -> None:
        """Look at one's own programme."""
        await self.say(p.user_id, "/mine", "/mine")

    async def sign_up(self, p: Person) -> None:
        """Ask for a workshop's card and press its button; on a clash, switch or keep."""
        soon = await self.soon(timedelta(minutes=15), timedelta(hours=30))
        items = [w for w in soon if w.capacity is not None]
        if not items:
            self.skipped["sign_up: nothing coming that takes sign-ups"] += 1
            return
        item = self.rng.choice(items)
        code = ref(item.id)
        card = await self.say(p.user_id, f"/workshop {item.id}", "/workshop")
        sign, cancel = buttons(card, f"b:ws:{code}"), buttons(card, f"b:wc:{code}")
        if card is None or not (sign or cancel):
            self.skipped["sign_up: no button on the card"] += 1
            return
        if cancel:
            if self.rng.random() < CANCEL_FROM_CARD:
                await self.press(p.user_id, card, cancel[0], "cancel (card)")
            return
        mark = self.emu.observer.mark(p.user_id)
        answer = await self.press(p.user_id, card, sign[0], "sign up")
        if self.toast(answer) != "bookings.clash_toast":
            return
        offer = await self.first_after(p.user_id, mark, self.is_answer)
        switch, keep = buttons(offer, "b:wx:"), buttons(offer, "b:keep")
        if offer is None or not (switch and keep):
            return  # a clash with an item they run: nothing to choose
        choice = switch[0] if self.rng.random() < SWITCH_ON_CLASH else keep[0]
        await self.press(p.user_id, offer, choice, "clash")

    async def give_back(self, p: Person) -> None:
        """Give back a place, or leave a waiting list, from /mine."""
        mine = await self.say(p.user_id, "/mine", "/mine")
        choices = buttons(mine, "b:wc:")
        if mine is None or not choices:
            self.skipped["give_back: nothing today or tomorrow"] += 1
            return
        await self.press(p.user_id, mine, self.rng.choice(choices), "give back")

    async def rota(self, p: Person) -> None:
        """Look at the rota; take a free or offered slot, or leave one's own."""
        rota = await self.say(p.user_id, "/rota", "/rota")
        take = buttons(rota, "b:rs:") + buttons(rota, "b:rt:")
        leave = buttons(rota, "b:rc:")
        if rota is None:
            return
        if leave and (not take or self.rng.random() < LEAVE_ROTA):
            await self.press(p.user_id, rota, self.rng.choice(leave), "rota leave")
        elif take:
            await self.press(p.user_id, rota, self.rng.choice(take), "rota take")
        else:
            self.skipped["rota: no slot to take"] += 1

    async def offer(self, p: Person) -> None:
        """Offer one's rota slot from /mine; one to three others race for it in the group."""
        mine = await self.say(p.user_id, "/mine", "/mine")
        choices = buttons(mine, "b:ro:")
        if mine is None or not choices:
            self.skipped["offer: no rota slot to offer"] += 1
            return
        mark = self.emu.observer.mark(GROUP)
        answer = await self.press(p.user_id, mine, choices[0], "offer")
        if self.toast(answer) != "bookings.offer_posted":
            return
        post = await self.first_after(
            GROUP, mark, lambda m: bool(buttons(m, "b:rt:")) and p.name in m.plain_text
        )
        if post is None:
            self.unanswered.append(f"{p.user_id}: the offer never reached the group")
            return
        data = buttons(post, "b:rt:")[0]
        others = [q for q in self.people.values() if q.registered and not q.blocked and q is not p]
        # All press before the bot can fetch any press: the first one gets the slot
        sent = time.monotonic()
        queries = []
        for q in self.rng.sample(others, self.rng.randint(1, 3)):
            try:
                query = await self.emu.people.press_button(
                    q.user_id, post.message_id, data, chat_id=GROUP
                )
            except ValueError:
                self.skipped["take offer: button gone"] += 1
                continue
            self.pressed.append(Pressed("take offer", q.user_id, query, sent))
            queries.append(query)
        for query in queries:
            await self.answer_to("take offer", query)

    # Organisers and facilitators

    async def organise(self, s: Session) -> None:
        """Broadcast, post a notice, or ask for the rota's gaps, as an organiser."""
        self.done[s.what] += 1
        if s.what == "notice":
            await self.say(s.user, f"/notice {s.arg}", "/notice")
        elif s.what == "gaps":
            await self.say(s.user, "/rota gaps", "/rota gaps")
        elif s.what == "broadcast":
            audience, _, text = s.arg.partition(":")
            await self.broadcast(s.user, audience, text)

    async def broadcast(self, user: int, audience: str, text: str) -> None:
        """Write, choose the audience, confirm (and confirm again for everyone)."""
        message = await self.say(
            user, f"/broadcast {text}", "/broadcast", lambda m: bool(buttons(m, "bc:a:"))
        )
        choose = [d for d in buttons(message, "bc:a:") if d.endswith(f":{audience}")]
        if message is None or not choose:
            self.unanswered.append(f"broadcast: audience {audience} not offered")
            return
        at_least = self.registered
        if not await self.step(user, message, choose[0], "broadcast"):
            return
        last = buttons(message, "bc:ok:")
        if audience == "all" and last:
            if not await self.step(user, message, last[0], "broadcast"):
                return
            last = buttons(message, "bc:sure:")
        if not last:
            self.unanswered.append(f"broadcast to {audience}: no confirmation offered")
            return
        if await self.press(user, message, last[0], "broadcast") is not None:
            self.broadcasts.append((audience, at_least, self.started))

    async def change(self, kind: str) -> None:
        """Have a facilitator move, delay or cancel one of their items; or add places."""
        self.done[f"change {kind}"] += 1
        await self.current(refresh=True)
        items = await self.soon(timedelta(hours=1), timedelta(hours=30))
        if kind == "cap":
            items = [w for w in items if w.capacity is not None]
            if not items:
                self.skipped["change cap: no item"] += 1
                return
            async with self.db.read() as conn:
                standing = await bookings_repo.standings(
                    conn, [Target.of_workshop(w) for w in items]
                )
            item = max(items, key=lambda w: len(standing[(TargetKind.WORKSHOP, w.id)].waiting))
            async with self.organisers[ORGANISERS[0]]:
                await self.change_flow(ORGANISERS[0], item, kind)
            return
        by_id = {w.id: w for w in items}
        pairs = [
            (p, by_id[i])
            for p in self.people.values()
            if not p.blocked
            for i in p.runs
            if i in by_id
        ]
        if not pairs:
            self.skipped[f"change {kind}: no facilitator with an item soon"] += 1
            return
        person, item = self.rng.choice([pw for pw in pairs if pw[1].capacity] or pairs)
        async with person.lock:
            await self.change_flow(person.user_id, item, kind)

    async def change_flow(self, user: int, item: Workshop, kind: str) -> None:
        """Go through /change: the item, what changes, its value, the confirmation."""
        code = ref(item.id)
        menu = await self.say(
            user, f"/change {item.id}", "/change", lambda m: bool(buttons(m, "ch:k:"))
        )
        if menu is None:
            return
        answer = await self.press(user, menu, f"ch:k:{code}:{kind}", "change")
        preview: SentMessage | None = menu
        if kind == "room" and buttons(menu, "ch:r:"):
            answer = await self.press(user, menu, self.rng.choice(buttons(menu, "ch:r:")), "change")
        elif kind == "late" and buttons(menu, "ch:l:"):
            answer = await self.press(user, menu, f"ch:l:{code}:10", "change")
        elif kind == "cap":
            capacity = str((item.capacity or 0) + 5)
            preview = await self.say(
                user, capacity, "typed value", lambda m: bool(buttons(m, "ch:ok"))
            )
        if preview is None or not buttons(preview, "ch:ok"):
            self.skipped[f"change {kind}: refused ({self.toast(answer)})"] += 1
            return
        await self.press(user, preview, "ch:ok", "change")
        await self.current(refresh=True)

    # Checks along the way

    async def checkpoint(self) -> None:
        """Check the bookings as they stand (one read), sign-ups still open included."""
        self.done["checkpoint"] += 1
        now = self.clock.now()
        async with self.db.read() as conn:  # one read transaction: one state of the file
            programme = await programme_repo.load(conn)
            everything = await bookings_repo.everything(conn)
        self.checks.append((now, booking_faults(programme, everything, now, self.close)))
        self.programme = programme
