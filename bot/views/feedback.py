"""Feedback for facilitators: the question, its thanks, the summary and the organisers' overview."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from bot.domain.booking import ref
from bot.domain.feedback import Tally
from bot.domain.models import Workshop
from bot.reply import Button, Reply
from bot.views.buttons import FeedbackPress
from bot.views.common import MAX_TITLE, NL, Renderer, html, truncate
from bot.views.items import fit

FACES = ("😊", "😐", "🙁")
"""The three answers, score 1 to 3."""
MAX_COMMENT_SHOWN = 300


def answer_row(item: Workshop, number: int | None) -> tuple[Button, ...]:
    """Give the three answer buttons for an item (numbered when the question has several)."""
    prefix = "" if number is None else f"{number} "
    return tuple(
        Button(prefix + face, FeedbackPress(ref(item.id), score).pack())
        for score, face in enumerate(FACES, 1)
    )


def ask(r: Renderer, items: Sequence[Workshop]) -> Reply:
    """Ask how the items a person came to went: one row of three buttons each."""
    if len(items) == 1:
        (item,) = items
        text = r("feedback.ask_one", title=truncate(item.title, MAX_TITLE))
        return Reply(text, (answer_row(item, None),))
    lines = [html("{}. <b>{}</b>", n, truncate(w.title, MAX_TITLE)) for n, w in enumerate(items, 1)]
    text = r("feedback.ask_many", items=NL.join(lines))
    return Reply(text, tuple(answer_row(w, n) for n, w in enumerate(items, 1)))


def thanks(r: Renderer, item: Workshop) -> str:
    """Thank for an answer (a toast: plain text)."""
    return r.plain("feedback.thanks", title=truncate(item.title, 60))


def ask_comment(r: Renderer, item: Workshop) -> Markup:
    """Offer to add a comment (the next text message)."""
    return r("feedback.ask_comment", title=truncate(item.title, MAX_TITLE))


def commented(r: Renderer, item: Workshop) -> Markup:
    """Say the comment is kept and passed on, anonymously."""
    return r("feedback.commented", title=truncate(item.title, MAX_TITLE))


def _scores(r: Renderer, tally: Tally) -> Markup:
    return r("feedback.scores", good=tally.good, so_so=tally.so_so, bad=tally.bad)


def summary(r: Renderer, tally: Tally) -> Reply:
    """Sum an item's answers up for its facilitators: counts, then the comments, unsigned."""
    item = tally.item
    lines = [
        r(
            "feedback.summary",
            title=truncate(item.title, MAX_TITLE),
            when=r.when(item.start, item.end),
            count=tally.total,
        ),
        _scores(r, tally),
    ]
    lines += [
        r("feedback.comment_line", comment=truncate(c, MAX_COMMENT_SHOWN)) for c in tally.comments
    ]
    return Reply(fit(r, lines[0], lines[1:], "/feedback"))


def overview(r: Renderer, tallies: Sequence[Tally]) -> Reply:
    """Give the organisers every item's answers, one line each."""
    if not tallies:
        return Reply(r("feedback.overview_none"))
    lines = [
        r(
            "feedback.overview_line",
            title=truncate(t.item.title, 60),
            when=r.when(t.item.start, t.item.end),
            scores=_scores(r, t),
            count=t.total,
            comments=len(t.comments),
        )
        for t in tallies
    ]
    return Reply(fit(r, r("feedback.overview_title"), lines, "/feedback"))
