"""Turning answers into messages: HTML text (every piece of programme text escaped) and buttons.

Nothing here knows Telegram's wire format; handlers turn a Reply into a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.booking import Offer, Standing, Status, Target, TargetKind, ref
from bot.domain.models import Kind, Participant, Programme, Workshop
from bot.domain.schedule import Part, Phase, Slot, by_start, local_day
from bot.i18n import Translator
from bot.reply import Button, Reply
from bot.services.agenda import (
    DayAnswer,
    FindAnswer,
    NextAnswer,
    NowAnswer,
    OnDayAnswer,
    RoomCard,
)
from bot.services.bookings import AgendaEntry, Fairness, Move, Seats
from bot.services.changes import Preview
from bot.services.programme import ImportPreview, ItemChange, Reach

Day = date  # the Renderer's `date` method hides the type inside the class

# Telegram allows 4096 characters; a page stays well below so that headers and markup fit
PAGE_BUDGET = 3500
MAX_LISTED_BUTTONS = 8
MAX_TITLE = 200
MAX_ROOM = 80
MAX_NOTE = 300
NOOP = "noop"


class Renderer:
    """Render answers in one person's language."""

    def __init__(self, t: Translator, lang: str, tz: ZoneInfo, now: datetime | None = None) -> None:
        self.t = t
        self.lang = lang
        self.tz = tz
        self.now = now or datetime.min.replace(tzinfo=tz)

    def __call__(self, key: str, /, **params: object) -> str:
        """Give a message in this renderer's language."""
        return self.t(self.lang, key, **params)

    # Pieces

    def time(self, when: datetime) -> str:
        """Give a 24-hour local time."""
        return when.astimezone(self.tz).strftime("%H:%M")

    def date(self, day: date) -> str:
        """Give a day as people say it: 'mardi 25 août'."""
        return self(
            "common.date",
            weekday=self(f"common.weekday_{day.weekday()}"),
            day=self("common.first_of_month") if day.day == 1 else day.day,
            month=self(f"common.month_{day.month}"),
        )

    def places(self, item: Workshop, seats: Seats) -> str:
        """Say how many places are left, if the item takes sign-ups."""
        left = seats.left(item)
        if item.capacity is None or left is None:
            return ""
        if seats.status(item) is Status.IN:
            return self("bookings.you_are_in")
        if left <= 0:
            waiting = seats.waiting(item)
            return self("agenda.full_waiting", waiting=waiting) if waiting else self("agenda.full")
        return self("agenda.places_left", left=left, capacity=item.capacity)

    def booking_button(self, item: Workshop, seats: Seats, *, titled: bool) -> Button | None:
        """Offer the one booking move that fits: sign up, join the waiting list, or cancel."""
        if item.capacity is None:
            return None
        status = seats.status(item)
        code = ref(item.id)
        if status is Status.IN:
            key, data = "bookings.button_cancel", f"b:wc:{code}"
        elif status is Status.WAITING:
            key, data = "bookings.button_leave", f"b:wc:{code}"
        elif not seats.is_open(item):
            return None
        elif (seats.left(item) or 0) > 0:
            key, data = "bookings.button_sign_up", f"b:ws:{code}"
        else:
            key, data = "bookings.button_wait", f"b:ws:{code}"
        label = self(key, position=seats.position(item) or seats.waiting(item) + 1)
        return Button(f"{label} · {truncate(item.title, 28)}" if titled else label, data)

    def booking_rows(self, items: Sequence[Workshop], seats: Seats) -> list[tuple[Button, ...]]:
        """Give one row of booking buttons per item that takes sign-ups (a few at most)."""
        buttons = [b for w in items if (b := self.booking_button(w, seats, titled=True))]
        return [(b,) for b in buttons[:MAX_LISTED_BUTTONS]]

    def item_line(self, item: Workshop, seats: Seats | None, *, with_time: bool = False) -> str:
        """Give one line for an item: title, room, places."""
        title = escape(truncate(item.title, MAX_TITLE))
        parts = [f"<b>{title}</b>" if item.kind != Kind.MEAL else title]
        if item.room:
            parts.append(f"📍 {escape(truncate(item.room, MAX_ROOM))}")
        places = self.places(item, seats) if seats is not None else ""
        if places:
            parts.append(places)
        line = " · ".join(parts)
        if with_time:
            span = self("agenda.span", start=self.time(item.start), end=self.time(item.end))
            line = f"{span} {line}"
        return f"• {line}"

    def slot_block(self, slot: Slot, seats: Seats) -> str:
        """Give a time heading and the items that start then."""
        lines = [f"<b>{self.time(slot.start)}</b>"]
        lines += [self.item_line(item, seats) for item in slot.items]
        return "\n".join(lines)

    def fit(self, head: str, lines: Sequence[str], command: str, budget: int = PAGE_BUDGET) -> str:
        """Join `head` and the `lines` that fit in `budget`, then "and N more: <command>".

        Sizes are counted on the HTML, which is never shorter than what Telegram counts.
        """
        kept: list[str] = []
        size = units(head)
        for shown, line in enumerate(lines):
            left = len(lines) - shown - 1
            more = units(self("agenda.more", count=left, command=command)) + 1 if left else 0
            if size + units(line) + 1 + more > budget:
                kept.append(self("agenda.more", count=len(lines) - shown, command=command))
                break
            kept.append(line)
            size += units(line) + 1
        return "\n".join([head, *kept]) if head else "\n".join(kept)

    # Answers

    def before_week(self, slot: Slot | None, seats: Seats) -> str:
        """Say when the week starts and what opens it."""
        if slot is None:
            return self("agenda.no_programme")
        day = local_day(slot.start, self.tz)
        head = self("agenda.before_week", date=self.date(day), time=self.time(slot.start))
        lines = [self.item_line(item, seats) for item in slot.items]
        return f"{head}\n\n" + self.fit(f"<b>{self.time(slot.start)}</b>", lines, "/today")

    def next_answer(self, answer: NextAnswer, seats: Seats) -> Reply:
        """Render /next."""
        if answer.phase is Phase.EMPTY:
            return Reply(self("agenda.no_programme"))
        if answer.phase is Phase.AFTER:
            return Reply(self("agenda.after_week"))
        if answer.phase is Phase.BEFORE:
            items = answer.slot.items if answer.slot else ()
            return Reply(self.before_week(answer.slot, seats), self.item_buttons(items, seats))
        parts = []
        if answer.mine_now:
            mine = [
                self.item_line(w, seats) + " " + self("agenda.until", time=self.time(w.end))
                for w in answer.mine_now
            ]
            parts.append(self.fit(self("agenda.mine_now"), mine, "/mine", PAGE_BUDGET // 2))
        if answer.slot is None:
            parts.append(self("agenda.nothing_more_week"))
        else:
            lines = [self.item_line(w, seats) for w in answer.slot.items]
            if answer.later_day:
                day = local_day(answer.slot.start, self.tz)
                start = self.time(answer.slot.start)
                head = self("agenda.nothing_more_today", date=self.date(day), time=start)
                command = "/tomorrow"
            else:
                head = self("agenda.next_at", time=self.time(answer.slot.start))
                command = "/today"
            budget = PAGE_BUDGET - sum(units(p) + 2 for p in parts)
            parts.append(self.fit(head, lines, command, budget))
        shown = list(answer.mine_now) + list(answer.slot.items if answer.slot else ())
        return Reply("\n\n".join(parts), self.item_buttons(shown, seats))

    def now_answer(self, answer: NowAnswer, seats: Seats) -> Reply:
        """Render /now."""
        if answer.phase is Phase.EMPTY:
            return Reply(self("agenda.no_programme"))
        if answer.phase is Phase.AFTER:
            return Reply(self("agenda.after_week"))
        if answer.phase is Phase.BEFORE:
            return Reply(self.before_week(answer.slot, seats))
        if not answer.running:
            text = self("agenda.nothing_now")
            if answer.slot is not None:
                head = self("agenda.next_at", time=self.time(answer.slot.start))
                lines = [self.item_line(w, seats) for w in answer.slot.items]
                text += "\n\n" + self.fit(head, lines, "/next")
            return Reply(text, self.item_buttons(answer.slot.items if answer.slot else (), seats))
        running = latest_first(answer.running)
        lines = [
            self.item_line(w, seats) + " " + self("agenda.until", time=self.time(w.end))
            for w in running
        ]
        return Reply(
            self.fit(self("agenda.now_on"), lines, "/today"), self.item_buttons(running, seats)
        )

    def day_pages(self, answer: DayAnswer, seats: Seats, title: str) -> list[Page]:
        """Render a day's programme as one or more pages of text."""
        head = f"📅 <b>{escape(title)}</b>"
        if not answer.items:
            if answer.phase is Phase.AFTER:
                return [Page(f"{head}\n\n{self('agenda.after_week')}")]
            text = f"{head}\n\n{self('agenda.nothing_that_day')}"
            if answer.next_day is not None and answer.next_day_first is not None:
                text += "\n\n" + self(
                    "agenda.next_day_starts",
                    date=self.date(answer.next_day),
                    time=self.time(answer.next_day_first.start),
                )
                text += "\n" + "\n".join(
                    self.item_line(w, seats) for w in answer.next_day_first.items
                )
            return [Page(text)]
        blocks = [
            Block(self.slot_block(slot, seats), slot.items, header=True)
            for slot in by_start(answer.items)
        ]
        return paginate(head, blocks)

    def room_card(self, card: RoomCard, seats: Seats) -> Reply:
        """Say where a room is, and what is on there now and next."""
        name = escape(truncate(card.room.name, MAX_ROOM))
        if card.room.description:
            note = escape(truncate(card.room.description, MAX_NOTE))
            parts = [self("agenda.room_where", room=name, description=note)]
        else:
            parts = [self("agenda.room_where_plain", room=name)]
        half = PAGE_BUDGET // 2
        if card.running:
            lines = [
                self.item_line(w, seats) + " " + self("agenda.until", time=self.time(w.end))
                for w in latest_first(card.running)
            ]
            parts.append(self.fit(self("agenda.now_on"), lines, "/now", half))
        if card.following is not None:
            day = local_day(card.following.start, self.tz)
            when = self.time(card.following.start)
            if day != local_day(self.now, self.tz):
                when = f"{self.date(day)}, {when}"
            lines = [self.item_line(w, seats) for w in card.following.items]
            parts.append(self.fit(self("agenda.room_next", when=when), lines, "/today", half))
        elif not card.running:
            parts.append(self("agenda.room_nothing_more"))
        shown = [*card.running, *(card.following.items if card.following else ())]
        return Reply("\n\n".join(parts), self.item_buttons(shown, seats))

    def part_title(self, title: str, part: Part | None) -> str:
        """Add the part of the day to a title: 'Aujourd'hui, mardi 25 août (le soir)'."""
        if part is None:
            return title
        return self("agenda.title_part", title=title, part=self(f"agenda.part_{part}"))

    def not_on_day(self, answer: OnDayAnswer) -> str:
        """Say that what was asked about is not on the day asked, before saying when it is."""
        when = self("agenda.on_date", date=self.date(answer.day)) if answer.day else ""
        if answer.part is not None:
            when = f"{when} {self(f'agenda.part_{answer.part}')}".strip()
        return self("agenda.not_on_day", query=escape(answer.found.query), when=when)

    def find_answer(self, answer: FindAnswer, seats: Seats) -> list[Page]:
        """Render search results as pages: each item with its day, time and room."""
        if not answer.items:
            return [Page(self("agenda.not_found", query=escape(answer.query)))]
        head = self("agenda.found", count=len(answer.items), query=escape(answer.query))
        blocks = []
        for w in answer.items:
            day = self.date(local_day(w.start, self.tz))
            span = self("agenda.span", start=self.time(w.start), end=self.time(w.end))
            line = f"• <b>{escape(truncate(w.title, MAX_TITLE))}</b>\n  {day}, {span}"
            if w.room:
                line += f" · 📍 {escape(truncate(w.room, MAX_ROOM))}"
            places = self.places(w, seats)
            if places:
                line += f" · {places}"
            blocks.append(Block(line, (w,)))
        return paginate(head, blocks)

    def workshop(self, w: Workshop, seats: Seats, room_note: str = "") -> Reply:
        """Render one item's details."""
        day = self.date(local_day(w.start, self.tz))
        span = self("agenda.span", start=self.time(w.start), end=self.time(w.end))
        lines = [f"<b>{escape(truncate(w.title, 500))}</b>", f"🕙 {day}, {span}"]
        if w.room:
            room = escape(truncate(w.room, MAX_ROOM))
            if room_note:
                room += f" ({escape(truncate(room_note, MAX_NOTE))})"
            lines.append(f"📍 {room}")
        else:
            lines.append(self("agenda.no_room_given"))
        if w.facilitators:
            names = escape(truncate(", ".join(f.name for f in w.facilitators), MAX_NOTE))
            lines.append(self("agenda.facilitated_by", names=names))
        if w.capacity is not None:
            lines.append("🎟 " + self.places(w, seats))
        if w.language and w.language != self.lang:
            named = f"common.language_{w.language.lower()}"
            language = self(named) if self.t.has(named) else escape(w.language)
            lines.append(self("agenda.language", language=language))
        if w.description:
            room_left = PAGE_BUDGET - units("\n".join(lines)) - 2
            lines.append("")
            lines.append(escape_within(w.description, room_left))
        button = self.booking_button(w, seats, titled=False)
        return Reply("\n".join(lines), ((button,),) if button else ())

    # Bookings

    def span(self, start: datetime, end: datetime) -> str:
        """Give '10:00–12:00'."""
        return self("agenda.span", start=self.time(start), end=self.time(end))

    def when(self, start: datetime, end: datetime) -> str:
        """Give 'mardi 25 août, 10:00–12:00'."""
        return f"{self.date(local_day(start, self.tz))}, {self.span(start, end)}"

    def move(self, move: Move) -> str:
        """Say what a sign-up or cancellation did (short: it fits a button's answer)."""
        title = truncate(move.standing.target.title, 60)
        return self(f"bookings.{move.outcome.value}", title=title, position=move.position or 0)

    def clash(self, move: Move) -> Reply:
        """Offer to switch when a sign-up clashes with other commitments."""
        target = move.standing.target
        others = "\n".join(
            self(
                "bookings.clash_line_waiting" if c.waiting else "bookings.clash_line",
                title=escape(truncate(c.title, 80)),
                time=self.span(c.start, c.end),
            )
            for c in move.clash
        )
        params = {
            "title": escape(truncate(target.title, 80)),
            "time": self.span(target.start, target.end),
        }
        if any(c.facilitating for c in move.clash):
            return Reply(self("bookings.clash_facilitating", others=others, **params))
        switch = "wx" if target.kind is TargetKind.WORKSHOP else "rx"
        return Reply(
            self("bookings.clash", others=others, **params),
            (
                (
                    Button(
                        self("bookings.button_switch", title=truncate(target.title, 30)),
                        f"b:{switch}:{target.ref}",
                    ),
                ),
                (Button(self("bookings.button_keep"), "b:keep"),),
            ),
        )

    def switched(self, move: Move) -> str:
        """Say what a switch did."""
        old = ", ".join(
            self("bookings.quoted", title=truncate(t.title, 40)) for t in move.cancelled
        )
        key = "bookings.switched" if move.position is None else "bookings.switched_waiting"
        title = truncate(move.standing.target.title, 60)
        return self(key, old=old, title=title, position=move.position or 0)

    def promoted(self, target: Target) -> Reply:
        """Tell someone they moved from the waiting list into a place."""
        room = f", {escape(target.room)}" if target.room else ""
        text = self(
            "bookings.promoted",
            title=escape(target.title),
            when=self.when(target.start, target.end),
            room=room,
        )
        cancel = "wc" if target.kind is TargetKind.WORKSHOP else "rc"
        return Reply(
            text, ((Button(self("bookings.button_give_back"), f"b:{cancel}:{target.ref}"),),)
        )

    def participants(
        self, item: Workshop, ins: Sequence[Participant], waiting: Sequence[Participant]
    ) -> str:
        """List who comes to an item, then who waits."""
        when = self.when(item.start, item.end)
        if item.capacity is None:
            return self("bookings.participants_open", title=escape(item.title), when=when)
        names = "\n".join(f"{n}. {escape(p.display_name)}" for n, p in enumerate(ins, 1))
        text = self(
            "bookings.participants",
            title=escape(item.title),
            when=when,
            count=len(ins),
            capacity=item.capacity,
            names=names or self("bookings.participants_none"),
        )
        if waiting:
            queue = "\n".join(f"{n}. {escape(p.display_name)}" for n, p in enumerate(waiting, 1))
            text += self("bookings.participants_waiting", count=len(waiting), names=queue)
        return text

    def mine(self, entries: Sequence[AgendaEntry]) -> Reply:
        """Render a person's agenda, with a button for each thing they may give up."""
        past = [e for e in entries if e.end <= self.now]
        coming = [e for e in entries if e.end > self.now]
        if not coming:
            text = self("bookings.mine_empty")
            if past:
                text += "\n" + self("bookings.mine_past", count=len(past))
            return Reply(text)
        lines = [self("bookings.mine_title")]
        rows: list[tuple[Button, ...]] = []
        day = None
        for e in coming:
            this_day = local_day(e.start, self.tz)
            if this_day != day:
                day = this_day
                lines.append("\n" + self("bookings.mine_day", date=self.date(this_day)))
            room = f" · 📍 {escape(e.room)}" if e.room else ""
            params = {
                "span": self.span(e.start, e.end),
                "title": escape(truncate(e.title, 80)),
                "room": room,
            }
            if e.kind == "rota":
                lines.append(
                    self(
                        "bookings.mine_rota_offered" if e.offered else "bookings.mine_rota",
                        **params,
                    )
                )
                if e.target is not None and not e.offered and len(rows) < MAX_LISTED_BUTTONS:
                    label = self(
                        "bookings.button_cant_make_it",
                        title=truncate(e.title, 20),
                        time=self.time(e.start),
                    )
                    rows.append((Button(label, f"b:ro:{e.target.ref}"),))
            elif e.kind == "waiting":
                lines.append(self("bookings.mine_waiting", position=e.position or 0, **params))
            elif e.kind == "rota_waiting":
                lines.append(self("bookings.mine_rota_waiting", position=e.position or 0, **params))
                if e.target is not None and len(rows) < MAX_LISTED_BUTTONS:
                    leave = self("bookings.button_leave", position=e.position or 0)
                    label = f"{leave} · {truncate(e.title, 24)}"
                    rows.append((Button(label, f"b:rc:{e.target.ref}"),))
            elif e.kind == "facilitating":
                lines.append(self("bookings.mine_facilitating", **params))
            else:
                lines.append(self("bookings.mine_in", **params))
            if (
                e.kind in ("in", "waiting")
                and e.target is not None
                and len(rows) < MAX_LISTED_BUTTONS
            ):
                key = "bookings.button_cancel" if e.kind == "in" else "bookings.button_leave"
                label = f"{self(key, position=e.position or 0)} · {truncate(e.title, 24)}"
                rows.append((Button(label, f"b:wc:{e.target.ref}"),))
        text = self.fit(lines[0], lines[1:], "/today")
        if past:
            text += "\n\n" + self("bookings.mine_past", count=len(past))
        return Reply(text, tuple(rows))

    def rota(
        self, slots: Sequence[Standing], offers: Sequence[tuple[Target, Offer]], user_id: int
    ) -> Reply:
        """Render the rota slots of today and tomorrow, with a button per slot."""
        if not slots:
            return Reply(self("bookings.rota_empty"))
        lines = [self("bookings.rota_title")]
        rows: list[tuple[Button, ...]] = []
        day = None
        for s in slots:
            t = s.target
            this_day = local_day(t.start, self.tz)
            if this_day != day:
                day = this_day
                lines.append("\n" + self("bookings.rota_day", date=self.date(this_day)))
            lines.append(
                self(
                    "bookings.rota_line",
                    span=self.span(t.start, t.end),
                    area=escape(t.title),
                    taken=len(s.ins),
                    places=t.places,
                    description="",
                )
            )
            if t.start <= self.now:
                continue
            params = {
                "area": truncate(t.title, 20),
                "time": f"{self.date(this_day)[:3]}. {self.time(t.start)}",
            }
            if s.status_of(user_id) is Status.IN:
                rows.append(
                    (Button(self("bookings.button_rota_leave", **params), f"b:rc:{t.ref}"),)
                )
            elif s.left > 0:
                rows.append((Button(self("bookings.button_rota_take", **params), f"b:rs:{t.ref}"),))
        for target, offer in offers:
            if offer.user_id != user_id:
                title = f"{truncate(target.title, 20)} {self.time(target.start)}"
                label = f"{self('bookings.button_take')} · {title}"
                rows.append((Button(label, f"b:rt:{offer.id}"),))
        return Reply("\n".join(lines), tuple(rows[:40]))

    def offer(self, target: Target, offer: Offer, name: str) -> Reply:
        """Post a rota slot someone cannot make."""
        text = self(
            "bookings.offer",
            title=escape(target.title),
            when=self.when(target.start, target.end),
            name=escape(name),
        )
        return Reply(text, ((Button(self("bookings.button_take"), f"b:rt:{offer.id}"),),))

    def gaps(self, slots: Sequence[Standing]) -> str:
        """List the rota slots that lack people."""
        if not slots:
            return self("bookings.gaps_none")
        lines = [self("bookings.gaps_title")]
        for s in slots:
            t = s.target
            lines.append(
                self(
                    "bookings.gap_line",
                    when=self.when(t.start, t.end),
                    area=escape(t.title),
                    taken=len(s.ins),
                    places=t.places,
                    missing=s.left,
                )
            )
        return "\n".join(lines)

    def fairness(self, f: Fairness) -> str:
        """Tell how the rota is shared."""
        spread = "\n".join(self("bookings.fairness_spread", slots=n, people=p) for n, p in f.spread)
        text = self(
            "bookings.fairness", registered=f.registered, without=f.without_slot, spread=spread
        )
        if f.by_organisation:
            text += "\n" + self("bookings.fairness_org_title")
            for org, people, slots in f.by_organisation:
                text += "\n" + self(
                    "bookings.fairness_org", organisation=escape(org), people=people, slots=slots
                )
        return text

    # Messages the bot sends on its own

    def announcement(self, start: datetime, items: Sequence[Workshop], seats: Seats) -> Reply:
        """Announce a time slot to the group: every item that starts then, one message."""
        lines = [self.item_line(w, seats) for w in items]
        text = self.fit(self("announce.slot", time=self.time(start)), lines, "/now")
        return Reply(text, tuple(self.booking_rows(items, seats)))

    def board(self, now_on: Sequence[Workshop], following: Slot | None) -> Reply:
        """Write the live Now / Next board: what fits, what started last and ends soonest first."""
        half = PAGE_BUDGET // 2
        if now_on:
            lines = [
                self.item_line(w, None) + " " + self("agenda.until", time=self.time(w.end))
                for w in latest_first(now_on)
            ]
            now_part = self.fit(self("announce.board_now"), lines, "/now", half)
        else:
            now_part = self("announce.board_nothing_now")
        if following is not None:
            day = local_day(following.start, self.tz)
            when = self.time(following.start)
            if day != local_day(self.now, self.tz):
                when = f"{self.date(day)}, {when}"
            lines = [self.item_line(w, None) for w in following.items]
            next_part = "\n" + self.fit(
                self("announce.board_next", when=when), lines, "/next", half
            )
        else:
            next_part = self("announce.board_end")
        return Reply("\n".join([self("announce.board_title"), now_part, next_part]))

    def reminder(
        self, title: str, start: datetime, end: datetime, room: str | None, *, rota: bool
    ) -> Reply:
        """Remind a person of what they signed up for, run, or tidy up."""
        minutes = max(0, round((start - self.now).total_seconds() / 60))
        where = f", 📍 {escape(room)}" if room else ""
        key = "announce.reminder_rota" if rota else "announce.reminder"
        return Reply(
            self(key, minutes=minutes, title=escape(title), span=self.span(start, end), where=where)
        )

    def digest_line(
        self, title: str, start: datetime, end: datetime, room: str | None, state: str
    ) -> str:
        """Give one line of a morning digest."""
        where = f" · 📍 {escape(room)}" if room else ""
        return self(
            f"announce.digest_{state}", span=self.span(start, end), title=escape(title), where=where
        )

    def digest(
        self, name: str, day: Day, lines: Sequence[str], highlights: Sequence[Workshop]
    ) -> Reply:
        """Write a person's morning digest."""
        head = self("announce.digest_hello", name=escape(name), date=self.date(day))
        text = self.fit(
            head, list(lines) or [self("announce.digest_free")], "/mine", PAGE_BUDGET // 2
        )
        if highlights:
            shown = [
                f"• {self.span(w.start, w.end)} {escape(truncate(w.title, MAX_TITLE))}"
                for w in highlights
            ]
            text += "\n\n" + self.fit(
                self("announce.digest_highlights"), shown, "/today", PAGE_BUDGET // 2
            )
        return Reply(text)

    def correction(self, params: Mapping[str, Any], programme: Programme) -> Reply:
        """Correct a reminder the programme has since made wrong."""
        item = next((w for w in programme.workshops if w.id == params["target_id"]), None)
        if params.get("cancelled") or item is None:
            title = params.get("title") or params["target_id"]
            return Reply(self("announce.fix_cancelled", title=escape(str(title))))
        was = datetime.fromisoformat(params["was_start"])
        return Reply(
            self(
                "announce.fix_moved",
                title=escape(item.title),
                when=self.when(item.start, item.end),
                room=escape(item.room or "?"),
                was_time=self.time(was),
                was_room=escape(params.get("was_room") or "?"),
            )
        )

    def promoted_row(self, params: Mapping[str, Any], programme: Programme) -> Reply:
        """Tell someone they moved from the waiting list into a place (from the outbox)."""
        kind = TargetKind(params["target_kind"])
        if kind is TargetKind.WORKSHOP:
            w = next(x for x in programme.workshops if x.id == params["target_id"])
            return self.promoted(Target.of_workshop(w))
        r = next(x for x in programme.rota if x.id == params["target_id"])
        return self.promoted(Target.of_rota(r))

    # Changes

    def change_text(
        self, kind: str, value: str, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> str:
        """Say in one line what a change does."""
        if kind == "cancel":
            return self("change.says_cancel")
        if kind == "room":
            return self(
                "change.says_room", room=escape(value), was=escape(str(before.get("room") or "?"))
            )
        if kind in ("shift", "late"):
            start = datetime.fromisoformat(str(after["start"]))
            end = datetime.fromisoformat(str(after["end"]))
            key = "change.says_late" if kind == "late" else "change.says_shift"
            was = start - timedelta(minutes=int(value))
            if local_day(was, self.tz) != local_day(start, self.tz):
                key = "change.says_moved"  # another day: its minutes say little
            return self(key, minutes=value, when=self.when(start, end))
        if kind == "capacity":
            return self("change.says_capacity", places=value)
        return self("change.says_note", note=escape(value))

    def change_notice(self, params: Mapping[str, Any]) -> Reply:
        """Tell the people concerned (or the group) about a change."""
        before, after = params["before"], params["after"]
        title = escape(str(before.get("title", "")))
        says = self.change_text(params["kind"], params["value"], before, after)
        text = self("change.notice", title=title, says=says)
        if params.get("seat") == "kept":
            text += "\n" + self("change.seat_kept")
        elif params.get("seat") == "waiting":
            text += "\n" + self("change.seat_waiting", position=params.get("position", "?"))
        return Reply(text)

    def audit_line(
        self,
        at: datetime,
        who: str,
        action: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
    ) -> str:
        """Give one line of the audit log: when, who, which item, what changed."""
        title = escape(str(before.get("title") or after.get("title") or "?"))
        if action == "cancel":
            what = self("change.log_cancel")
        elif action == "room":
            what = self(
                "change.log_room",
                was=escape(str(before.get("room"))),
                now=escape(str(after.get("room"))),
            )
        elif action in ("shift", "late"):
            was = self.time(datetime.fromisoformat(str(before["start"])))
            now = self.time(datetime.fromisoformat(str(after["start"])))
            what = self("change.log_time", was=was, now=now)
        elif action == "capacity":
            what = self(
                "change.log_capacity", was=before.get("capacity"), now=after.get("capacity")
            )
        elif action == "note":
            what = self("change.log_note")
        elif action in ("facilitator_added", "facilitator_removed"):
            name = escape(str(after.get("name") or after.get("user_id") or "?"))
            what = self(f"change.log_{action}", name=name)
        elif action == "invite_revoked":
            what = self("change.log_invite_revoked", count=after.get("count", "?"))
        else:
            what = escape(action)
        when = f"{self.date(local_day(at, self.tz))} {self.time(at)}"
        return self("change.log_line", at=when, who=escape(who), item=title, action=what)

    def _some(self, names: Sequence[str], limit: int = 20) -> str:
        """List names, the first `limit` of them, then how many more."""
        shown = _names(names[:limit])
        if len(names) > limit:
            shown += " " + self("change.and_more", count=len(names) - limit)
        return shown

    def change_preview(self, preview: Preview) -> Reply:
        """Ask to confirm a change: what it does, what it clashes with, who will be told."""
        after = preview.after
        says = self.change_text(
            preview.change.kind.value,
            preview.change.value,
            {"room": preview.before.room},
            {"start": after.start.isoformat(), "end": after.end.isoformat()} if after else {},
        )
        title = escape(preview.before.title)
        lines = [self("change.preview", title=title, says=says, told=preview.told)]
        if preview.group:
            lines.append(self("change.preview_group"))
        if preview.keep or preview.wait:
            lines.append("")
            lines.append(
                self(
                    "change.preview_shrink",
                    places=preview.change.value,
                    count=len(preview.keep) + len(preview.wait),
                )
            )
            lines.append(self("change.preview_keep", names=self._some(preview.keep)))
            lines.append(self("change.preview_wait", names=self._some(preview.wait)))
        timed = preview.change.kind.value in ("shift", "late")
        if timed and preview.told:
            key = "change.preview_busy" if preview.busy else "change.preview_busy_none"
            lines.append(self(key, count=preview.busy))
        if timed and preview.busy_running:
            lines.append(self("change.preview_busy_running", count=preview.busy_running))
        confirm = Button(self("change.confirm"), "ch:ok")
        if preview.taken and after is not None:
            lines.append("")
            lines.append(
                self("change.preview_taken", room=escape(truncate(after.room or "", MAX_ROOM)))
            )
            lines.extend(
                self(
                    "change.taken_line",
                    title=escape(truncate(w.title, MAX_TITLE)),
                    when=self.span(w.start, w.end),
                )
                for w in preview.taken[:MAX_LISTED_BUTTONS]
            )
            lines.append(self("change.preview_share"))
            confirm = Button(self("change.share"), "ch:sh")
        return Reply("\n".join(lines), ((confirm, Button(self("change.abandon"), "ch:no")),))

    # Programme files

    def import_preview(self, preview: ImportPreview, budget: int = PAGE_BUDGET) -> Reply:
        """Show what a programme file would change, and ask to confirm (twice when it removes much).

        Each list (added, changed, removed) gets its share of one message; what does not fit is
        counted in "and N more".
        """
        report = preview.report
        head = []
        if preview.changed_meanwhile:
            head.append(self("import.preview.changed_meanwhile"))
        head.append(self("import.preview.title", file=escape(truncate(preview.filename, 60))))
        head.append(
            self(
                "import.preview.totals",
                before=preview.before_total,
                after=report.total,
                added=len(report.added),
                changed=len(report.changed),
                removed=len(report.removed),
            )
        )
        if not (report.added or report.changed or report.removed):
            head.append(self("import.preview.nothing"))
        foot = []
        if report.kept:
            foot.append(self("import.preview.kept", count=len(report.kept)))
        if preview.told:
            foot.append(self("import.preview.told", count=preview.told))
        elif report.changed or report.removed:
            foot.append(self("import.preview.told_nobody"))
        tag = preview.tag
        cancel = Button(self("import.preview.cancel"), f"im:no:{tag}")
        removed, total = len(report.removed), preview.before_total
        if preview.sure_needed:
            foot.append("\n" + self("import.preview.sure", removed=removed, total=total))
            sure = Button(self("import.preview.sure_button", removed=removed), f"im:sure:{tag}")
            buttons: tuple[tuple[Button, ...], ...] = ((sure,), (cancel,))
        else:
            if preview.large:
                head.append(self("import.preview.warning", removed=removed, total=total))
            buttons = ((Button(self("import.preview.confirm"), f"im:ok:{tag}"), cancel),)
        sections = [
            (
                self("import.preview.added", count=len(preview.added)),
                [self._added_line(w) for w in preview.added],
            ),
            (
                self("import.preview.changed", count=len(preview.changed)),
                [self._changed_line(c) for c in preview.changed],
            ),
            (
                self("import.preview.removed", count=len(preview.removed)),
                [self._removed_line(c) for c in preview.removed],
            ),
        ]
        top, bottom = "\n".join(head), "\n".join(foot)
        left = budget - units(top) - units(bottom) - 4
        body = self._share_out([(h, lines) for h, lines in sections if lines], left)
        text = "\n\n".join(part for part in (top, body, bottom) if part)
        return Reply(text, buttons if tag else ())

    def _share_out(self, sections: Sequence[tuple[str, list[str]]], budget: int) -> str:
        """Give each section its lines in turn while they fit, then "and N more" for the rest."""

        def more(count: int) -> str:
            return self("import.preview.more", count=count)

        # What every section needs anyway: its heading and, at worst, "and N more"
        left = budget - sum(units(h) + units(more(len(lines))) + 4 for h, lines in sections)
        shown = [0] * len(sections)
        progress = True
        while progress:
            progress = False
            for i, (_, lines) in enumerate(sections):
                if shown[i] < len(lines) and units(lines[shown[i]]) + 1 <= left:
                    left -= units(lines[shown[i]]) + 1
                    shown[i] += 1
                    progress = True
        blocks = []
        for (heading, lines), count in zip(sections, shown, strict=True):
            kept = [heading, *lines[:count]]
            if count < len(lines):
                kept.append(more(len(lines) - count))
            blocks.append("\n".join(kept))
        return "\n\n".join(blocks)

    def _item_title(self, item: Workshop) -> str:
        return f"<b>{escape(truncate(item.title, 60))}</b>"

    def _added_line(self, item: Workshop) -> str:
        return self(
            "import.preview.item",
            when=self.when(item.start, item.end),
            title=self._item_title(item),
        )

    def _reach(self, reach: Reach | None) -> str:
        if reach is None:
            return ""
        counts = [
            self(f"import.preview.{key}", count=count)
            for key, count in (
                ("signed_up", reach.signed_up),
                ("waiting", reach.waiting),
                ("running", reach.running),
            )
            if count
        ]
        if not counts:
            return " · " + self("import.preview.reach_nobody")
        return " · " + self("import.preview.reach", people=", ".join(counts))

    def _removed_line(self, change: ItemChange) -> str:
        assert change.before is not None
        return self._added_line(change.before) + self._reach(change.reach)

    def _changed_line(self, change: ItemChange) -> str:
        before, after = change.before, change.after
        assert before is not None and after is not None
        what = []
        for field in change.fields:
            if field == "time":
                now = (
                    self.span(after.start, after.end)
                    if local_day(after.start, self.tz) == local_day(before.start, self.tz)
                    else self.when(after.start, after.end)
                )
                what.append(
                    self("import.preview.time", was=self.when(before.start, before.end), now=now)
                )
            elif field == "room":
                nowhere = self("import.preview.no_room")
                was = escape(truncate(before.room, MAX_ROOM)) if before.room else nowhere
                now = escape(truncate(after.room, MAX_ROOM)) if after.room else nowhere
                what.append(self("import.preview.room", was=was, now=now))
            elif field == "places":
                none = self("import.preview.no_places")
                what.append(
                    self(
                        "import.preview.places",
                        was=before.capacity if before.capacity is not None else none,
                        now=after.capacity if after.capacity is not None else none,
                    )
                )
            elif field == "title":
                was, now = (escape(truncate(t, 60)) for t in (before.title, after.title))
                what.append(self("import.preview.title_changed", was=was, now=now))
            else:
                what.append(self("import.preview.details"))
        line = self(
            "import.preview.change",
            title=self._item_title(before),
            what=self("import.preview.separator").join(what),
        )
        return line + self._reach(change.reach)

    def item_buttons(
        self, items: Sequence[Workshop], seats: Seats
    ) -> tuple[tuple[Button, ...], ...]:
        """Offer, for each item shown, its details and its booking move."""
        rows = []
        for item in [w for w in items if w.kind is not Kind.MEAL][:MAX_LISTED_BUTTONS]:
            row = [Button("ℹ️ " + truncate(item.title, 32), f"w:{ref(item.id)}")]
            booking = self.booking_button(item, seats, titled=False)
            if booking is not None:
                row.append(booking)
            rows.append(tuple(row))
        return tuple(rows)


def units(text: str) -> int:
    """Count characters as Telegram does: in UTF-16 code units (an emoji may take two)."""
    return len(text.encode("utf-16-le")) // 2


def latest_first(items: Sequence[Workshop]) -> list[Workshop]:
    """Order running items: what started last first, then what ends soonest."""
    return sorted(items, key=lambda w: (-w.start.timestamp(), w.end))


def escape_within(text: str, limit: int) -> str:
    """Escape text, cut so that the escaped result takes at most `limit` UTF-16 units."""
    cut = truncate(text, max(1, limit))
    while units(escape(cut)) > limit and len(cut) > 1:
        cut = truncate(cut, max(1, len(cut) - (units(escape(cut)) - limit) // 2 - 1))
    return escape(cut)


def _names(names: Sequence[str]) -> str:
    """List people's names, escaped, in their order."""
    return ", ".join(escape(truncate(n, 40)) for n in names)


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of a long answer and the items it shows; `header` blocks start with a heading."""

    text: str
    items: tuple[Workshop, ...] = ()
    header: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """One message of a long answer, and the items it shows."""

    text: str
    items: tuple[Workshop, ...] = ()


def _split(block: Block) -> list[Block]:
    """Split a block at its lines (never inside a tag): a heading, then one line per item."""
    lines = block.text.split("\n")
    heading = [Block(lines[0])] if block.header else []
    body = lines[1:] if block.header else lines
    if len(body) == len(block.items):
        return heading + [
            Block(line, (item,)) for line, item in zip(body, block.items, strict=True)
        ]
    return heading + [Block(line) for line in body[:-1]] + [Block(body[-1], block.items)]


def paginate(head: str, blocks: Sequence[Block], budget: int = PAGE_BUDGET) -> list[Page]:
    """Split blocks into pages that each fit in one message, the head on every page."""
    pieces: list[Block] = []
    for block in blocks:
        too_big = units(head) + units(block.text) + 2 > budget
        pieces.extend(_split(block) if too_big else [block])
    pages: list[Page] = []
    current: list[Block] = []
    size = units(head)
    for block in pieces:
        if current and size + units(block.text) + 2 > budget:
            pages.append(_page(head, current))
            current, size = [], units(head)
        current.append(block)
        size += units(block.text) + 2
    pages.append(_page(head, current))
    return pages


def _page(head: str, blocks: Sequence[Block]) -> Page:
    return Page(
        "\n\n".join([head, *(b.text for b in blocks)]),
        tuple(item for b in blocks for item in b.items),
    )


def pager(pages: int, page: int, data: Callable[[int], str]) -> tuple[Button, ...]:
    """Give the row of buttons that moves between pages."""
    if pages <= 1:
        return ()
    row = []
    if page > 0:
        row.append(Button("◀️", data(page - 1)))
    row.append(Button(f"{page + 1}/{pages}", NOOP))
    if page < pages - 1:
        row.append(Button("▶️", data(page + 1)))
    return tuple(row)
