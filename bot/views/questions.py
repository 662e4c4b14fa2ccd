"""Questions to the organisers (/ask): the copies organisers get, the answer the person gets."""

from __future__ import annotations

from markupsafe import Markup

from bot.i18n import Count
from bot.reply import Button, Reply
from bot.services.questions import MAX_ANSWER, MAX_QUESTION
from bot.views.buttons import QuestionPress
from bot.views.common import Renderer, html, truncate
from storage.questions import Question

QUOTE = 120
"""How much of the question the answer quotes, and of the answer a marked copy shows."""


def asker(r: Renderer, question: Question) -> Markup:
    """Name who asked: their name, and their @username if they have one."""
    name = " ".join(p for p in (question.first_name, question.last_name) if p)
    if question.username:
        return r("questions.asker_username", name=truncate(name, 60), username=question.username)
    return r("questions.asker", name=truncate(name, 60))


def ask_prompt(r: Renderer) -> Reply:
    """Ask for the question's text."""
    return Reply(r("questions.ask_prompt", limit=Count(MAX_QUESTION)))


def relayed(r: Renderer) -> Reply:
    """Tell the person their question went to the organisers."""
    return Reply(r("questions.relayed"))


def relay(r: Renderer, question: Question) -> Reply:
    """Write an organiser's copy of a question: a Reply button until it is answered."""
    head = r("questions.relay", number=question.id, asker=asker(r, question))
    text = html("{}\n\n{}", head, question.text)
    if not question.answered:
        hint = r("questions.relay_hint")
        button = Button(r.plain("questions.button_reply"), QuestionPress(question.id).pack())
        return Reply(html("{}\n\n{}", text, hint), ((button,),))
    done = r(
        "questions.relay_answered",
        name=question.answered_by_name or "?",
        answer=truncate(question.answer or "", QUOTE),
    )
    return Reply(html("{}\n\n{}", text, done))


def answer_prompt(r: Renderer, question: Question) -> Reply:
    """Ask an organiser for their answer to a question."""
    return Reply(
        r(
            "questions.answer_prompt",
            asker=asker(r, question),
            question=truncate(question.text, QUOTE),
            limit=Count(MAX_ANSWER),
        )
    )


def answer(r: Renderer, question: Question) -> Reply:
    """Write the answer for the person who asked, their question quoted briefly."""
    return Reply(
        r(
            "questions.answer",
            question=truncate(question.text, QUOTE),
            name=question.answered_by_name or "?",
            answer=question.answer or "",
        )
    )


def answer_sent(r: Renderer, question: Question) -> Reply:
    """Tell the organiser their answer is on its way."""
    return Reply(r("questions.answer_sent", name=truncate(question.first_name, 60)))
