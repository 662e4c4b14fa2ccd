"""Issue 7, security: who may do what, every command and every button, in private and in the group.

The table below is the documentation of the permissions. Each cell is its own test: a fresh
person of the role (so no cell depends on another) does the action in that chat, and the bot
must answer as the cell says:

- allowed: the answer (reply, alert, toast, or the message the button belongs to) shows the
  action's success message, named by its key in bot/locales (its longest part without a
  placeholder is what is looked for);
- refused: the refusal message is shown, and nothing changed in the database;
- refused with common.private_only: a command kept for private chats, sent in the group, gets a
  hint to write to the bot directly (never a list of names in the group);
- silent: group chatter not addressed to the bot: no answer, nothing changed;
- kept: a button the pressed group message never offered (a forged press): it acts for the
  presser only where the role allows, is answered, and the group's message stays as it was.

The roles: a stranger (never sent /start), a participant, the facilitator of another item, the
facilitator of this item, an organiser. "This item" is the workshop the action names (`t`):
for rota buttons, which have no facilitator, both facilitators are simply participants.
One bot serves the whole table (its start-up is the slow part); each cell makes its people.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import partial, reduce
from itertools import count
from typing import Any

import pytest
import pytest_asyncio
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler

from bot.clock import FrozenClock
from bot.domain.booking import Move, TargetKind, ref
from bot.domain.proposals import Slot
from bot.i18n import LOCALES_DIR, forms, load_catalogue
from bot.ratelimit import SlidingWindowRateLimiter
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.harness import Harness, local_config
from bot.sandbox.records import SentMessage
from bot.services.questions import Asker
from bot.views.buttons import QuestionPress
from storage import broadcasts as broadcasts_repo
from storage import children as children_repo
from tests.conftest import GROUP, ORGANISER, PARIS
from tests.security.support import crash_signs, errors_logged

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass(frozen=True)
class Allowed:
    """The action is done; one of these messages (keys of bot/locales) shows it."""

    keys: tuple[str, ...]

    def __str__(self) -> str:
        return "allowed: " + " | ".join(self.keys)


@dataclass(frozen=True)
class Refused:
    """The action is refused with this message; nothing changes."""

    key: str

    def __str__(self) -> str:
        return f"refused: {self.key}"


@dataclass(frozen=True)
class Silent:
    """No answer at all, nothing changes (group chatter not addressed to the bot)."""

    def __str__(self) -> str:
        return "silent"


@dataclass(frozen=True)
class Kept:
    """A forged press in the group: answered, and the pressed group message is not rewritten."""

    def __str__(self) -> str:
        return "kept"


Outcome = Allowed | Refused | Silent | Kept


def ok(*keys: str) -> Allowed:
    return Allowed(keys)


SILENT, KEPT = Silent(), Kept()
NOT_REGISTERED = Refused("common.not_registered")
ORGANISERS_ONLY = Refused("common.not_allowed")  # one wording wherever organisers alone may act
PRIVATE_ONLY = Refused("common.private_only")  # a private command sent in the group
NOT_THEIRS = Refused("bookings.participants_not_allowed")
NOT_YOURS = Refused("change.not_yours")
ROLES = ("stranger", "participant", "other-facilitator", "this-facilitator", "organiser")
SAME = "same as in private"


def everyone(outcome: Outcome) -> tuple[Outcome, ...]:
    return (outcome,) * len(ROLES)


def runners(refused: Outcome, allowed: Outcome) -> tuple[Outcome, ...]:
    """This item's facilitators and the organisers may; the others may not."""
    return (refused, refused, refused, allowed, allowed)


def organisers(refused: Outcome, allowed: Outcome) -> tuple[Outcome, ...]:
    return (refused, refused, refused, refused, allowed)


# The kids' club (issue 14, part 5)
FORGED = Refused("common.bad_button")


def mine(allowed: Outcome) -> tuple[Outcome, ...]:
    """One's own child: anyone with one may; a stranger (none) presses another's: refused."""
    return (Refused("children.not_yours"), allowed, allowed, allowed, allowed)


def registered(allowed: Outcome) -> tuple[Outcome, ...]:
    """Anyone who has started the bot may; a stranger is asked to /start first."""
    return (NOT_REGISTERED, allowed, allowed, allowed, allowed)


# ─── The permissions ──────────────────────────────────────────────────────────────────────
# Each row: the action, then its outcome for (stranger, participant, facilitator of another
# item, facilitator of this item, organiser) in a private chat, then in the group.

