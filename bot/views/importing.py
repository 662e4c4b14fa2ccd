"""A programme file's preview: what it adds, changes and removes, and who is told."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from bot.domain.models import Workshop
from bot.domain.programme import ImportPreview, ItemChange, Reach
from bot.domain.schedule import local_day
from bot.i18n import Count
from bot.reply import Button, Reply
from bot.views.buttons import ImportPress
from bot.views.common import (
    MAX_ROOM,
    NL,
    PAGE_BUDGET,
    PARAGRAPHS,
    Renderer,
    html,
    truncate,
    units,
)


def import_preview(r: Renderer, preview: ImportPreview, budget: int = PAGE_BUDGET) -> Reply:
    """Show what a programme file would change, and ask to confirm (twice when it removes much).

    Each list (added, changed, removed) gets its share of one message; what does not fit is
    counted in "and N more".
    """
    report = preview.report
    head = []
    if preview.changed_meanwhile:
        head.append(r("import.preview.changed_meanwhile"))
    head.append(r("import.preview.title", file=truncate(preview.filename, 60)))
    head.append(
        r(
            "import.preview.totals",
            before=preview.before_total,
            after=report.total,
            added=len(report.added),
            changed=len(report.changed),
            removed=len(report.removed),
        )
    )
    if not (report.added or report.changed or report.removed):
        head.append(r("import.preview.nothing"))
    foot: list[Markup] = []
    if report.kept:
        foot.append(r("import.preview.kept", n=len(report.kept)))
    if preview.told:
        foot.append(r("import.preview.told", n=preview.told))
    elif report.changed or report.removed:
        foot.append(r("import.preview.told_nobody"))
    tag = preview.tag
    cancel = Button(r("import.preview.cancel"), ImportPress("no", tag).pack())
    removed, total = Count(len(report.removed)), Count(preview.before_total)
    if preview.sure_needed:
        foot.append(NL + r("import.preview.sure", removed=removed, total=total))
        sure = Button(
            r("import.preview.sure_button", removed=removed), ImportPress("sure", tag).pack()
        )
        buttons: tuple[tuple[Button, ...], ...] = ((sure,), (cancel,))
    else:
        if preview.large:
            head.append(r("import.preview.warning", removed=removed, total=total))
        buttons = ((Button(r("import.preview.confirm"), ImportPress("ok", tag).pack()), cancel),)
    sections = [
        (
            r("import.preview.added", count=Count(len(preview.added))),
            [_added_line(r, w) for w in preview.added],
        ),
        (
            r("import.preview.changed", count=Count(len(preview.changed))),
            [_changed_line(r, c) for c in preview.changed],
        ),
        (
            r("import.preview.removed", count=Count(len(preview.removed))),
            [_removed_line(r, c) for c in preview.removed],
        ),
    ]
    top, bottom = NL.join(head), NL.join(foot)
    left = budget - units(top) - units(bottom) - 4
    body = _share_out(r, [(h, lines) for h, lines in sections if lines], left)
    text = PARAGRAPHS.join(part for part in (top, body, bottom) if part)
    return Reply(text, buttons if tag else ())


def _share_out(r: Renderer, sections: Sequence[tuple[Markup, list[Markup]]], budget: int) -> Markup:
    """Give each section its lines in turn while they fit, then "and N more" for the rest."""

    def more(count: int) -> Markup:
        return r("import.preview.more", count=Count(count))

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
        blocks.append(NL.join(kept))
    return PARAGRAPHS.join(blocks)


def _item_title(r: Renderer, item: Workshop) -> Markup:
    return html("<b>{}</b>", truncate(item.title, 60))


def _added_line(r: Renderer, item: Workshop) -> Markup:
    return r(
        "import.preview.item",
        when=r.when(item.start, item.end),
        title=_item_title(r, item),
    )


def _reach(r: Renderer, reach: Reach | None) -> Markup:
    if reach is None:
        return Markup()
    counts = [
        r(f"import.preview.{key}", n=count)
        for key, count in (
            ("signed_up", reach.signed_up),
            ("waiting", reach.waiting),
            ("running", reach.running),
        )
        if count
    ]
    if not counts:
        return " · " + r("import.preview.reach_nobody")
    return " · " + r("import.preview.reach", people=Markup(", ").join(counts))


def _removed_line(r: Renderer, change: ItemChange) -> Markup:
    assert change.before is not None
    return _added_line(r, change.before) + _reach(r, change.reach)


def _changed_line(r: Renderer, change: ItemChange) -> Markup:
    before, after = change.before, change.after
    assert before is not None and after is not None
    what = []
    for field in change.fields:
        if field == "time":
            now = (
                r.span(after.start, after.end)
                if local_day(after.start, r.tz) == local_day(before.start, r.tz)
                else r.when(after.start, after.end)
            )
            what.append(r("import.preview.time", was=r.when(before.start, before.end), now=now))
        elif field == "room":
            nowhere = r("import.preview.no_room")
            was = html("{}", truncate(before.room, MAX_ROOM)) if before.room else nowhere
            now = html("{}", truncate(after.room, MAX_ROOM)) if after.room else nowhere
            what.append(r("import.preview.room", was=was, now=now))
        elif field == "places":
            none = r("import.preview.no_places")
            what.append(
                r(
                    "import.preview.places",
                    was=before.capacity if before.capacity is not None else none,
                    now=after.capacity if after.capacity is not None else none,
                )
            )
        elif field == "title":
            was, now = (html("{}", truncate(t, 60)) for t in (before.title, after.title))
            what.append(r("import.preview.title_changed", was=was, now=now))
        else:
            what.append(r("import.preview.details"))
    line = r(
        "import.preview.change",
        title=_item_title(r, before),
        what=r("import.preview.separator").join(what),
    )
    return line + _reach(r, change.reach)
