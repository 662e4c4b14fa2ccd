"""Questions to the organisers (/ask): stored, relayed through the outbox, answered once.

A question is one `question` row and one outbox message per copy (the organisers' chat, or
each organiser who started the bot), written in the same transaction and keyed by the update
it came from: a crash before the copies leave loses nothing (the outbox sends them at the next
start), and the same update replayed stores and relays nothing more. The answer is recorded
by the first organiser only (one UPDATE ... WHERE not answered) and queued to the person in
the same transaction; a second answer is refused with who gave the first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.errors import DomainError
from bot.domain.messages import MessageKind
from bot.i18n import Count
from bot.services.drafts import DraftService
from bot.services.outbox import Outbox
from bot.services.people import PeopleService
from storage import outbox as outbox_repo
from storage import questions as repo
from storage.db import Database
from storage.outbox import Entry
from storage.questions import Question, Relay

log = logging.getLogger(__name__)

MAX_QUESTION = 2000
"""The longest question, in characters (its copy carries a header and a name besides)."""
MAX_ANSWER = 3000
"""The longest answer, in characters (it goes out with the question quoted briefly)."""
PER_HOUR = 5
"""Questions one person may ask in an hour."""
WINDOW = timedelta(hours=1)
FLOW = "questions"
"""The drafts' flow, and the name of the text input that waits for a question."""
ANSWER = "questions_answer"
"""The name of the text input that waits for an organiser's answer."""


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks, as Telegram names them when they ask."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer recorded: the question as it now is, and its copies to mark as answered."""

    question: Question
    relays: tuple[Relay, ...]


def relay_key(question_id: int, chat_id: int) -> str:
    """Name the outbox message of a question's copy to a chat."""
    return f"question:{question_id}:to:{chat_id}"


