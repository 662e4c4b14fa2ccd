"""The kids' club: a parent's children, "for whom?", a child's move, the roster, the news."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from bot.domain.booking import Outcome, Status, Target
from bot.domain.children import MAX_AGE, Child, ages
from bot.domain.messages import Promoted
from bot.domain.models import Programme, Workshop
from bot.reply import Button, Reply
from bot.services.children import ChildMove, Family, ForWhom, RosterLine
from bot.views.buttons import KidsPress
from bot.views.common import NL, Renderer, html, truncate

NAME_IN_BUTTON = 24


def family(r: Renderer, found: Family) -> Reply:
    """Show a parent's children, their sign-ups, and what can be done."""
    if not found.children:
        text = html("{}\n\n{}", r("children.title"), r("children.empty"))
    else:
        blocks = []
        for child, places in found.children:
            lines = [r("children.child_line", name=child.first_name, age=child.age)]
            for p in places:
                when = r.when(p.item.start, p.item.end)
                if p.status is Status.IN:
                    lines.append(r("children.place_in", title=p.item.title, when=when))
                else:
                    lines.append(
                        r(
                            "children.place_waiting",
                            title=p.item.title,
                            when=when,
                            position=p.position or 0,
                        )
                    )
            blocks.append(NL.join(lines))
        text = html("{}\n\n{}\n\n{}", r("children.title"), NL.join(blocks), r("children.hint"))
    rows = [
        (
            Button(
                r.plain("children.button_edit", name=truncate(child.first_name, NAME_IN_BUTTON)),
                KidsPress("ed", child=child.id).pack(),
            ),
        )
        for child, _ in found.children
    ]
    rows.append((Button(r.plain("children.button_add"), KidsPress("add").pack()),))
    return Reply(text, tuple(rows))


def menu(r: Renderer, child: Child) -> Reply:
    """Offer what can be changed about one child."""
    return Reply(
        r("children.menu", name=child.first_name, age=child.age),
        (
            (
                Button(r.plain("children.button_name"), KidsPress("nm", child=child.id).pack()),
                Button(r.plain("children.button_age"), KidsPress("ag", child=child.id).pack()),
            ),
            (
                Button(r.plain("children.button_remove"), KidsPress("del", child=child.id).pack()),
                Button(r.plain("children.button_back"), KidsPress("list").pack()),
            ),
        ),
    )


def ask_name(r: Renderer, child: Child | None) -> Reply:
    """Ask for a first name: a new child's, or a child's new one."""
    if child is None:
        return Reply(r("children.ask_name"))
    return Reply(r("children.ask_new_name", name=child.first_name))


def ask_age(r: Renderer, name: str, child_id: int | None) -> Reply:
    """Ask for an age, with a button for each (0 to 17)."""
    ages = [
        Button(str(age), KidsPress("set", child=child_id or 0, age=age).pack())
        for age in range(MAX_AGE + 1)
    ]
    rows = tuple(tuple(ages[i : i + 6]) for i in range(0, len(ages), 6))
    return Reply(r("children.ask_age", name=name, max=MAX_AGE), rows)


def confirm_remove(r: Renderer, child: Child) -> Reply:
    """Ask before forgetting a child."""
    return Reply(
        r("children.confirm_remove", name=child.first_name),
        (
            (
                Button(
                    r.plain("children.button_confirm_remove"),
                    KidsPress("rm", child=child.id).pack(),
                ),
                Button(r.plain("children.button_back"), KidsPress("list").pack()),
            ),
        ),
    )


