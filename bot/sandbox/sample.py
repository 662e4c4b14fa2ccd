"""The sample week's other people (issue 14): a few who starred items and, once an item they
starred is over, answer the question after it, so that `make demo` shows favourites (who is
interested, in /participants) and feedback (the facilitators' summary, /feedback).

Invented people with made-up ids; they never write to the bot, the demo plays their part.
"""

from __future__ import annotations

from bot.domain.booking import ref
from bot.domain.errors import DomainError
from bot.sandbox.harness import Harness

PEOPLE = ((1101, "Camille"), (1102, "Yanis"), (1103, "Inès"), (1104, "Hugo"))
STARRED = ("lun-10-pleniere-ouverture", "lun-1430-atelier-velo")
ANSWERS: dict[int, tuple[int, str | None]] = {
    1101: (1, "Très clair, merci pour l'accueil !"),
    1102: (1, None),
    1103: (2, "Un peu long, mais utile."),
    1104: (1, None),
}
"""Each person's answer (1 😊, 2 😐, 3 🙁) and comment, the same for every item."""


async def seed(harness: Harness) -> None:
    """Register the sample people and star their items (in a programme that has them)."""
    s = harness.services
    known = {w.id for w in (await s.programme.current()).workshops}
    for user_id, name in PEOPLE:
        harness.emu.cast.add_user(user_id, name, language_code="fr")
        harness.emu.world.users[user_id].started = True
        await s.people.register(user_id, name, None, None, "fr")
        for item_id in STARRED:
            if item_id in known:
                await s.favourites.star(user_id, ref(item_id), on=True)


async def answer_what_is_over(harness: Harness) -> int:
    """Let the sample people answer about the starred items that are over; count the answers."""
    s = harness.services
    now = s.clock.now()
    items = {w.id: w for w in (await s.programme.current()).workshops}
    given = 0
    for item_id in STARRED:
        item = items.get(item_id)
        if item is None or item.end > now:
            continue
        for user_id, _ in PEOPLE:
            score, comment = ANSWERS[user_id]
            try:
                await s.feedback.answer(user_id, ref(item_id), score)
            except DomainError:
                continue  # answered already
            given += 1
            if comment:
                await s.feedback.comment(user_id, comment)
            else:
                await s.drafts.drop(user_id, "feedback")
    return given
