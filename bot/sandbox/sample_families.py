"""The sample week's family, for `make demo`: a parent, her two children, one kids' club sign-up.

So that `/participants` on a kids' item (as an organiser) shows a roster, and `/children` as
the parent shows her children (issue 14, part 5).
"""

from __future__ import annotations

from bot.domain.booking import ref
from bot.domain.models import Kind
from bot.sandbox.demo_people import Identity
from bot.sandbox.demo_screen import DEMO_LANGUAGE
from bot.sandbox.harness import Harness

PARENT = Identity("parent", 1004, "Inès", "Roux")
CHILDREN = (("Léa", 6), ("Tom", 4))


async def sample_families(harness: Harness) -> None:
    """Register the sample parent's children and sign the eldest up for the first kids' item."""
    s, emu = harness.services, harness.emu
    emu.cast.add_user(PARENT.user_id, PARENT.first_name, last_name=PARENT.last_name)
    emu.world.users[PARENT.user_id].started = True  # as if she had written to the bot
    parent, _ = await s.people.register(
        PARENT.user_id, PARENT.first_name, PARENT.last_name, None, DEMO_LANGUAGE
    )
    children = [await s.children.register(parent, name, age) for name, age in CHILDREN]
    now = harness.clock.now()
    items = (await s.programme.current()).workshops
    club = next(
        (w for w in items if w.kind is Kind.KIDS and w.takes_signups and w.start > now), None
    )
    if club is not None:
        await s.children.sign_up(parent.user_id, ref(club.id), children[0].id)
