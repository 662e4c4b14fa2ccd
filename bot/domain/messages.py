"""Every kind of message the bot sends on its own: one enum member, one model of its parameters.

The outbox stores a row's parameters as JSON; `parse` reads them into the kind's model and
refuses a kind it does not know or parameters that do not fit it (storage/outbox.py parses each
row as it is queued, so a bad one is never stored; the composer again at send time). The values
are the strings rows already in a database carry, so those keep working. One composer per kind
writes the message at send time (bot/composer.py, with the feature's view).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.domain.booking import TargetKind


class MessageKind(StrEnum):
    """A kind of message the bot sends on its own."""

    ANNOUNCE = "announce"
    """To the group: what starts in a slot."""
    BOARD = "board"
    """The group's live Now / Next board (edited in place)."""
    REMINDER = "reminder"
    """To a person: what they signed up for, run or tidy up starts soon."""
    DIGEST = "digest"
    """To a person: their morning digest."""
    CORRECTION = "fix"
    """To a person reminded already: the item moved or went."""
    CHANGE = "change"
    """To the people concerned (or the group): an organiser's change to an item."""
    PROMOTED = "promoted"
    """To a person: from the waiting list into a place."""
    BROADCAST = "broadcast"
    """An organiser's broadcast, one row a person."""
    NOTICE = "notice"
    """An organiser's notice to the group, pinned."""
    REPORT = "broadcast_report"
    """To the organiser: how a broadcast went."""
    GROUP_SETUP = "group_setup"
    """To the organisers: the bot added to a group, or its rights there changed."""
    # Questions to the organisers (/ask)
    QUESTION = "question"
    """To an organiser (or their chat): a person's question, with a Reply button."""
    QUESTION_ANSWER = "question_answer"
    """To the person who asked: an organiser's answer."""
    # Issue 14, part 1: sessions proposed in chat
    PROPOSAL = "proposal"
    """About a proposed session: the organisers' card, the proposer's answer, a re-import clash."""
    # Favourites and feedback (issue 14, parts 2 and 3)
    FEEDBACK = "feedback"
    """To a person: how were the items they came to (one question a half day at most)?"""
    FEEDBACK_SUMMARY = "feedback_summary"
    """To a facilitator: the anonymous answers about an item they ran."""


class Params(BaseModel):
    """The parameters of one kind of message (extra keys of older rows are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Announce(Params):
    start: datetime
    items: tuple[str, ...] = ()


class Board(Params):
    at: datetime | None = None


class Reminder(Params):
    target_kind: TargetKind
    target_id: str
    start: datetime
    room: str | None = None
    child: str | None = None
    """For a child's booking: the child's first name (the reminder goes to the parent)."""


class Digest(Params):
    date: date


class Correction(Params):
    target_id: str
    cancelled: bool = False
    start: datetime | None = None
    room: str | None = None
    was_start: datetime | None = None
    was_room: str | None = None
    title: str | None = None


class ChangeNotice(Params):
    kind: str
    value: str
    before: dict[str, Any]
    after: dict[str, Any]
    seat: str | None = None
    position: int | None = None


class Promoted(Params):
    target_kind: TargetKind
    target_id: str
    child: str | None = None
    """For a child's place: the child's first name (the news goes to the parent)."""
    child_id: int | None = None


class Html(Params):
    """A broadcast, a notice or a report: HTML the bot made when it queued the row."""

    html: str


class GroupSetup(Params):
    chat_id: int
    title: str
    was: str
    status: str
    lacks: tuple[str, ...] = ()
    moved_from: int | None = None


# Questions to the organisers (/ask)
class QuestionRef(Params):
    """A question (relayed, or answered): the composer reads it as it is at send time."""

    question_id: int


# Issue 14, part 1: sessions proposed in chat
class ProposalNews(Params):
    proposal_id: int
    what: Literal["card", "approved", "declined", "clash"]
    clash: str | None = None
    """The title of the item a re-imported file put in the proposed item's room and time."""


class FeedbackAsk(Params):
    items: tuple[str, ...]


class FeedbackSummary(Params):
    item_id: str


MODELS: dict[MessageKind, type[Params]] = {
    MessageKind.ANNOUNCE: Announce,
    MessageKind.BOARD: Board,
    MessageKind.REMINDER: Reminder,
    MessageKind.DIGEST: Digest,
    MessageKind.CORRECTION: Correction,
    MessageKind.CHANGE: ChangeNotice,
    MessageKind.PROMOTED: Promoted,
    MessageKind.BROADCAST: Html,
    MessageKind.NOTICE: Html,
    MessageKind.REPORT: Html,
    MessageKind.GROUP_SETUP: GroupSetup,
    # Questions to the organisers (/ask)
    MessageKind.QUESTION: QuestionRef,
    MessageKind.QUESTION_ANSWER: QuestionRef,
    # Issue 14, part 1: sessions proposed in chat
    MessageKind.PROPOSAL: ProposalNews,
    # Favourites and feedback (issue 14, parts 2 and 3)
    MessageKind.FEEDBACK: FeedbackAsk,
    MessageKind.FEEDBACK_SUMMARY: FeedbackSummary,
}


class UnknownMessage(ValueError):
    """A row of a kind the bot does not know, or whose parameters do not fit its kind."""


def kind_of(kind: str) -> MessageKind:
    """Give the kind a row names; refuse one the bot does not know."""
    try:
        return MessageKind(kind)
    except ValueError:
        raise UnknownMessage(f"unknown message kind {kind!r}") from None


def parse(kind: str, params: dict[str, Any]) -> Params:
    """Read a row's parameters into its kind's model; refuse what does not fit."""
    known = kind_of(kind)
    try:
        return MODELS[known].model_validate(params)
    except ValidationError as exc:
        raise UnknownMessage(f"parameters of a {known.value} message: {exc}") from exc
