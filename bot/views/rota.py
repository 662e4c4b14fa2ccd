"""The tidy-up rota: slots, offers of a slot someone cannot make, gaps, fairness."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from bot.domain.booking import Fairness, Offer, Standing, Status, Target
from bot.domain.schedule import local_day
from bot.i18n import Count
from bot.reply import Button, Reply
from bot.views.buttons import BookingOp, BookingPress
from bot.views.common import (
    NL,
    Renderer,
    truncate,
)


def rota(
    r: Renderer, slots: Sequence[Standing], offers: Sequence[tuple[Target, Offer]], user_id: int
) -> Reply:
    """Render the rota slots of today and tomorrow, with a button per slot."""
    if not slots:
        return Reply(r("bookings.rota_empty"))
    lines = [r("bookings.rota_title")]
    rows: list[tuple[Button, ...]] = []
    day = None
    for s in slots:
        t = s.target
        this_day = local_day(t.start, r.tz)
        if this_day != day:
            day = this_day
            lines.append("\n" + r("bookings.rota_day", date=r.date(this_day)))
        lines.append(
            r(
                "bookings.rota_line",
                span=r.span(t.start, t.end),
                area=t.title,
                taken=Count(len(s.ins)),
                places=Count(t.places),
                description="",
            )
        )
        if t.start <= r.now:
            continue
        params = {
            "area": truncate(t.title, 20),
            "time": f"{r.date(this_day).unescape()[:3]}. {r.time(t.start)}",
        }
        if s.status_of(user_id) is Status.IN:
            rows.append(
                (
                    Button(
                        r.plain("bookings.button_rota_leave", **params),
                        BookingPress(BookingOp.LEAVE_SLOT, t.ref).pack(),
                    ),
                )
            )
        elif s.left > 0:
            take = r.plain("bookings.button_rota_take", **params)
            rows.append((Button(take, BookingPress(BookingOp.TAKE_SLOT, t.ref).pack()),))
    for target, offer in offers:
        if offer.user_id != user_id:
            title = f"{truncate(target.title, 20)} {r.time(target.start)}"
            label = f"{r.plain('bookings.button_take')} · {title}"
            rows.append((Button(label, BookingPress(BookingOp.TAKE_OFFER, str(offer.id)).pack()),))
    return Reply(NL.join(lines), tuple(rows[:40]))


def offer(r: Renderer, target: Target, offer: Offer, name: str) -> Reply:
    """Post a rota slot someone cannot make."""
    text = r(
        "bookings.offer",
        title=target.title,
        when=r.when(target.start, target.end),
        name=name,
    )
    return Reply(
        text,
        (
            (
                Button(
                    r("bookings.button_take"),
                    BookingPress(BookingOp.TAKE_OFFER, str(offer.id)).pack(),
                ),
            ),
        ),
    )


def gaps(r: Renderer, slots: Sequence[Standing]) -> Markup:
    """List the rota slots that lack people."""
    if not slots:
        return r("bookings.gaps_none")
    lines = [r("bookings.gaps_title")]
    for s in slots:
        t = s.target
        lines.append(
            r(
                "bookings.gap_line",
                when=r.when(t.start, t.end),
                area=t.title,
                taken=Count(len(s.ins)),
                places=Count(t.places),
                missing=Count(s.left),
            )
        )
    return NL.join(lines)


def fairness(r: Renderer, f: Fairness) -> Markup:
    """Tell how the rota is shared."""
    spread = NL.join(
        r("bookings.fairness_spread", slots=_slots(r, k), people=_people(r, n)) for k, n in f.spread
    )
    text = r("bookings.fairness", registered=f.registered, without=f.without_slot, spread=spread)
    if f.by_organisation:
        text += "\n" + r("bookings.fairness_org_title")
        for org, people, slots in f.by_organisation:
            text += "\n" + r(
                "bookings.fairness_org",
                organisation=org,
                people=_people(r, people),
                slots=_slots(r, slots),
            )
    return text


def _slots(r: Renderer, n: int) -> Markup:
    return r("plurals.slots", n=n)


def _people(r: Renderer, n: int) -> Markup:
    return r("plurals.people", n=n)