def for_whom(r: Renderer, question: ForWhom) -> Reply:
    """Ask for whom, with a button per child that says what pressing it does."""
    item = question.item
    if not question.choices:
        return Reply(
            r("children.for_whom_none", title=item.title),
            ((Button(r.plain("children.button_add"), KidsPress("add").pack()),),),
        )
    text = r("children.for_whom", title=item.title, when=r.when(item.start, item.end))
    if item.min_age is not None or item.max_age is not None:
        text = html("{}\n{}", text, r("children.for_whom_ages", ages=ages(item)))
    if not question.open:
        text = html("{}\n\n{}", text, r("bookings.closed", title=item.title))
    code = Target.of_workshop(item).ref
    rows = []
    for c in question.choices:
        name = truncate(c.child.first_name, NAME_IN_BUTTON)
        out = KidsPress("out", code, c.child.id).pack()
        if c.status is Status.IN:
            rows.append((Button(r.plain("children.button_child_out", name=name), out),))
        elif c.status is Status.WAITING:
            label = r.plain("children.button_child_leave", name=name, position=c.position or 0)
            rows.append((Button(label, out),))
        elif not question.open:
            continue
        else:
            key = (
                "children.button_child_wrong_age"
                if not c.fits
                else "children.button_child_in"
                if question.standing.left > 0
                else "children.button_child_wait"
            )
            rows.append(
                (Button(r.plain(key, name=name), KidsPress("in", code, c.child.id).pack()),)
            )
    return Reply(text, tuple(rows))


def move(r: Renderer, done: ChildMove) -> Markup:
    """Say what a child's sign-up or cancellation did."""
    params = {"name": done.child.first_name, "title": done.item.title}
    if done.clash is not None:
        return r("children.clash", other=done.clash.title, **params)
    return r(f"children.{done.outcome.value}", position=done.position or 0, **params)


def changed(done: ChildMove) -> bool:
    """Tell whether a child's move changed anything (the question is then asked afresh)."""
    return done.clash is None and done.outcome not in (
        Outcome.ALREADY_IN,
        Outcome.ALREADY_WAITING,
        Outcome.NOT_BOOKED,
    )


def roster(
    r: Renderer, item: Workshop, ins: Sequence[RosterLine], waiting: Sequence[RosterLine]
) -> Markup:
    """List the children of a kids' item, with their age and the parent to see at pick-up."""

    def lines(found: Sequence[RosterLine]) -> Markup:
        return NL.join(
            r(
                "children.roster_line",
                n=n,
                name=line.child.first_name,
                age=line.child.age,
                parent=line.parent.display_name
                + (f" (@{line.parent.username})" if line.parent.username else "")
                if line.parent
                else r.plain("children.roster_unknown_parent"),
            )
            for n, line in enumerate(found, 1)
        )

    text = r(
        "children.roster",
        title=item.title,
        when=r.when(item.start, item.end),
        count=len(ins),
        capacity=item.capacity or 0,
        names=lines(ins) if ins else r("children.roster_none"),
    )
    if waiting:
        text += r("children.roster_waiting", count=len(waiting), names=lines(waiting))
    return text


def promoted_row(r: Renderer, params: Promoted, programme: Programme) -> Reply:
    """Tell a parent their child moved from the waiting list into a place (from the outbox)."""
    item = next(x for x in programme.workshops if x.id == params.target_id)
    name = params.child or ""
    room = html(", {}", item.room) if item.room else ""
    text = r(
        "children.promoted",
        name=name,
        title=item.title,
        when=r.when(item.start, item.end),
        room=room,
    )
    if params.child_id is None:
        return Reply(text)
    give_back = KidsPress("out", Target.of_workshop(item).ref, params.child_id).pack()
    label = r.plain("children.button_give_back", name=truncate(name, NAME_IN_BUTTON))
    return Reply(text, ((Button(label, give_back),),))


def reminder(r: Renderer, item: Workshop, name: str) -> Reply:
    """Remind a parent of their child's item."""
    minutes = max(0, round((item.start - r.now).total_seconds() / 60))
    where = html(", 📍 {}", item.room) if item.room else ""
    return Reply(
        r(
            "children.reminder",
            minutes=minutes,
            title=item.title,
            name=name,
            span=r.span(item.start, item.end),
            where=where,
        )
    )
