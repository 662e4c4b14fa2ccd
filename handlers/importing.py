"""Organisers send a programme file in private chat; the bot loads it, all or nothing."""

from __future__ import annotations

import html

from telegram import Update

from bot.app import Context
from bot.domain.errors import DomainError, ProgrammeFileError
from bot.reply import Reply
from handlers.common import renderer, send, services

MAX_FILE_KB = 8 * 1024
EXTENSIONS = (".toml", ".csv", ".json", ".xml", ".ics", ".ical", ".txt")


async def programme_file(update: Update, context: Context) -> None:
    """Import a programme file an organiser sent."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.document is not None and user is not None
    s = services(context)
    if not s.people.is_organiser(user.id):
        raise DomainError("programme.organisers_only")
    document = message.document
    name = document.file_name or "programme"
    if not name.lower().endswith(EXTENSIONS):
        raise DomainError("programme.not_a_programme")
    if document.file_size and document.file_size > MAX_FILE_KB * 1024:
        raise DomainError(
            "programme.file_too_big", size=document.file_size // 1024, limit=MAX_FILE_KB
        )
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    r = await renderer(update, context)
    try:
        report = await s.programme.import_bytes(data, name)
    except ProgrammeFileError as exc:
        # Parameters quote the file, which may hold < or &
        reason = r(exc.key, **{k: html.escape(str(v)) for k, v in exc.params.items()})
        await send(update, context, Reply(r("programme.import_refused", reason=reason)))
        return
    text = r(
        "programme.imported",
        total=report.total,
        added=len(report.added),
        changed=len(report.changed),
        removed=len(report.removed),
        rooms=report.rooms,
        rota=report.rota_slots,
    )
    if report.kept:
        text += "\n" + r("programme.kept_changes", count=len(report.kept))
    await send(update, context, Reply(text))
