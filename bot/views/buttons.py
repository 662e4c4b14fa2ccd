"""What buttons carry: one small codec per feature, its pattern, `pack()` and `parse()`.

A button's data is at most 64 bytes (tests/test_buttons.py packs every codec's worst case).
`parse` gives None for data the bot never made (forged, or of another shape): the handler
answers it as a bad or stale button, never with an exception. Handlers are registered by each
codec's PREFIX (handlers/__init__.py): data under a prefix that does not parse gets the
feature's own "bad button" answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Literal

from bot.domain.audience import AudienceKind
from bot.domain.booking import REF_LENGTH, TargetKind

MAX_BYTES = 64
"""Telegram's limit on a button's callback data."""


class BookingOp(StrEnum):
    """What a booking button does, and to what: a workshop (w) or a rota slot (r)."""

    SIGN_UP = "ws"
    CANCEL = "wc"
    SWITCH = "wx"
    TAKE_SLOT = "rs"
    LEAVE_SLOT = "rc"
    SWITCH_SLOT = "rx"
    OFFER = "ro"
    """Offer one's rota slot to others (I can't make it)."""
    TAKE_OFFER = "rt"
    """Take a rota slot someone offered (its argument is the offer's number)."""

    @property
    def kind(self) -> TargetKind:
        """Tell whether the button is about a workshop or a rota slot."""
        return TargetKind.WORKSHOP if self.value[0] == "w" else TargetKind.ROTA

    @property
    def move(self) -> str:
        """Give the move: s (sign up / take), c (cancel / leave), x (switch), o, t."""
        return self.value[1]


@dataclass(frozen=True, slots=True)
class BookingPress:
    """A booking button: `op` on the item or slot `arg` names (its ref, or an offer's number)."""

    PREFIX: ClassVar[str] = r"^b:"
    """What the handler is registered by (KeepPress shares it); the rest is checked by parse."""
    PATTERN: ClassVar[str] = r"^b:(?P<op>w[scx]|r[scxot]):(?P<arg>[A-Za-z0-9_-]{1,20})$"
    op: BookingOp
    arg: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"b:{self.op.value}:{self.arg}"

    @classmethod
    def parse(cls, data: str) -> BookingPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(BookingOp(match["op"]), match["arg"])


@dataclass(frozen=True, slots=True)
class KeepPress:
    """The button that keeps one's bookings as they are (after a clash)."""

    PATTERN: ClassVar[str] = r"^b:keep$"

    def pack(self) -> str:
        """Give the callback data."""
        return "b:keep"

    @classmethod
    def parse(cls, data: str) -> KeepPress | None:
        """Read callback data; None when the bot never made it."""
        return cls() if re.match(cls.PATTERN, data) else None


@dataclass(frozen=True, slots=True)
class SettingsPress:
    """A /settings button: turn the digest, the reminders or the feedback question on or off."""

    PREFIX: ClassVar[str] = r"^set:"
    PATTERN: ClassVar[str] = r"^set:(?P<what>digest|reminders|feedback):(?P<on>[01])$"
    what: Literal["digest", "reminders", "feedback"]
    on: bool

    def pack(self) -> str:
        """Give the callback data."""
        return f"set:{self.what}:{int(self.on)}"

    @classmethod
    def parse(cls, data: str) -> SettingsPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        what: Literal["digest", "reminders", "feedback"] = (
            "digest"
            if match["what"] == "digest"
            else "reminders"
            if match["what"] == "reminders"
            else "feedback"
        )
        return cls(what, match["on"] == "1")


@dataclass(frozen=True, slots=True)
class DetailsPress:
    """An item's details button (w:<ref>); the ref is looked up, an unknown one is stale."""

    PREFIX: ClassVar[str] = r"^w:"
    PATTERN: ClassVar[str] = r"^w:(?P<ref>.*)\Z"
    ref: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"w:{self.ref}"

    @classmethod
    def parse(cls, data: str) -> DetailsPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data, re.DOTALL)
        return None if match is None else cls(match["ref"])


@dataclass(frozen=True, slots=True)
class LanguagePress:
    """A language button (lang:fr, lang:en); the people service checks the code."""

    PREFIX: ClassVar[str] = r"^lang:"
    PATTERN: ClassVar[str] = r"^lang:(?P<code>.*)\Z"
    code: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"lang:{self.code}"

    @classmethod
    def parse(cls, data: str) -> LanguagePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data, re.DOTALL)
        return None if match is None else cls(match["code"])


