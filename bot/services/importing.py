"""Importing a programme file an organiser sends in chat: its preview, kept pending, then
applied once on confirmation (bot/services/programme.py stores it)."""

from __future__ import annotations

import base64
import dataclasses
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.domain.errors import DomainError
from bot.domain.models import Programme
from bot.domain.programme import ImportPreview, ImportReport, fingerprint
from bot.services.drafts import DraftService
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeChanged, ProgrammeService
from storage import drafts as drafts_repo
from storage.db import Database
from storage.drafts import Draft

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Applied:
    """A confirmed import: its report; `again` when an earlier press had already applied it."""

    report: ImportReport
    again: bool = False


FLOW = "import.preview"
"""The drafts' flow of a pending import (its expiry message is `import.preview.draft_expired`)."""
NOTHING_PENDING = "import.preview.nothing_pending"


class ImportService:
    """Preview a programme file an organiser sent, keep it pending, apply it on confirmation.

    The pending import is a draft (see DraftService): the file itself, who sent it, and the
    fingerprints of the programme and of the file as previewed. Confirm applies it only if
    neither changed; it leaves a marker in its place, so a second press (or the same press
    replayed after a restart) hears the report again and applies nothing.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        programme: ProgrammeService,
        people: PeopleService,
        drafts: DraftService,
        threshold: float,
    ) -> None:
        self._db = db
        self._clock = clock
        self._programme = programme
        self._people = people
        self._drafts = drafts
        self.threshold = threshold
        """Removing more than this share of the programme needs a second confirmation."""

    def _require_organiser(self, user_id: int, key: str = "common.not_allowed") -> None:
        if not self._people.is_organiser(user_id):
            raise DomainError(key)

    async def propose(self, user_id: int, data: bytes, filename: str) -> ImportPreview:
        """Read a file an organiser sent and keep it pending; give what it would change."""
        self._require_organiser(user_id, "programme.organisers_only")
        programme = self._programme.read(data, filename)
        return await self._keep(user_id, data, filename, programme)

    async def _keep(
        self, user_id: int, data: bytes, filename: str, programme: Programme
    ) -> ImportPreview:
        preview = await self._programme.preview(programme, filename)
        tag = secrets.token_hex(3)
        body = {
            "file": base64.b64encode(data).decode("ascii"),
            "name": filename,
            "old": preview.old,
            "new": preview.new,
        }
        await self._drafts.put(user_id, FLOW, tag, body)
        return dataclasses.replace(preview, tag=tag, large=preview.too_much(self.threshold))

    async def _pending(self, user_id: int, tag: str) -> Draft:
        draft = await self._drafts.get(user_id, FLOW)
        if draft is None or draft.tag != tag:
            raise DomainError(NOTHING_PENDING)
        return draft

    async def cancel(self, user_id: int, tag: str) -> None:
        """Forget a pending import, unless it was already applied."""
        self._require_organiser(user_id)
        draft = await self._pending(user_id, tag)
        if "applied" in draft.body:
            raise DomainError("import.preview.already_applied")
        await self._drafts.drop(user_id, FLOW)

    async def confirm(
        self, user_id: int, tag: str, *, sure: bool = False
    ) -> Applied | ImportPreview:
        """Apply a pending import exactly as previewed, once.

        Gives the import's report; or, instead, a preview to show: the second confirmation a
        large removal needs (sure_needed), or a new preview when the programme changed since
        (changed_meanwhile, kept pending in place of the old one).
        """
        self._require_organiser(user_id)
        draft = await self._pending(user_id, tag)
        if "applied" in draft.body:
            return Applied(_report(draft.body["applied"]), again=True)
        data = base64.b64decode(draft.body["file"])
        name = str(draft.body["name"])
        programme = self._programme.read(data, name)
        if fingerprint(programme) != draft.body["new"]:
            # Read otherwise than before (the rules in the config changed): show it again
            return dataclasses.replace(
                await self._keep(user_id, data, name, programme), changed_meanwhile=True
            )
        if not sure:
            preview = await self._programme.preview(programme, name)
            if preview.old == draft.body["old"] and preview.too_much(self.threshold):
                return dataclasses.replace(preview, tag=tag, large=True, sure_needed=True)
        try:
            async with self._db.transaction() as conn:
                taken = await self._drafts.take(conn, user_id, FLOW, tag, missing=NOTHING_PENDING)
                if "applied" in taken.body:
                    raise _AppliedMeanwhile(_report(taken.body["applied"]))
                stored = await self._programme.store(conn, programme, expected=taken.body["old"])
                marker = {"applied": _report_body(stored.report)}
                await drafts_repo.put(
                    conn, Draft(user_id, FLOW, tag, marker, None, self._clock.now())
                )
        except _AppliedMeanwhile as exc:
            return Applied(exc.report, again=True)
        except ProgrammeChanged:
            log.info("import of %s by %s: the programme changed since its preview", name, user_id)
            return dataclasses.replace(
                await self._keep(user_id, data, name, programme), changed_meanwhile=True
            )
        log.info("import of %s confirmed by %s", name, user_id)
        await self._programme.stored(stored)
        return Applied(stored.report)


class _AppliedMeanwhile(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


def _report_body(report: ImportReport) -> dict[str, Any]:
    return {
        "added": list(report.added),
        "changed": list(report.changed),
        "removed": list(report.removed),
        "unchanged": report.unchanged,
        "rota_slots": report.rota_slots,
        "rooms": report.rooms,
        "kept": list(report.kept),
    }


def _report(body: Mapping[str, Any]) -> ImportReport:
    return ImportReport(
        added=tuple(body["added"]),
        changed=tuple(body["changed"]),
        removed=tuple(body["removed"]),
        unchanged=int(body["unchanged"]),
        rota_slots=int(body["rota_slots"]),
        rooms=int(body["rooms"]),
        kept=tuple(body["kept"]),
    )
