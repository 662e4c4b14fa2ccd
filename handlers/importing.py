"""Organisers send a programme file in private chat; the bot shows what it would change, and
loads it, all or nothing, once they confirm (twice when it removes much of the programme).

The pending file is the service's (kept in the database under a short random tag that the
preview's buttons carry), so Confirm still works after a restart, until it expires.
"""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.domain.errors import DomainError, ProgrammeFileError
from bot.domain.programme import ImportReport
from bot.i18n import Count
from bot.reply import Reply
from bot.services.importing import Applied
from bot.views import importing as importing_view
from bot.views.buttons import ImportPress
from bot.views.common import Renderer
from handlers.common import edit, renderer, send, services

MAX_FILE_KB = 8 * 1024
EXTENSIONS = (".toml", ".csv", ".json", ".xml", ".ics", ".ical", ".txt")


async def programme_file(update: Update, context: Context) -> None:
    """Preview a programme file an organiser sent; nothing changes before Confirm."""
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
            "programme.file_too_big",
            size=Count(document.file_size // 1024),
            limit=Count(MAX_FILE_KB),
        )
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    r = await renderer(update, context)
    try:
        preview = await s.imports.propose(user.id, data, name)
    except ProgrammeFileError as exc:
        # Parameters quote the file, which may hold < or &
        reason = r(exc.key, **{k: str(v) for k, v in exc.params.items()})
        await send(update, context, Reply(r("programme.import_refused", reason=reason)))
        return
    await send(update, context, importing_view.import_preview(r, preview))


async def button(update: Update, context: Context) -> None:
    """Confirm (once more, when it removes much) or cancel a pending programme file (im:...)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    press = ImportPress.parse(query.data)
    if press is None:
        raise DomainError("common.bad_button")
    s = services(context)
    user_id = query.from_user.id
    op, tag = press.op, press.tag
    r = await renderer(update, context)
    if op == "no":
        await s.imports.cancel(user_id, tag)
        await query.answer()
        await edit(update, Reply(r("import.preview.cancelled")))
        return
    outcome = await s.imports.confirm(user_id, tag, sure=op == "sure")
    await query.answer()
    if not isinstance(outcome, Applied):
        await edit(update, importing_view.import_preview(r, outcome))
        return
    text = report_text(r, outcome.report)
    if outcome.again:
        text += "\n" + r("import.preview.again")
    await edit(update, Reply(text))
    s.outbox.wake()


def report_text(r: Renderer, report: ImportReport) -> str:
    """Say what an import did."""
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
        text += "\n" + r("programme.kept_changes", n=len(report.kept))
    return text