@dataclass(frozen=True, slots=True)
class OrganisationPress:
    """An organisation button: its place in the configured list, or None to skip."""

    PREFIX: ClassVar[str] = r"^org:"
    PATTERN: ClassVar[str] = r"^org:(?P<choice>-|[0-9]{1,3})\Z"
    index: int | None

    def pack(self) -> str:
        """Give the callback data."""
        return f"org:{'-' if self.index is None else self.index}"

    @classmethod
    def parse(cls, data: str) -> OrganisationPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        return cls(None if match["choice"] == "-" else int(match["choice"]))


@dataclass(frozen=True, slots=True)
class ImportPress:
    """A programme file's preview button: confirm, confirm once more, or cancel; its draft's tag."""

    PREFIX: ClassVar[str] = r"^im:"
    PATTERN: ClassVar[str] = r"^im:(?P<op>ok|sure|no):(?P<tag>[0-9a-f]{6})$"
    op: Literal["ok", "sure", "no"]
    tag: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"im:{self.op}:{self.tag}"

    @classmethod
    def parse(cls, data: str) -> ImportPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        op: Literal["ok", "sure", "no"] = (
            "ok" if match["op"] == "ok" else "sure" if match["op"] == "sure" else "no"
        )
        return cls(op, match["tag"])


@dataclass(frozen=True, slots=True)
class ChangePress:
    """A step of /change on one item: `op` (i, k, t, r, s, l, p), the item's ref, an argument."""

    PREFIX: ClassVar[str] = r"^ch:"
    """What the handler is registered by (ChangeAnswer shares it)."""
    PATTERN: ClassVar[str] = (
        r"^ch:(?P<op>[iktrslp]):(?P<ref>[A-Za-z0-9_-]{11})(?::(?P<arg>[a-z0-9-]{1,12}))?$"
    )
    op: str
    ref: str
    arg: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"ch:{self.op}:{self.ref}" + ("" if self.arg is None else f":{self.arg}")

    @classmethod
    def parse(cls, data: str) -> ChangePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(match["op"], match["ref"], match["arg"])


@dataclass(frozen=True, slots=True)
class ChangeAnswer:
    """The last step of /change: confirm (ok), confirm and share the room (sh), or abandon."""

    PATTERN: ClassVar[str] = r"^ch:(?P<answer>ok|sh|no)$"
    answer: Literal["ok", "sh", "no"]

    def pack(self) -> str:
        """Give the callback data."""
        return f"ch:{self.answer}"

    @classmethod
    def parse(cls, data: str) -> ChangeAnswer | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        answer: Literal["ok", "sh", "no"] = (
            "ok" if match["answer"] == "ok" else "sh" if match["answer"] == "sh" else "no"
        )
        return cls(answer)


_BROADCAST_ARGS = {  # what each operation's argument looks like; the others take none
    "a": re.compile("|".join(kind.value for kind in AudienceKind)),
    "o": re.compile(r"\d{1,2}"),
    "i": re.compile(rf"[A-Za-z0-9_-]{{{REF_LENGTH}}}"),
}


