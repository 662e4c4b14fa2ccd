"""The sample week's proposed sessions (examples/bigre-2026-proposals.toml), for `make demo`.

Each proposer is registered, their proposal is sent through the service as the /propose flow
sends it, and those marked `approved` are approved by the organiser given: the demo then
shows proposed items on the programme, and cards waiting for the organisers.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Services
from bot.domain.errors import DomainError
from bot.domain.proposals import Slot

SAMPLE_PROPOSALS = Path(__file__).resolve().parents[2] / "examples" / "bigre-2026-proposals.toml"


async def load_sample_proposals(
    services: Services, organiser: int, path: Path = SAMPLE_PROPOSALS
) -> int:
    """Send the sample proposals, approving those marked so; give how many were sent.

    A proposal that does not fit the programme loaded (a room or slot another sample lacks,
    as in the tests' own programmes) is left out, its draft dropped.
    """
    tz: ZoneInfo = services.config.event.tz
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("proposal", [])
    sent = 0
    for entry in entries:
        user = int(entry["user_id"])
        await services.people.register(
            user, entry["first_name"], entry.get("last_name"), entry.get("username"), "fr"
        )
        try:
            await _send(services, organiser, user, entry, tz)
        except DomainError:
            await services.proposals.abandon(user)
            continue
        sent += 1
    return sent


async def _send(
    services: Services, organiser: int, user: int, entry: dict[str, Any], tz: ZoneInfo
) -> None:
    """Send one sample proposal as the /propose flow does, and approve it if marked so."""
    proposals = services.proposals
    await proposals.begin(user)
    await proposals.typed(user, entry["title"])
    await proposals.typed(user, entry["description"])
    await proposals.duration(user, int(entry["minutes"]))
    start = entry.get("start")
    slot = None
    if isinstance(start, datetime):
        slot = Slot(start.replace(tzinfo=tz) if start.tzinfo is None else start, entry["room"])
    await proposals.when(user, slot)
    await proposals.places(user, entry.get("places"))
    await proposals.language(user, entry.get("language", "both"))
    submitted = await proposals.submit(user)
    if entry.get("approved"):
        await services.proposal_decisions.approve(organiser, submitted.proposal.id)