COMMANDS: list[tuple[str, tuple[Outcome, ...], tuple[Outcome, ...] | str]] = [
    ("/start", everyone(ok("start.greeting")), everyone(PRIVATE_ONLY)),
    ("/help", everyone(ok("help.participant")), SAME),
    ("/aide", everyone(ok("help.participant")), SAME),
    ("/lang fr", registered(ok("lang.chosen")), SAME),
    ("/langue fr", registered(ok("lang.chosen")), SAME),
    ("/next", everyone(ok("agenda.next_at")), SAME),
    ("/suite", everyone(ok("agenda.next_at")), SAME),
    ("/ensuite", everyone(ok("agenda.next_at")), SAME),
    ("/now", everyone(ok("agenda.now_on")), SAME),
    ("/maintenant", everyone(ok("agenda.now_on")), SAME),
    ("/today", everyone(ok("agenda.today_title")), SAME),
    ("/aujourdhui", everyone(ok("agenda.today_title")), SAME),
    ("/tomorrow", everyone(ok("=📅 Mardi 25 août")), SAME),
    ("/demain", everyone(ok("=📅 Mardi 25 août")), SAME),
    ("/day mardi", everyone(ok("=📅 Mardi 25 août")), SAME),
    ("/jour mardi", everyone(ok("=📅 Mardi 25 août")), SAME),
    ("/room Chapiteau", everyone(ok("agenda.room_title")), SAME),
    ("/salle Chapiteau", everyone(ok("agenda.room_title")), SAME),
    ("/search atelier", everyone(ok("agenda.found")), SAME),
    ("/cherche atelier", everyone(ok("agenda.found")), SAME),
    ("/chercher atelier", everyone(ok("agenda.found")), SAME),
    ("/workshop t", everyone(ok("=🕙 lundi 24 août, 16:30–17:30")), SAME),
    ("/atelier t", everyone(ok("=🕙 lundi 24 août, 16:30–17:30")), SAME),
    (
        "/mine",
        everyone(ok("bookings.mine_empty", "bookings.mine_title")),
        everyone(PRIVATE_ONLY),
    ),
    (
        "/moi",
        everyone(ok("bookings.mine_empty", "bookings.mine_title")),
        everyone(PRIVATE_ONLY),
    ),
    (
        "/monprogramme",
        everyone(ok("bookings.mine_empty", "bookings.mine_title")),
        everyone(PRIVATE_ONLY),
    ),
    ("/calendar", registered(ok("calendar.caption")), everyone(PRIVATE_ONLY)),
    ("/agenda", registered(ok("calendar.caption")), everyone(PRIVATE_ONLY)),
    ("/participants t", runners(NOT_THEIRS, ok("bookings.participants")), everyone(PRIVATE_ONLY)),
    ("/inscrits t", runners(NOT_THEIRS, ok("bookings.participants")), everyone(PRIVATE_ONLY)),
    ("/rota", everyone(ok("bookings.rota_title")), SAME),
    ("/rangement", everyone(ok("bookings.rota_title")), SAME),
    ("/rota gaps", organisers(ORGANISERS_ONLY, ok("bookings.gaps_title")), SAME),
    ("/rangement trous", organisers(ORGANISERS_ONLY, ok("bookings.gaps_title")), SAME),
    ("/rota fairness", organisers(ORGANISERS_ONLY, ok("bookings.fairness")), SAME),
    ("/rangement équité", organisers(ORGANISERS_ONLY, ok("bookings.fairness")), SAME),
    ("/settings", registered(ok("settings.title")), SAME),
    ("/reglages", registered(ok("settings.title")), SAME),
    ("/invites", organisers(ORGANISERS_ONLY, ok("roles.invites_title")), everyone(PRIVATE_ONLY)),
    (
        "/invitations",
        organisers(ORGANISERS_ONLY, ok("roles.invites_title")),
        everyone(PRIVATE_ONLY),
    ),
    # each cell starts with an unused link for Théo (see PREPARE)
    (
        "/invites revoke Théo Animateur",
        organisers(ORGANISERS_ONLY, ok("roles.revoked")),
        everyone(PRIVATE_ONLY),
    ),
    (
        "/invitations révoquer théo",
        organisers(ORGANISERS_ONLY, ok("roles.revoked")),
        everyone(PRIVATE_ONLY),
    ),
    (
        "/facilitator add {helper} o",
        organisers(ORGANISERS_ONLY, ok("roles.facilitator_added")),
        everyone(PRIVATE_ONLY),
    ),
    (
        "/animateur ajouter {helper} o",
        organisers(ORGANISERS_ONLY, ok("roles.facilitator_added")),
        everyone(PRIVATE_ONLY),
    ),
    ("/change t", runners(NOT_YOURS, ok("change.choose_kind")), everyone(PRIVATE_ONLY)),
    ("/changer t", runners(NOT_YOURS, ok("change.choose_kind")), everyone(PRIVATE_ONLY)),
    ("/log", organisers(ORGANISERS_ONLY, ok("change.log_title")), everyone(PRIVATE_ONLY)),
    ("/journal", organisers(ORGANISERS_ONLY, ok("change.log_title")), everyone(PRIVATE_ONLY)),
    ("/broadcast", organisers(ORGANISERS_ONLY, ok("broadcast.ask_text")), everyone(PRIVATE_ONLY)),
    ("/diffuser", organisers(ORGANISERS_ONLY, ok("broadcast.ask_text")), everyone(PRIVATE_ONLY)),
    (
        "/notice Le bus part à 18 h",
        organisers(ORGANISERS_ONLY, ok("broadcast.notice_queued")),
        SAME,
    ),
    (
        "/annonce Le bus part à 18 h",
        organisers(ORGANISERS_ONLY, ok("broadcast.notice_queued")),
        SAME,
    ),
    ("/notices", everyone(ok("broadcast.notices_none", "broadcast.notices_title")), SAME),
    ("/annonces", everyone(ok("broadcast.notices_none", "broadcast.notices_title")), SAME),
    ("/status", organisers(ORGANISERS_ONLY, ok("status.report")), everyone(PRIVATE_ONLY)),
    ("/etat", organisers(ORGANISERS_ONLY, ok("status.report")), everyone(PRIVATE_ONLY)),
    # Questions to the organisers (/ask): anyone registered asks, in private chat
    ("/ask On mange à quelle heure ?", registered(ok("questions.relayed")), everyone(PRIVATE_ONLY)),
    (
        "/question On mange à quelle heure ?",
        registered(ok("questions.relayed")),
        everyone(PRIVATE_ONLY),
    ),
    # Issue 14, part 1: sessions proposed in chat
    ("/propose", registered(ok("proposals.ask_title")), everyone(PRIVATE_ONLY)),
    ("/proposer", registered(ok("proposals.ask_title")), everyone(PRIVATE_ONLY)),
    # The kids' club (issue 14, part 5): one's own children only
    ("/children", everyone(ok("children.empty")), everyone(PRIVATE_ONLY)),
    ("/enfants", everyone(ok("children.empty")), everyone(PRIVATE_ONLY)),
    # Favourites and feedback (issue 14): the organisers' overview of the answers
    *(
        (
            command,
            organisers(ORGANISERS_ONLY, ok("feedback.overview_none", "feedback.overview_title")),
            everyone(PRIVATE_ONLY),
        )
        for command in ("/feedback", "/avis", "/retours")
    ),
]