@dataclass(frozen=True, slots=True)
class BroadcastPress:
    """A step of /broadcast on the draft `tag`: an audience (a), an organisation (o), an item
    (i), send (ok), send to everyone (sure) or cancel (no); `arg` as the operation needs."""

    PREFIX: ClassVar[str] = r"^bc:"
    PATTERN: ClassVar[str] = (
        r"^bc:(?P<op>a|o|i|ok|sure|no):(?P<tag>[0-9a-f]{6})(?::(?P<arg>[A-Za-z0-9_-]{1,20}))?$"
    )
    op: str
    tag: str
    arg: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"bc:{self.op}:{self.tag}" + ("" if self.arg is None else f":{self.arg}")

    @classmethod
    def parse(cls, data: str) -> BroadcastPress | None:
        """Read callback data; None when the bot never made it (an argument of the wrong shape)."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        op, arg = match["op"], match["arg"]
        shape = _BROADCAST_ARGS.get(op)
        well_formed = arg is None if shape is None else arg is not None and shape.fullmatch(arg)
        return cls(op, match["tag"], arg) if well_formed else None


@dataclass(frozen=True, slots=True)
class PagePress:
    """A page of a long answer: a day (d), a search (s) or a room (r), the page, what to redo.

    `pack` cuts the argument (a search's words, a room's name) to fit the 64 bytes.
    """

    PREFIX: ClassVar[str] = r"^pg:"
    PATTERN: ClassVar[str] = r"^pg:(?P<view>[drs]):(?P<page>\d{1,3}):(?P<arg>.*)$"
    view: str
    page: int
    arg: str

    def pack(self) -> str:
        """Give the callback data, the argument cut to fit."""
        prefix, arg = f"pg:{self.view}:{self.page}:", self.arg
        while len((prefix + arg).encode()) > MAX_BYTES:
            arg = arg[:-1]
        return prefix + arg

    @classmethod
    def parse(cls, data: str) -> PagePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data, re.DOTALL)
        if match is None:
            return None
        return cls(match["view"], int(match["page"]), match["arg"])


# Questions to the organisers (/ask)
@dataclass(frozen=True, slots=True)
class QuestionPress:
    """An organiser's Reply button on a relayed question (its number)."""

    PREFIX: ClassVar[str] = r"^qa:"
    PATTERN: ClassVar[str] = r"^qa:(?P<id>[1-9][0-9]{0,11})\Z"
    question_id: int

    def pack(self) -> str:
        """Give the callback data."""
        return f"qa:{self.question_id}"

    @classmethod
    def parse(cls, data: str) -> QuestionPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(int(match["id"]))


# Issue 14, part 1: sessions proposed in chat
_SLOT = r"[0-9]{12}:[0-9a-f]{6}"
"""A slot on a button: its start (UTC, YYYYMMDDHHMM) and a digest of the room's name."""


@dataclass(frozen=True, slots=True)
class ProposePress:
    """A step of /propose: a duration (d), a slot (at), the organisers choose (org), places
    (c), a language (l), send (ok) or drop (no); `arg` as the step needs."""

    PREFIX: ClassVar[str] = r"^pp:"
    PATTERN: ClassVar[str] = (
        rf"^pp:(?:(?P<op>d|c|l|at):(?P<arg>[0-9]{{1,3}}|fr|en|both|{_SLOT})|(?P<bare>org|ok|no))$"
    )
    op: str
    arg: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"pp:{self.op}" + ("" if self.arg is None else f":{self.arg}")

    @classmethod
    def parse(cls, data: str) -> ProposePress | None:
        """Read callback data; None when the bot never made it (an argument of the wrong shape)."""
        match = re.match(cls.PATTERN, data)
        if match is None:
            return None
        if match["bare"]:
            return cls(match["bare"])
        op, arg = match["op"], match["arg"]
        shapes = {"d": r"[0-9]{1,3}", "c": r"[0-9]{1,3}", "l": r"fr|en|both", "at": _SLOT}
        return cls(op, arg) if re.fullmatch(shapes[op], arg) else None


@dataclass(frozen=True, slots=True)
class ProposalPress:
    """An organiser's button on a proposal's card: approve (ok), move (mv), decline (no), or
    approve in another slot (at, with the slot)."""

    PREFIX: ClassVar[str] = r"^pr:"
    PATTERN: ClassVar[str] = (
        rf"^pr:(?P<op>ok|mv|no|at):(?P<id>[0-9]{{1,9}})(?::(?P<slot>{_SLOT}))?$"
    )
    op: str
    proposal_id: int
    slot: str | None = None

    def pack(self) -> str:
        """Give the callback data."""
        return f"pr:{self.op}:{self.proposal_id}" + ("" if self.slot is None else f":{self.slot}")

    @classmethod
    def parse(cls, data: str) -> ProposalPress | None:
        """Read callback data; None when the bot never made it (a slot only with at)."""
        match = re.match(cls.PATTERN, data)
        if match is None or (match["op"] == "at") != (match["slot"] is not None):
            return None
        return cls(match["op"], int(match["id"]), match["slot"])


# The kids' club (issue 14, part 5)
_KIDS_ARGS = {  # what each operation carries: an item's ref, a child's id, an age
    "who": (True, False, False),
    "in": (True, True, False),
    "out": (True, True, False),
    "add": (False, False, False),
    "list": (False, False, False),
    "ed": (False, True, False),
    "nm": (False, True, False),
    "ag": (False, True, False),
    "del": (False, True, False),
    "rm": (False, True, False),
    "set": (False, True, True),
}


