"""Organisers' broadcasts and notices, and the report of a broadcast, as the outbox sends them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from markupsafe import Markup

from bot.domain.audience import AudienceKind
from bot.domain.booking import ref
from bot.domain.broadcasts import Audience, Counts
from bot.domain.messages import Html, MessageKind
from bot.domain.models import Workshop
from bot.domain.schedule import local_day
from bot.i18n import Count, Translator
from bot.reply import Button, Reply
from bot.views.buttons import BroadcastPress
from bot.views.common import PARAGRAPHS, Renderer, html, truncate


class HasText(Protocol):
    """A broadcast's draft, as its preview reads it."""

    @property
    def text(self) -> str: ...

    @property
    def tag(self) -> str: ...


def compose(r: Renderer, kind: MessageKind, params: Html) -> Reply:
    """Write a broadcast, a notice or a report, in the language of the chat it goes to."""
    # The row holds HTML the bot made: an organiser's text escaped as it was stored, a report
    stored = Markup(params.html)
    if kind is MessageKind.BROADCAST:
        return Reply(r("broadcast.header") + PARAGRAPHS + stored)
    if kind is MessageKind.NOTICE:
        return Reply(r("broadcast.notice_header") + PARAGRAPHS + stored)
    if kind is MessageKind.REPORT:
        return Reply(stored)
    raise ValueError(f"not a broadcast's kind: {kind}")


AUDIENCE_BUTTONS = {  # the audience buttons' labels, by the audience's kind
    "all": "broadcast.button_all",
    "group": "broadcast.button_group",
    "item": "broadcast.button_item",
    "facilitators": "broadcast.button_facilitators",
    "rota": "broadcast.button_rota",
    "org": "broadcast.button_org",
}


def cancel_row(r: Renderer, tag: str) -> tuple[Button, ...]:
    """Give the row with the button that drops the draft."""
    return (Button(r.plain("broadcast.button_cancel"), BroadcastPress("no", tag).pack()),)


def audiences(r: Renderer, tag: str, kinds: Iterable[StrEnum]) -> Reply:
    """Offer the audiences a broadcast may go to, in this order."""
    rows: list[tuple[Button, ...]] = [
        (Button(r.plain(AUDIENCE_BUTTONS[k.value]), BroadcastPress("a", tag, k.value).pack()),)
        for k in kinds
    ]
    rows.append(cancel_row(r, tag))
    return Reply(r("broadcast.choose_audience"), tuple(rows))


def ask_item(r: Renderer, tag: str) -> Reply:
    """Ask which workshop's people the broadcast goes to."""
    return Reply(r("broadcast.ask_item"), (cancel_row(r, tag),))


def choose_item(r: Renderer, tag: str, items: Sequence[Workshop]) -> Reply:
    """Offer the workshops that match what the organiser wrote."""
    rows: list[tuple[Button, ...]] = [
        (Button(truncate(w.title, 40), BroadcastPress("i", tag, ref(w.id)).pack()),) for w in items
    ]
    rows.append(cancel_row(r, tag))
    return Reply(r("broadcast.choose_item"), tuple(rows))


def choose_organisation(r: Renderer, tag: str, organisations: Sequence[str]) -> Reply:
    """Offer the organisations whose people the broadcast may go to."""
    rows: list[tuple[Button, ...]] = [
        (Button(org, BroadcastPress("o", tag, str(i)).pack()),)
        for i, org in enumerate(organisations)
    ]
    rows.append(cancel_row(r, tag))
    return Reply(r("broadcast.choose_org"), tuple(rows))


def preview(r: Renderer, draft: HasText, label: str, count: int, unreachable: int) -> Reply:
    """Show the message as people will read it, who gets it, and Send / Cancel."""
    note = r("broadcast.unreachable_note", count=unreachable) if unreachable else ""
    text = r(
        "broadcast.preview",
        audience=label,
        n=count,
        note=note,
        message=r("broadcast.header") + PARAGRAPHS + draft.text,
    )
    confirm = (Button(r.plain("broadcast.button_confirm"), BroadcastPress("ok", draft.tag).pack()),)
    return Reply(text, (confirm, cancel_row(r, draft.tag)))


def sure(r: Renderer, tag: str, count: int) -> Reply:
    """Ask once more before writing to everyone."""
    buttons = (
        (Button(r.plain("broadcast.button_sure"), BroadcastPress("sure", tag).pack()),),
        cancel_row(r, tag),
    )
    return Reply(r("broadcast.sure", count=count), buttons)


def notices(r: Renderer, current: Sequence[tuple[datetime, str]]) -> Reply:
    """List the notices still current: when each was posted, and its text."""
    if not current:
        return Reply(r("broadcast.notices_none"))
    lines = [r("broadcast.notices_title")]
    for at, text in current:
        when = html("{}, {}", r.date(local_day(at, r.tz)), r.time(at))
        lines.append(r("broadcast.notice_line", when=when, text=truncate(text, 300)))
    return Reply(PARAGRAPHS.join(lines))


class BroadcastTexts:
    """What the broadcast service says without a person's request: names, progress, report."""

    def __init__(self, t: Translator) -> None:
        self._t = t

    def audience(self, lang: str, audience: Audience, title: str | None) -> Markup:
        """Name an audience for the organiser: 'everyone registered', 'Atelier A', 'Oxalis'."""
        if audience.kind is AudienceKind.ITEM:
            return self._t(lang, "broadcast.audience_item", title=title or "?")
        if audience.kind is AudienceKind.ORGANISATION:
            return self._t(lang, "broadcast.audience_org", organisation=audience.arg or "?")
        return self._t(lang, f"broadcast.audience_{audience.kind.value}")

    def progress(self, lang: str, label: str, counts: Counts) -> Markup:
        """Say how far a broadcast got."""
        return self._t(
            lang,
            "broadcast.progress",
            audience=label,
            handled=Count(counts.total - counts.waiting),
            total=Count(counts.total),
            sent=self._t(lang, "plurals.received", n=counts.sent),
            unreachable=self._t(lang, "plurals.unreachable", n=counts.unreachable),
            failed=Count(counts.failed),
        )

    def report(self, lang: str, audience: Audience, label: str, counts: Counts) -> Markup:
        """Give the final report, sent to the organiser."""
        # A group is one chat, not people: "unreachable" (blocked the bot) means nothing there
        if audience.kind is AudienceKind.GROUP:
            key = "broadcast.report_group" if counts.sent else "broadcast.report_group_failed"
            report = self._t(lang, key)
        else:
            report = self._t(lang, "broadcast.report", **self._values(lang, label, counts))
        if counts.uncertain:
            report += self._t(lang, "broadcast.report_uncertain", n=counts.uncertain)
        return report

    def done(self, lang: str, audience: Audience, label: str, counts: Counts) -> Markup:
        """Give the last state of the progress message."""
        if audience.kind is AudienceKind.GROUP:
            return self._t(lang, "broadcast.progress_done_group")
        return self._t(lang, "broadcast.progress_done", **self._values(lang, label, counts))

    def _values(self, lang: str, label: str, counts: Counts) -> dict[str, object]:
        return {
            "audience": label,
            "total": Count(counts.total),
            "sent": self._t(lang, "plurals.received", n=counts.sent),
            "unreachable": self._t(lang, "plurals.unreachable", n=counts.unreachable),
            "failed": Count(counts.failed),
        }