# Buttons: the data pressed (t: this item, x: an item at the same time, r1/r2: rota slots).
# Pressed on a message that offers it where the bot offers it; forged everywhere else.
BUTTONS: list[tuple[str, tuple[Outcome, ...], tuple[Outcome, ...] | str]] = [
    # sign up for this item: a stranger's press registers them
    ("b:ws:t", everyone(ok("bookings.signed_up")), SAME),
    # give up one's place (a stranger has none)
    ("b:wc:t", (Refused("bookings.not_booked"), *everyone(ok("bookings.cancelled"))[1:]), SAME),
    # switch from x to t in one step (this item's facilitator cannot be in x: a plain sign-up)
    (
        "b:wx:t",
        (
            ok("bookings.signed_up"),  # nothing to switch from: a sign-up, as b:ws (see BUGS)
            ok("bookings.switched"),
            ok("bookings.switched"),
            ok("bookings.signed_up"),
            ok("bookings.switched"),
        ),
        SAME,
    ),
    ("b:rs:r1", everyone(ok("bookings.signed_up")), SAME),
    ("b:rc:r1", (Refused("bookings.not_booked"), *everyone(ok("bookings.cancelled"))[1:]), SAME),
    (
        "b:ro:r1",
        (Refused("bookings.not_your_slot"), *everyone(ok("bookings.offer_posted"))[1:]),
        SAME,
    ),
    # take a slot someone else offered (in the group, from the offer's own message)
    ("b:rt:offer", everyone(ok("bookings.took")), SAME),
    ("b:keep", everyone(ok("bookings.kept")), everyone(KEPT)),
    ("w:t", everyone(ok("=🕙 lundi 24 août, 16:30–17:30")), SAME),
    ("pg:d:0:20260825", everyone(ok("=📅 Mardi 25 août")), everyone(KEPT)),
    ("set:digest:0", registered(ok("settings.digest_off_done")), SAME),
    ("lang:fr", registered(ok("lang.chosen")), SAME),
    ("org:1", registered(ok("start.organisation_saved")), registered(KEPT)),
    ("ch:i:t", runners(NOT_YOURS, ok("change.choose_kind")), runners(NOT_YOURS, KEPT)),
    ("ch:k:t:cancel", runners(NOT_YOURS, ok("change.preview")), runners(NOT_YOURS, KEPT)),
    # confirm a change drafted before (only those who may change can have a draft)
    (
        "ch:ok",
        runners(Refused("change.no_draft"), ok("change.done")),
        runners(Refused("change.no_draft"), KEPT),
    ),
    ("ch:no", everyone(ok("change.abandoned")), everyone(KEPT)),
    # a broadcast drafted before: choose the group as its audience, send it, drop it
    (
        "bc:a:group",
        organisers(ORGANISERS_ONLY, ok("broadcast.preview")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    ("bc:ok", organisers(ORGANISERS_ONLY, ok("broadcast.started")), SAME),
    (
        "bc:no",
        organisers(ORGANISERS_ONLY, ok("broadcast.cancelled")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    # a programme file an organiser sent (the same programme: the week stays as it is),
    # confirmed or cancelled from its preview
    (
        "im:ok",
        organisers(ORGANISERS_ONLY, ok("programme.imported")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    (
        "im:no",
        organisers(ORGANISERS_ONLY, ok("import.preview.cancelled")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    # Questions to the organisers (/ask): Reply on a question's copy (in the group, the
    # organiser is asked for the answer privately)
    (
        "qa:question",
        organisers(ORGANISERS_ONLY, ok("questions.answer_prompt")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    # Issue 14, part 1: a proposal someone sent (each cell its own, in a slot of its own):
    # approve it, or ask for the reason of a decline; only organisers decide
    (
        "pr:ok:p",
        organisers(ORGANISERS_ONLY, ok("proposals.approved")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    (
        "pr:no:p",
        organisers(ORGANISERS_ONLY, ok("proposals.ask_reason")),
        organisers(ORGANISERS_ONLY, KEPT),
    ),
    # the proposer's own draft (made before the press, the stranger has none): send, drop
    (
        "pp:ok",
        (Refused("proposals.no_draft"), *everyone(ok("proposals.submitted"))[1:]),
        (Refused("proposals.no_draft"), *everyone(KEPT)[1:]),
    ),
    ("pp:no", everyone(ok("proposals.abandoned")), everyone(KEPT)),
    # The kids' club (issue 14, part 5), on the kids' item k. "For whom?" is asked privately
    # (a stranger, who never wrote to the bot, is asked to first); the other buttons are only
    # ever offered privately, and act on the presser's own child (a stranger has none: they
    # press someone else's)
    (
        "kid:who:k",
        everyone(ok("children.for_whom_none")),
        (ok("children.write_first"), *everyone(ok("children.see_private"))[1:]),
    ),
    ("kid:in:k:child", mine(ok("children.signed_up")), everyone(FORGED)),
    ("kid:out:k:child", mine(ok("children.cancelled")), everyone(FORGED)),
    ("kid:add", everyone(ok("children.ask_name")), everyone(FORGED)),
    ("kid:list", everyone(ok("children.title")), everyone(FORGED)),
    ("kid:ed:child", mine(ok("children.menu")), everyone(FORGED)),
    ("kid:nm:child", mine(ok("children.ask_new_name")), everyone(FORGED)),
    ("kid:ag:child", mine(ok("children.ask_age")), everyone(FORGED)),
    ("kid:set:child:7", mine(ok("children.aged")), everyone(FORGED)),
    ("kid:del:child", mine(ok("children.confirm_remove")), everyone(FORGED)),
    ("kid:rm:child", mine(ok("children.removed")), everyone(FORGED)),
    # Favourites and feedback (issue 14): star this item, unstar it (anyone registered);
    # answer about e (over) having starred it; answer about e not having come: stale
    ("fav:+:t", registered(ok("favourites.added")), SAME),
    ("fav:-:t", registered(ok("favourites.removed")), SAME),
    ("fb:e:1", registered(ok("feedback.thanks")), SAME),
    ("fb:e:3", registered(Refused("common.stale_button")), SAME),
    ("set:feedback:0", registered(ok("settings.feedback_off_done")), SAME),
]

# Cells that failed once, and why (kept to explain a regression)
BUGS = {
    ("b:wx:t", "stranger"): (
        "BookingService.switch must register the person as sign_up and take do "
        "(_ensure_registered): for someone who never sent /start the booking breaks the "
        "booking.user_id foreign key, and the press ends in 'Oups' and an error report"
    ),
}

# ─── The week the table is played in ─────────────────────────────────────────────────────

PROGRAMME = """
[[workshop]]
id = "t"
title = "Atelier T"
start = 2026-08-24T16:30:00
end = 2026-08-24T17:30:00
room = "Chapiteau"
facilitators = ["Théo Animateur"]
capacity = 1000

[[workshop]]
id = "x"
title = "Atelier X"
start = 2026-08-24T16:00:00
end = 2026-08-24T17:00:00
room = "Plage"
capacity = 1000

[[workshop]]
id = "o"
title = "Atelier O"
start = 2026-08-25T10:00:00
end = 2026-08-25T11:00:00
room = "Salle des Pins"
capacity = 1000

[[workshop]]
id = "n"
title = "Atelier en cours"
start = 2026-08-24T10:30:00
end = 2026-08-24T12:30:00
room = "Plage"

[[workshop]]
id = "k"
title = "Club K"
kind = "kids"
start = 2026-08-25T14:00:00
end = 2026-08-25T15:00:00
room = "Cabane"
capacity = 1000
min_age = 3

[[workshop]]
id = "e"
title = "Réveil musculaire"
start = 2026-08-24T08:00:00
end = 2026-08-24T09:00:00
room = "Pinède"

[[rota]]
id = "r1"
area = "Vaisselle"
start = 2026-08-24T14:00:00
end = 2026-08-24T14:30:00
places = 1000

[[rota]]
id = "r2"
area = "Salle commune"
start = 2026-08-24T14:45:00
end = 2026-08-24T15:15:00
places = 1000
"""
NOON = datetime(2026, 8, 24, 11, 0, tzinfo=PARIS)
ORGANISER_POOL = range(9100, 9400)  # each organiser cell has its own, named in the config
CATALOGUE = load_catalogue(LOCALES_DIR / "fr")


def marker(key: str) -> str:
    """Give what shows a message: a literal (=...), or the longest fixed part of the key's text.

    A message with plural forms: the longest fixed part every form has.
    """
    if key.startswith("="):
        return key[1:]
    texts = [
        re.sub(r"\{[^}]*\}", "\0", re.sub(r"<[^>]+>", "", text))
        for text in forms(CATALOGUE[key]).values()
    ]
    shared = reduce(_common, texts)
    return max((html.unescape(part).strip() for part in shared.split("\0")), key=len)


def _common(a: str, b: str) -> str:
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a : match.a + match.size]


@dataclass
class Matrix:
    """The running bot, and the people made for the cells."""

    bot: Harness
    ids: count[int] = field(default_factory=lambda: count(20_000))
    organisers: list[int] = field(default_factory=lambda: list(ORGANISER_POOL))

    @property
    def emu(self) -> BotApiEmulator:
        return self.bot.emu

    async def person(self, role: str, in_group: bool) -> int:
        """Make a fresh person of a role (a member of the group for group cells)."""
        s = self.bot.services
        if role == "organiser":
            user = self.organisers.pop(0)
        else:
            user = next(self.ids)
            self.emu.cast.add_user(user, f"Personne{user}", language_code="fr")
        if in_group:
            self.emu.cast.join_group(GROUP, user)
        if role == "stranger":
            return user
        await s.people.register(user, f"Personne{user}", None, None, "fr")
        self.emu.world.users[user].started = True  # as if they had sent /start
        item = {"other-facilitator": "o", "this-facilitator": "t"}.get(role)
        if item is not None:
            workshop = await s.agenda.by_id(item)
            await s.roles.set_facilitator(ORGANISER, workshop, user, add=True)
        return user

    async def ask(self, user: int, text: str, in_group: bool) -> SentMessage:
        """Send a command and give the bot's one reply."""
        chat = GROUP if in_group else user
        mark = self.emu.observer.mark(chat)
        await self.emu.people.send_text(user, text, chat_id=GROUP if in_group else None)
        (reply,) = await self.emu.observer.wait_for_messages(chat, 1, after=mark)
        await self.bot.settle()
        return reply

    async def press(self, user: int, message: SentMessage, data: str) -> dict[str, Any]:
        """Press a button (forged if the message does not offer it); give the answer."""
        chat_id = message.chat_id if message.chat_id != user else None
        query = await self.emu.people.press_button(
            user, message.message_id, data, chat_id=chat_id, forge=True
        )
        answer = await self.emu.observer.wait_for_callback_answer(query)
        await self.quiet()
        return answer

    async def quiet(self) -> None:
        """Wait until the bot has done everything the last update set off, broadcasts too."""
        await self.bot.settle()
        await self.bot.services.bookings.drain()
        for _ in range(200):
            await self.bot.services.outbox.flush()
            async with self.bot.db.read() as conn:
                if not await broadcasts_repo.unfinished(conn):
                    break
            await asyncio.sleep(0.01)  # the broadcast's watcher finishes it on its own time
        else:
            raise AssertionError("a broadcast never finished")
        await self.bot.services.outbox.flush()
        await self.bot.settle()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def matrix(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Matrix]:
    folder = tmp_path_factory.mktemp("authorization")
    programme = folder / "semaine.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        # A thousand cells answer in one group: the bot's own throttle (20 messages a minute
        # per group, as Telegram's) and the emulator's flood control have their own tests
        unthrottled = partial(
            SlidingWindowRateLimiter, overall_per_second=1000, group_per_minute=1000
        )
        patch.setattr("bot.app.SlidingWindowRateLimiter", unthrottled)
        async with BotApiEmulator(flood_control=False) as emu:
            for user in (ORGANISER, *ORGANISER_POOL):
                emu.cast.add_user(user, f"Orga{user}", language_code="fr")
            emu.cast.add_group(GROUP, "Bigre Rencontre 2026", members=[ORGANISER])
            config = local_config(
                emu,
                folder / "r.sqlite3",
                programme=programme,
                event={
                    "organisers": [ORGANISER, *ORGANISER_POOL],
                    "organisations": ["Oxalis", "Coopaname", "Smart"],
                    "announce_chat_id": GROUP,
                },
                extra={"announcements": {"enabled": False}},
            )
            async with Harness.running(emu, config, FrozenClock(NOON)) as bot:
                bot.services.broadcasts.progress_every = 0.05
                await bot.services.people.register(ORGANISER, "Oriane", None, None, "fr")
                yield Matrix(bot)


Snapshot = dict[str, list[tuple[Any, ...]]]


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Name the tables whose rows differ."""
    return [
        table
        for table in sorted(before.keys() | after.keys())
        if before.get(table) != after.get(table)
    ]


async def snapshot(bot: Harness) -> Snapshot:
    """Read every table but the inbox (earlier versions kept each update the bot receives
    there; it stays empty now)."""
    async with bot.db.read() as conn:
        cursor = await conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [name for (name,) in await cursor.fetchall() if name != "inbox"]
        found = {}
        for table in tables:
            cursor = await conn.execute(f"SELECT * FROM {table}")
            found[table] = sorted(map(tuple, await cursor.fetchall()), key=repr)
    return found


def cells(rows: list[tuple[str, tuple[Outcome, ...], tuple[Outcome, ...] | str]]) -> list[Any]:
    out = []
    for action, private, group in rows:
        in_group = private if group == SAME else group
        assert isinstance(in_group, tuple)
        assert len(private) == len(in_group) == len(ROLES), action
        for chat, outcomes in (("private", private), ("group", in_group)):
            for role, outcome in zip(ROLES, outcomes, strict=True):
                out.append(pytest.param(action, chat, role, outcome, id=f"{action}|{chat}|{role}"))
    return out


def check_shown(outcome: Outcome, shown: list[str], changed: list[str], bug: str = "") -> None:
    """Check what the bot showed against the cell."""
    assert not crash_signs(shown), f"{bug or 'an unexpected error'}: the bot showed {shown}"
    if isinstance(outcome, Allowed):
        wanted = [marker(k) for k in outcome.keys]
        assert any(w in text for w in wanted for text in shown), (
            f"expected {outcome} ({wanted}); the bot showed {shown}"
        )
    elif isinstance(outcome, Refused):
        refusal = marker(outcome.key)
        assert any(refusal in text for text in shown), f"expected {outcome}; shown {shown}"
        assert not changed, f"refused ({outcome.key}) but these tables changed: {changed}"
    elif isinstance(outcome, Silent):
        assert shown == [], f"expected no answer; the bot said {shown}"
        assert not changed, f"no answer, but these tables changed: {changed}"


# ─── Commands ─────────────────────────────────────────────────────────────────────────────


async def _open_invite(m: Matrix) -> None:
    """Make sure Théo has an unused invitation link (a refused revocation must leave it)."""
    await m.bot.services.roles.invites(ORGANISER)


# What a command's cell needs before the snapshot it is compared with
PREPARE: dict[str, Callable[[Matrix], Awaitable[None]]] = {
    "/invites revoke Théo Animateur": _open_invite,
    "/invitations révoquer théo": _open_invite,
}


@pytest.mark.parametrize(("command", "chat", "role", "outcome"), cells(COMMANDS))
async def test_command(
    matrix: Matrix,
    caplog: pytest.LogCaptureFixture,
    command: str,
    chat: str,
    role: str,
    outcome: Outcome,
) -> None:
    in_group = chat == "group"
    user = await matrix.person(role, in_group)
    helper = await matrix.person("participant", False)
    where = GROUP if in_group else user
    if command in PREPARE:
        await PREPARE[command](matrix)
    await matrix.quiet()
    watch = isinstance(outcome, Refused | Silent)  # only these promise an unchanged database
    before = await snapshot(matrix.bot) if watch else {}
    mark = matrix.emu.observer.mark(where)
    await matrix.emu.people.send_text(
        user, command.format(helper=helper), chat_id=GROUP if in_group else None
    )
    await matrix.quiet()
    shown = [m.plain_text for m in matrix.emu.observer.messages(where)[mark:]]
    changed = changes(before, await snapshot(matrix.bot)) if watch else []
    check_shown(outcome, shown, changed, BUGS.get((command, role), ""))
    assert not errors_logged(caplog.records), errors_logged(caplog.records)


# Group chatter not addressed to the bot: another bot's command, an unknown command, talk
NOT_FOR_THE_BOT = (
    "/invites@autre_bot",
    "/mine@autre_bot",
    "/inconnue",
    "On mange à quelle heure ?",
)


@pytest.mark.parametrize("text", NOT_FOR_THE_BOT)
@pytest.mark.parametrize("role", ROLES)
async def test_group_chatter_not_for_the_bot_gets_no_answer(
    matrix: Matrix, caplog: pytest.LogCaptureFixture, text: str, role: str
) -> None:
    user = await matrix.person(role, True)
    await matrix.quiet()
    before = await snapshot(matrix.bot)
    mark = matrix.emu.observer.mark(GROUP)
    await matrix.emu.people.send_text(user, text, chat_id=GROUP)
    await matrix.quiet()
    shown = [m.plain_text for m in matrix.emu.observer.messages(GROUP)[mark:]]
    check_shown(SILENT, shown, changes(before, await snapshot(matrix.bot)))
    assert not errors_logged(caplog.records), errors_logged(caplog.records)


# ─── Buttons ──────────────────────────────────────────────────────────────────────────────

Setup = Callable[[Matrix, int, str, bool], Awaitable[tuple[SentMessage, str]]]


async def _details(m: Matrix, user: int, in_group: bool) -> SentMessage:
    return await m.ask(user, "/workshop t", in_group)


async def _book(m: Matrix, user: int, kind: TargetKind, item: str) -> Move:
    person = await m.bot.services.people.get(user)
    return await m.bot.services.bookings.sign_up(user, kind, ref(item), person=person)


async def _plain(data: str, m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    """Press on the item's details, the data as it is in the table."""
    return await _details(m, user, in_group), data.replace(":t", f":{ref('t')}")


async def _booked_in_t(m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    if role != "stranger":
        await _book(m, user, TargetKind.WORKSHOP, "t")
    return await _details(m, user, in_group), f"b:wc:{ref('t')}"


async def _booked_in_x(m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    if role != "stranger":
        await _book(m, user, TargetKind.WORKSHOP, "x")  # clashes for t's facilitator: no place
    return await _details(m, user, in_group), f"b:wx:{ref('t')}"


async def _rota(m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    return await m.ask(user, "/rota", in_group), f"b:rs:{ref('r1')}"


async def _on_rota(op: str, m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    if role != "stranger":
        await _book(m, user, TargetKind.ROTA, "r1")
    # /mine is private: in the group the offer is pressed (forged) on /rota
    shown = await m.ask(user, "/mine" if op == "ro" and not in_group else "/rota", in_group)
    return shown, f"b:{op}:{ref('r1')}"


async def _offer(m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    helper = await m.person("participant", False)
    await _book(m, helper, TargetKind.ROTA, "r2")
    mine = await m.ask(helper, "/mine", False)
    mark = m.emu.observer.mark(GROUP)
    await m.press(helper, mine, f"b:ro:{ref('r2')}")
    (post,) = m.emu.observer.messages(GROUP)[mark:]
    take = post.buttons[0][1]
    assert take is not None and take.startswith("b:rt:")
    return (post if in_group else await _details(m, user, in_group)), take


async def _asked(
    command: str, data: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    """Press on the reply to a command (the stranger's is refused: the item's details then)."""
    if role == "stranger" and command == "/settings":
        return await _details(m, user, in_group), data
    return await m.ask(user, command, in_group), data


async def _change_draft(m: Matrix, user: int, role: str, in_group: bool) -> tuple[Any, str]:
    if role in ("this-facilitator", "organiser"):
        menu = await m.ask(user, "/change t", False)
        await m.press(user, menu, f"ch:k:{ref('t')}:note")
        preview = await m.ask(user, "Prenez un chapeau !", False)
        if not in_group:
            return preview, "ch:ok"
    return await _details(m, user, in_group), "ch:ok"


async def _broadcast(
    op: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    if role != "organiser":
        return await _details(m, user, in_group), f"bc:{op}:abcdef" + (
            ":group" if op == "a" else ""
        )
    audiences = await m.ask(user, "/broadcast Bonjour à toutes et tous !", False)
    tag = audiences.buttons[0][1].split(":")[2]  # type: ignore[union-attr]
    pressed: SentMessage = audiences
    if op == "ok":
        await m.press(user, audiences, f"bc:a:{tag}:group")
        pressed = m.emu.observer.message(user, audiences.message_id)
    data = {"a": f"bc:a:{tag}:group", "ok": f"bc:ok:{tag}", "no": f"bc:no:{tag}"}[op]
    if in_group:
        pressed = await _details(m, user, True)
    return pressed, data


async def _import(
    op: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    if role != "organiser":
        return await _details(m, user, in_group), f"im:{op}:abcdef"
    mark = m.emu.observer.mark(user)
    await m.emu.people.send_document(user, "semaine.toml", PROGRAMME.encode())
    (preview,) = await m.emu.observer.wait_for_messages(user, 1, after=mark)
    await m.bot.settle()
    data = next(d for _, d in preview.buttons if d and d.startswith(f"im:{op}:"))
    return (await _details(m, user, True) if in_group else preview), data


# Questions to the organisers (/ask)
async def _question(m: Matrix, user: int, role: str, in_group: bool) -> tuple[SentMessage, str]:
    """A participant's question; an organiser presses Reply on their copy of it."""
    helper = await m.person("participant", False)
    asker = Asker(helper, f"Personne{helper}")
    question = await m.bot.services.questions.ask(asker, "Où dort-on ?", request=f"m{helper}")
    data = QuestionPress(question.id).pack()
    await m.quiet()
    if role == "organiser" and not in_group:
        copy = next(c for c in m.emu.observer.messages(user) if ("↩️ Répondre", data) in c.buttons)
        return copy, data
    return await _details(m, user, in_group), data


PROPOSAL_HOURS = count()  # each proposal of the table its own hour, from Wednesday on


async def _draft_proposal(m: Matrix, user: int, slot: bool) -> None:
    """Make a person's proposal draft, ready to send: in a slot of its own, or without one."""
    proposals = m.bot.services.proposals
    await proposals.begin(user)
    await proposals.typed(user, "Atelier proposé")
    await proposals.typed(user, "Une description.")
    await proposals.duration(user, 45)
    hour = next(PROPOSAL_HOURS)
    start = datetime(2026, 8, 26, 6, tzinfo=PARIS) + timedelta(hours=hour)
    await proposals.when(user, Slot(start, "Salle des Pins") if slot else None)
    await proposals.places(user, None)
    await proposals.language(user, "fr")


async def _proposal(
    op: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    """A proposal sent by someone else, in a slot of its own; pressed on the item's details."""
    helper = await m.person("participant", False)
    await _draft_proposal(m, helper, True)
    sent = await m.bot.services.proposals.submit(helper)
    return await _details(m, user, in_group), f"pr:{op}:{sent.proposal.id}"


async def _own_draft(
    op: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    if role != "stranger":
        await _draft_proposal(m, user, False)
    return await _details(m, user, in_group), f"pp:{op}"


async def _kids(
    data: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    """The presser's child (another person's, for a stranger), signed up to k for kid:out;
    pressed on k's details (group), or on /children (private)."""
    if "child" in data:
        parent = user if role != "stranger" else await m.person("participant", False)
        async with m.bot.db.transaction() as conn:
            child = await children_repo.add(conn, parent, "Lou", 6, m.bot.clock.now())
        if data.startswith("kid:out"):
            await m.bot.services.children.sign_up(parent, ref("k"), child.id)
        data = data.replace("child", str(child.id))
    data = data.replace(":k", f":{ref('k')}")
    if in_group or data.startswith(("kid:who", "kid:list")):  # list: shown in its place
        return await m.ask(user, "/workshop k", in_group), data
    return await m.ask(user, "/children", False), data


async def _starred(
    data: str, m: Matrix, user: int, role: str, in_group: bool
) -> tuple[SentMessage, str]:
    """Favourites and feedback: star the item first (anyone registered), then press."""
    if role != "stranger" and data == "fav:-:t":
        await m.bot.services.favourites.star(user, ref("t"), on=True)
    if role != "stranger" and data == "fb:e:1":
        await m.bot.services.favourites.star(user, ref("e"), on=True)  # over: came, starred
    return await _details(m, user, in_group), data.replace(":t", f":{ref('t')}").replace(
        ":e:", f":{ref('e')}:"
    )


SETUPS: dict[str, Callable[..., Awaitable[tuple[SentMessage, str]]]] = {
    "b:ws:t": partial(_plain, "b:ws:t"),
    "b:wc:t": _booked_in_t,
    "b:wx:t": _booked_in_x,
    "b:rs:r1": _rota,
    "b:rc:r1": partial(_on_rota, "rc"),
    "b:ro:r1": partial(_on_rota, "ro"),
    "b:rt:offer": _offer,
    "b:keep": partial(_plain, "b:keep"),
    "w:t": partial(_plain, "w:t"),
    "pg:d:0:20260825": partial(_plain, "pg:d:0:20260825"),
    "set:digest:0": partial(_asked, "/settings", "set:digest:0"),
    "lang:fr": partial(_asked, "/lang", "lang:fr"),
    "org:1": partial(_plain, "org:1"),
    "ch:i:t": partial(_plain, "ch:i:t"),
    "ch:k:t:cancel": partial(_plain, "ch:k:t:cancel"),
    "ch:ok": _change_draft,
    "ch:no": partial(_plain, "ch:no"),
    "bc:a:group": partial(_broadcast, "a"),
    "bc:ok": partial(_broadcast, "ok"),
    "bc:no": partial(_broadcast, "no"),
    "im:ok": partial(_import, "ok"),
    "im:no": partial(_import, "no"),
    # Questions to the organisers (/ask)
    "qa:question": _question,
    # Issue 14, part 1: sessions proposed in chat
    "pr:ok:p": partial(_proposal, "ok"),
    "pr:no:p": partial(_proposal, "no"),
    "pp:ok": partial(_own_draft, "ok"),
    "pp:no": partial(_own_draft, "no"),
    # The kids' club (issue 14, part 5)
    "kid:who:k": partial(_kids, "kid:who:k"),
    "kid:in:k:child": partial(_kids, "kid:in:k:child"),
    "kid:out:k:child": partial(_kids, "kid:out:k:child"),
    "kid:add": partial(_kids, "kid:add"),
    "kid:list": partial(_kids, "kid:list"),
    "kid:ed:child": partial(_kids, "kid:ed:child"),
    "kid:nm:child": partial(_kids, "kid:nm:child"),
    "kid:ag:child": partial(_kids, "kid:ag:child"),
    "kid:set:child:7": partial(_kids, "kid:set:child:7"),
    "kid:del:child": partial(_kids, "kid:del:child"),
    "kid:rm:child": partial(_kids, "kid:rm:child"),
    # Favourites and feedback (issue 14)
    "fav:+:t": partial(_starred, "fav:+:t"),
    "fav:-:t": partial(_starred, "fav:-:t"),
    "fb:e:1": partial(_starred, "fb:e:1"),
    "fb:e:3": partial(_starred, "fb:e:3"),
    "set:feedback:0": partial(_asked, "/settings", "set:feedback:0"),
}


@pytest.mark.parametrize(("button", "chat", "role", "outcome"), cells(BUTTONS))
async def test_button(
    matrix: Matrix,
    caplog: pytest.LogCaptureFixture,
    button: str,
    chat: str,
    role: str,
    outcome: Outcome,
) -> None:
    in_group = chat == "group"
    user = await matrix.person(role, in_group)
    message, data = await SETUPS[button](matrix, user, role, in_group)
    await matrix.quiet()
    where = message.chat_id
    watch = isinstance(outcome, Refused | Silent)  # only these promise an unchanged database
    before = await snapshot(matrix.bot) if watch else {}
    mark = matrix.emu.observer.mark(where)
    was = (message.plain_text, message.reply_markup)
    answer = await matrix.press(user, message, data)
    now = matrix.emu.observer.message(where, message.message_id)
    shown = [str(answer.get("text") or "")]
    shown += [m.plain_text for m in matrix.emu.observer.messages(where)[mark:]]
    if (now.plain_text, now.reply_markup) != was:
        shown.append(now.plain_text)
    changed = changes(before, await snapshot(matrix.bot)) if watch else []
    if isinstance(outcome, Kept):
        assert (now.plain_text, now.reply_markup) == was, (
            f"the group message was rewritten: {now.plain_text!r}"
        )
        assert not answer.get("show_alert"), f"a refusal instead: {answer}"
    else:
        check_shown(outcome, [t for t in shown if t], changed, BUGS.get((button, role), ""))
    assert not errors_logged(caplog.records), errors_logged(caplog.records)


# ─── The table covers everything ──────────────────────────────────────────────────────────


async def test_the_table_names_every_command_and_button(matrix: Matrix) -> None:
    handlers = matrix.bot.app.handlers[0]
    registered_commands = {
        name for h in handlers if isinstance(h, CommandHandler) for name in h.commands
    }
    in_table = {text.split()[0].lstrip("/") for text, _, _ in COMMANDS}
    assert in_table == registered_commands
    prefixes = {
        h.pattern.pattern.lstrip("^").rstrip("$")
        for h in handlers
        if isinstance(h, CallbackQueryHandler) and isinstance(h.pattern, re.Pattern)
    }
    covered = {p for p in prefixes if any(b.startswith(p) for b, _, _ in BUTTONS)}
    assert prefixes - covered == {"noop"}  # answered, nothing else: see the fuzz tests
    # the bot's own membership of a group: see test_the_bot_added_to_a_group_tells_organisers
    member_handlers = [h for h in handlers if isinstance(h, ChatMemberHandler)]
    assert [h.chat_member_types for h in member_handlers] == [ChatMemberHandler.MY_CHAT_MEMBER]
    # and a group become a supergroup: the same test, "upgraded"
    assert [h.callback.__name__ for h in handlers if isinstance(h, MessageHandler)].count(
        "migrated"
    ) == 1


GROUP_IDS = count(-1009000000000, -1)
BASIC_GROUP_IDS = count(-7000000, -1)


@pytest.mark.parametrize("how", ["added", "upgraded"])
@pytest.mark.parametrize("role", ROLES)
async def test_the_bot_added_to_a_group_tells_organisers_only(
    matrix: Matrix, caplog: pytest.LogCaptureFixture, role: str, how: str
) -> None:
    """Whoever adds the bot to a group (or makes a group a supergroup, a new chat id), the
    chat id goes to the organisers who started the bot, privately, and to nobody else; nothing
    but the outbox changes."""
    matrix.emu.world.users[ORGANISER].started = True  # registered: as if they had sent /start
    user = await matrix.person(role, False)
    chat, basic = next(GROUP_IDS), next(BASIC_GROUP_IDS)
    if how == "added":
        matrix.emu.cast.add_group(chat, f"Groupe de {user}", members=[user], bot="left")
    else:
        matrix.emu.cast.add_group(basic, f"Groupe de {user}", members=[user])
    await matrix.quiet()
    before = await snapshot(matrix.bot)
    marks = {person: matrix.emu.observer.mark(person) for person in matrix.emu.world.users}
    if how == "added":
        matrix.emu.cast.add_bot_to_group(chat, user)
    else:
        matrix.emu.cast.upgrade_group(basic, chat, user)
    await matrix.quiet()
    told = {person for person, mark in marks.items() if matrix.emu.observer.messages(person)[mark:]}
    s = matrix.bot.services
    organisers = {o for o in s.config.event.organisers if await s.people.get(o) is not None}
    assert told == organisers
    for organiser in told:
        (message,) = matrix.emu.observer.messages(organiser)[marks[organiser] :]
        assert f"announce_chat_id = {chat}" in message.plain_text
    assert matrix.emu.observer.messages(chat) == []
    assert changes(before, await snapshot(matrix.bot)) == ["outbox"]
    assert not errors_logged(caplog.records), errors_logged(caplog.records)


async def test_a_forged_press_cannot_rewrite_the_groups_notice(
    matrix: Matrix, caplog: pytest.LogCaptureFixture
) -> None:
    organiser = await matrix.person("organiser", True)
    await matrix.ask(organiser, "/notice Le bus part à 18 h devant l'accueil.", False)
    await matrix.quiet()
    (notice,) = [
        m
        for m in matrix.emu.observer.messages(GROUP)
        if "Le bus part à 18 h devant" in m.plain_text
    ][-1:]
    assert notice.message_id in matrix.emu.observer.pinned(GROUP)
    vandal = await matrix.person("participant", True)
    for data in ("pg:d:0:20260825", "set:digest:1", "lang:fr", "org:0", "b:keep", "ch:no"):
        await matrix.press(vandal, notice, data)
    facilitator = await matrix.person("this-facilitator", True)
    await matrix.press(facilitator, notice, f"ch:i:{ref('t')}")
    after = matrix.emu.observer.message(GROUP, notice.message_id)
    assert (after.plain_text, after.edits) == (notice.plain_text, [])
    assert not errors_logged(caplog.records)