@dataclass(frozen=True, slots=True)
class KidsPress:
    """A kids' club button: "for whom?" (who), sign a child up (in) or off (out) an item;
    /children's add, list, edit (ed), name (nm), age (ag), remove (del, then rm), and an age
    chosen (set; child 0 is the one being added)."""

    PREFIX: ClassVar[str] = r"^kid:"
    PATTERN: ClassVar[str] = (
        r"^kid:(?P<op>[a-z]{2,4})(?::(?P<ref>[A-Za-z0-9_-]{11}))?"
        r"(?::(?P<child>[0-9]{1,9}))?(?::(?P<age>[0-9]{1,2}))?$"
    )
    op: str
    ref: str | None = None
    child: int | None = None
    age: int | None = None

    def pack(self) -> str:
        """Give the callback data."""
        parts = [self.op, self.ref, self.child, self.age]
        return "kid:" + ":".join(str(p) for p in parts if p is not None)

    @classmethod
    def parse(cls, data: str) -> KidsPress | None:
        """Read callback data; None when the bot never made it (an argument missing or extra)."""
        match = re.match(cls.PATTERN, data)
        if match is None or match["op"] not in _KIDS_ARGS:
            return None
        shape = (match["ref"] is not None, match["child"] is not None, match["age"] is not None)
        if shape != _KIDS_ARGS[match["op"]]:
            return None
        child = int(match["child"]) if match["child"] is not None else None
        age = int(match["age"]) if match["age"] is not None else None
        return cls(match["op"], match["ref"], child, age)


# Favourites and feedback (issue 14, parts 2 and 3)
@dataclass(frozen=True, slots=True)
class FavouritePress:
    """The "remind me" button of an item: star it (+) or unstar it (-), by the item's ref."""

    PREFIX: ClassVar[str] = r"^fav:"
    PATTERN: ClassVar[str] = rf"^fav:(?P<on>[+-]):(?P<ref>[A-Za-z0-9_-]{{{REF_LENGTH}}})$"
    on: bool
    ref: str

    def pack(self) -> str:
        """Give the callback data."""
        return f"fav:{'+' if self.on else '-'}:{self.ref}"

    @classmethod
    def parse(cls, data: str) -> FavouritePress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(match["on"] == "+", match["ref"])


@dataclass(frozen=True, slots=True)
class FeedbackPress:
    """An answer to "how was it?": the item's ref and the score (1 good, 2 so-so, 3 not good)."""

    PREFIX: ClassVar[str] = r"^fb:"
    PATTERN: ClassVar[str] = rf"^fb:(?P<ref>[A-Za-z0-9_-]{{{REF_LENGTH}}}):(?P<score>[123])$"
    ref: str
    score: int

    def pack(self) -> str:
        """Give the callback data."""
        return f"fb:{self.ref}:{self.score}"

    @classmethod
    def parse(cls, data: str) -> FeedbackPress | None:
        """Read callback data; None when the bot never made it."""
        match = re.match(cls.PATTERN, data)
        return None if match is None else cls(match["ref"], int(match["score"]))


Codec = (
    BookingPress
    | KeepPress
    | SettingsPress
    | DetailsPress
    | LanguagePress
    | OrganisationPress
    | ImportPress
    | ChangePress
    | ChangeAnswer
    | BroadcastPress
    | PagePress
    | QuestionPress
    # Issue 14, part 1: sessions proposed in chat
    | ProposePress
    | ProposalPress
    | KidsPress
    | FavouritePress
    | FeedbackPress
)
"""Any button's data, read."""

CODECS = (
    BookingPress,
    KeepPress,
    SettingsPress,
    DetailsPress,
    LanguagePress,
    OrganisationPress,
    ImportPress,
    ChangePress,
    ChangeAnswer,
    BroadcastPress,
    PagePress,
    QuestionPress,
    # Issue 14, part 1: sessions proposed in chat
    ProposePress,
    ProposalPress,
    KidsPress,
    # Favourites and feedback (issue 14, parts 2 and 3)
    FavouritePress,
    FeedbackPress,
)
"""Every codec: tests/test_buttons.py packs the worst case of each."""
