"""Every handler, registered in one place. Order matters: the first match in a group wins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

if TYPE_CHECKING:
    from bot.app import Context, RencontreApp


class _AddressedToBot(filters.MessageFilter):
    """A group message that mentions the bot or replies to it."""

    def filter(self, message: object) -> bool:
        from telegram import Message

        if not isinstance(message, Message) or not message.text:
            return False
        username = message.get_bot().username
        if username and f"@{username}".casefold() in message.text.casefold():
            return True
        reply = message.reply_to_message
        return bool(reply and reply.from_user and reply.from_user.id == message.get_bot().id)


async def _gatekeeper(update: Update, context: Context) -> None:
    """Drop what the bot never answers: edits, channel posts, updates without a person."""
    if (
        update.edited_message is not None
        or update.edited_channel_post is not None
        or update.channel_post is not None
        or update.effective_user is None
        or update.effective_user.is_bot
    ):
        raise ApplicationHandlerStop


def register(app: RencontreApp) -> None:
    """Register every handler in its group and order."""
    from handlers import (
        awaiting,
        bookings,
        broadcast,
        change,
        errors,
        help,
        importing,
        programme,
        roles,
        settings,
        start,
    )

    private = filters.ChatType.PRIVATE
    # Group -2: the gatekeeper runs before everything else
    app.add_handler(TypeHandler(Update, _gatekeeper), group=-2)
    # Group -1: a command or another message's button ends a flow's wait for text
    app.add_handler(MessageHandler(filters.COMMAND, awaiting.give_way), group=-1)
    app.add_handler(CallbackQueryHandler(awaiting.give_way), group=-1)

    # Group 0, in order:
    # 1. commands (French aliases next to the English names); private ones may show personal
    #    data or start a conversation
    commands = [
        (("start",), start.start, private),
        (("help", "aide"), help.help_, None),
        (("lang", "langue"), start.lang, None),
        (("next", "suite", "ensuite"), programme.next_, None),
        (("now", "maintenant"), programme.now, None),
        (("today", "aujourdhui"), programme.today, None),
        (("tomorrow", "demain"), programme.tomorrow, None),
        (("day", "jour"), programme.day, None),
        (("room", "salle"), programme.room, None),
        (("search", "cherche", "chercher"), programme.search, None),
        (("workshop", "atelier"), programme.workshop, None),
        (("mine", "moi", "monprogramme"), bookings.mine, private),
        (("participants", "inscrits"), bookings.participants, private),
        (("rota", "rangement"), bookings.rota, None),
        (("settings", "reglages"), settings.settings, None),
        (("invites", "invitations"), roles.invites, private),
        (("facilitator", "animateur"), roles.facilitator, private),
        (("change", "changer"), change.change, private),
        (("log", "journal"), change.audit_log, private),
        (("broadcast", "diffuser"), broadcast.broadcast, private),
        (("notice", "annonce"), broadcast.notice, None),
        (("notices", "annonces"), broadcast.notices, None),
    ]
    for names, callback, only in commands:
        app.add_handler(CommandHandler(list(names), callback, filters=only))
    # 1b. a private command sent in a group (/cmd or /cmd@this_bot) gets a hint, not silence
    kept_private = [name for names, _, only in commands if only is private for name in names]
    groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler(kept_private, help.private_only, filters=groups))
    # 2. buttons, by the prefix of their data; anything else is refused last
    app.add_handler(CallbackQueryHandler(start.organisation_chosen, pattern=r"^org:"))
    app.add_handler(CallbackQueryHandler(start.lang_chosen, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(programme.workshop_button, pattern=r"^w:"))
    app.add_handler(CallbackQueryHandler(programme.page_button, pattern=r"^pg:"))
    app.add_handler(CallbackQueryHandler(programme.noop_button, pattern=r"^noop$"))
    app.add_handler(CallbackQueryHandler(bookings.button, pattern=r"^b:"))
    app.add_handler(CallbackQueryHandler(settings.settings_button, pattern=r"^set:"))
    app.add_handler(CallbackQueryHandler(change.button, pattern=r"^ch:"))
    app.add_handler(CallbackQueryHandler(broadcast.button, pattern=r"^bc:"))
    app.add_handler(CallbackQueryHandler(importing.button, pattern=r"^im:"))
    app.add_handler(CallbackQueryHandler(_bad_button))
    # 3. files: organisers load the programme
    app.add_handler(MessageHandler(private & filters.Document.ALL, importing.programme_file))
    # 4. plain words: every private text, group texts addressed to the bot
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, programme.plain_words)
    )
    app.add_handler(
        MessageHandler(
            groups & filters.TEXT & ~filters.COMMAND & _AddressedToBot(),
            programme.plain_words,
        )
    )
    # 5. unknown commands in private chat get a hint
    app.add_handler(MessageHandler(private & filters.COMMAND, help.unknown_command))

    app.add_error_handler(errors.on_error)


async def _bad_button(update: Update, context: Context) -> None:
    """Refuse button data the bot never made."""
    from bot.domain.errors import DomainError

    raise DomainError("common.bad_button")
