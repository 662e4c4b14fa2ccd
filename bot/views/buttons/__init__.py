"""What buttons carry: one small codec per feature, its pattern, `pack()` and `parse()`.

Each feature's codecs live in the module of its name (`bot/views/buttons/<feature>.py`); this
package gathers them, so `from bot.views.buttons import BookingPress` works for every codec,
and `CODECS` lists them all in one place.

A button's data is at most 64 bytes (tests/test_buttons.py packs every codec's worst case).
`parse` gives None for data the bot never made (forged, or of another shape): the handler
answers it as a bad or stale button, never with an exception. Handlers are registered by each
codec's PREFIX (handlers/__init__.py): data under a prefix that does not parse gets the
feature's own "bad button" answer.
"""

from __future__ import annotations

from bot.views.buttons.bookings import BookingOp, BookingPress, KeepPress
from bot.views.buttons.broadcasts import BroadcastPress
from bot.views.buttons.changes import ChangeAnswer, ChangePress
from bot.views.buttons.children import KidsPress
from bot.views.buttons.common import MAX_BYTES
from bot.views.buttons.favourites import FavouritePress
from bot.views.buttons.feedback import FeedbackPress
from bot.views.buttons.importing import ImportPress
from bot.views.buttons.items import DetailsPress
from bot.views.buttons.pages import PagePress
from bot.views.buttons.proposals import ProposalPress, ProposePress
from bot.views.buttons.questions import QuestionPress
from bot.views.buttons.settings import SettingsPress
from bot.views.buttons.start import LanguagePress, OrganisationPress

__all__ = [
    "CODECS",
    "MAX_BYTES",
    "BookingOp",
    "BookingPress",
    "BroadcastPress",
    "ChangeAnswer",
    "ChangePress",
    "Codec",
    "DetailsPress",
    "FavouritePress",
    "FeedbackPress",
    "ImportPress",
    "KeepPress",
    "KidsPress",
    "LanguagePress",
    "OrganisationPress",
    "PagePress",
    "ProposalPress",
    "ProposePress",
    "QuestionPress",
    "SettingsPress",
]

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