class QuestionService:
    """Take people's questions to the organisers and bring the answers back."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleService,
        outbox: Outbox,
        drafts: DraftService,
        tz: ZoneInfo,
        organisers: tuple[int, ...],
        organisers_chat: int | None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = people
        self._outbox = outbox
        self._drafts = drafts
        self._tz = tz
        self._organisers = organisers
        self.organisers_chat = organisers_chat

    # Asking

    @staticmethod
    def check_question(text: str) -> str:
        """Give the question to relay, or refuse an empty or too long one."""
        text = text.strip()
        if not text:
            raise DomainError("questions.empty")
        if len(text) > MAX_QUESTION:
            raise DomainError(
                "questions.too_long", length=Count(len(text)), limit=Count(MAX_QUESTION)
            )
        return text

    async def wait_for_question(self, user_id: int) -> None:
        """Wait for this person's next text: their question."""
        await self._require_registered(user_id)
        await self._drafts.put(user_id, FLOW, "", {}, awaiting=FLOW)

    async def ask(self, asker: Asker, text: str, request: str) -> Question:
        """Store a question and queue its copies to the organisers, in one transaction.

        `request` names the update it came from: the same request again (replayed after a
        restart) gives the question stored the first time and queues nothing more. A text
        refused (empty, too long) waits for the person's next text, the shorter version.
        """
        await self._require_registered(asker.user_id)
        try:
            text = self.check_question(text)
        except DomainError:
            await self.wait_for_question(asker.user_id)
            raise
        now = self._clock.now()
        chats = await self._recipients(asker.user_id)
        if not chats:
            raise DomainError("questions.nobody")
        async with self._db.transaction() as conn:
            known = await repo.by_request(conn, request)
            if known is not None:
                return known
            recent = await repo.asked_since(conn, asker.user_id, now - WINDOW)
            if len(recent) >= PER_HOUR:
                again = recent[-PER_HOUR] + WINDOW
                raise DomainError(
                    "questions.too_many",
                    limit=Count(PER_HOUR),
                    at=again.astimezone(self._tz).strftime("%H:%M"),
                )
            question_id = await repo.add(
                conn,
                user_id=asker.user_id,
                first_name=asker.first_name,
                last_name=asker.last_name,
                username=asker.username,
                text=text,
                request=request,
                now=now,
            )
            assert question_id is not None  # the request was not known, in this transaction
            keys = [(chat, relay_key(question_id, chat)) for chat in chats]
            await repo.add_relays(conn, question_id, keys)
            entries = [
                Entry(
                    key, MessageKind.QUESTION, chat, now, {"question_id": question_id}, urgent=True
                )
                for chat, key in keys
            ]
            await outbox_repo.add(conn, entries, now)
            question = await repo.get(conn, question_id)
        assert question is not None
        log.info(
            "question %d from %d relayed to %d chat(s)", question.id, asker.user_id, len(chats)
        )
        self._outbox.wake()
        return question

    async def _recipients(self, asker: int) -> list[int]:
        """Give the chats a question goes to: the organisers' chat, else each organiser."""
        if self.organisers_chat is not None:
            return [self.organisers_chat]
        found = []
        for organiser in self._organisers:
            if organiser != asker and await self._people.get(organiser) is not None:
                found.append(organiser)
        return found

    async def _require_registered(self, user_id: int) -> None:
        if await self._people.get(user_id) is None:
            raise DomainError("common.not_registered")

    # Answering

    def require_organiser(self, user_id: int) -> None:
        """Refuse anyone but an organiser."""
        if not self._people.is_organiser(user_id):
            raise DomainError("common.not_allowed")

    async def get(self, question_id: int) -> Question | None:
        """Find one question."""
        async with self._db.read() as conn:
            return await repo.get(conn, question_id)

    async def relayed_as(self, chat_id: int, message_id: int) -> Question | None:
        """Give the question a message of the bot's is a copy of, if it is one.

        A copy that has just arrived may not have its message id written down yet (the outbox
        writes it once Telegram's answer is back): not found, wait until the messages on their
        way to this chat have their fate written, then look again. Again even when none is on
        its way any more: the copy's id may have been written just after the first look.
        """
        question = await self._relayed_as(chat_id, message_id)
        if question is None:
            await self._outbox.settled(chat_id)
            question = await self._relayed_as(chat_id, message_id)
        return question

    async def _relayed_as(self, chat_id: int, message_id: int) -> Question | None:
        async with self._db.read() as conn:
            question_id = await repo.relayed_as(conn, chat_id, message_id)
            return None if question_id is None else await repo.get(conn, question_id)

    async def open_question(self, organiser: int, question_id: int) -> Question:
        """Give a question an organiser may still answer; refuse one answered or unknown."""
        self.require_organiser(organiser)
        question = await self.get(question_id)
        if question is None:
            raise DomainError("common.stale_button")
        if question.answered:
            raise DomainError("questions.already_answered", name=question.answered_by_name or "?")
        return question

    async def wait_for_answer(self, organiser: int, question_id: int) -> Question:
        """Wait for this organiser's next text: their answer to the question."""
        question = await self.open_question(organiser, question_id)
        await self._drafts.put(
            organiser, FLOW, str(question_id), {"question_id": question_id}, awaiting=ANSWER
        )
        return question

    async def waited_answer(self, organiser: int) -> int:
        """Give the question this organiser's text answers (the Reply button they pressed)."""
        self.require_organiser(organiser)
        draft = await self._drafts.get(organiser, FLOW)
        if draft is None or "question_id" not in draft.body:
            raise DomainError("common.stale_button")
        return int(draft.body["question_id"])

    @staticmethod
    def check_answer(text: str) -> str:
        """Give the answer to send, or refuse an empty or too long one."""
        text = text.strip()
        if not text:
            raise DomainError("questions.answer_empty")
        if len(text) > MAX_ANSWER:
            raise DomainError(
                "questions.answer_too_long", length=Count(len(text)), limit=Count(MAX_ANSWER)
            )
        return text

    async def answer(
        self, organiser: int, organiser_name: str, question_id: int, text: str
    ) -> Answered:
        """Record the answer and queue it to the person, in one transaction; once only.

        A question answered already is refused with who answered it, and nothing is sent.
        """
        self.require_organiser(organiser)
        try:
            text = self.check_answer(text)
        except DomainError:
            draft = await self._drafts.get(organiser, FLOW)
            if draft is not None and draft.body.get("question_id") == question_id:
                await self.wait_for_answer(organiser, question_id)  # the next text, shorter
            raise
        now = self._clock.now()
        async with self._db.transaction() as conn:
            done = await repo.answer(
                conn, question_id, by_user=organiser, by_name=organiser_name, text=text, now=now
            )
            question = await repo.get(conn, question_id)
            if question is None:
                raise DomainError("common.stale_button")
            if not done:
                raise DomainError(
                    "questions.already_answered", name=question.answered_by_name or "?"
                )
            entry = Entry(
                f"question:{question_id}:answer",
                MessageKind.QUESTION_ANSWER,
                question.user_id,
                now,
                {"question_id": question_id},
                urgent=True,
            )
            await outbox_repo.add(conn, [entry], now)
            relays = await repo.relays(conn, question_id)
        draft = await self._drafts.get(organiser, FLOW)
        if draft is not None and draft.body.get("question_id") == question_id:
            await self._drafts.drop(organiser, FLOW)
        log.info("question %d answered by %d", question_id, organiser)
        self._outbox.wake()
        return Answered(question, tuple(relays))
