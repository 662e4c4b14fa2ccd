"""Every handler, registered in one place. Order matters: the first match in a group wins."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import BY_NAME, COMMANDS
from bot.context import Context, RencontreApp
from bot.domain.errors import DomainError
from bot.views.buttons import (
    BookingPress,
    BroadcastPress,
    ChangePress,
    DetailsPress,
    FavouritePress,
    FeedbackPress,
    ImportPress,
    KidsPress,
    LanguagePress,
    OrganisationPress,
    PagePress,
    ProposalPress,
    ProposePress,
    QuestionPress,
    SettingsPress,
)
from handlers import (
    awaiting,
    bookings,
    broadcast,
    calendar,
    change,
    children,
    errors,
    favourites,
    feedback,
    help,
    importing,
    membership,
    plain_words,
    programme,
    proposals,
    questions,
    roles,
    settings,
    start,
    status,
)


class _AddressedToBot(filters.MessageFilter):
    """A group message that mentions the bot or replies to it."""

    def filter(self, message: object) -> bool:
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
    private = filters.ChatType.PRIVATE
    # Group -2: the gatekeeper runs before everything else
    app.add_handler(TypeHandler(Update, _gatekeeper), group=-2)
    # Group -1: a command or another message's button ends a flow's wait for text
    app.add_handler(MessageHandler(filters.COMMAND, awaiting.give_way), group=-1)
    app.add_handler(CallbackQueryHandler(awaiting.give_way), group=-1)

    # Group 0, in order:
    # 1. commands, from the one table (bot/commands.py: French aliases next to the English
    #    names); private ones may show personal data or start a conversation
    callbacks = {
        "start": start.start,
        "help": help.help_,
        "lang": start.lang,
        "next": programme.next_,
        "now": programme.now,
        "today": programme.today,
        "tomorrow": programme.tomorrow,
        "day": programme.day,
        "room": programme.room,
        "search": programme.search,
        "workshop": programme.workshop,
        "mine": bookings.mine,
        "calendar": calendar.calendar,
        "participants": bookings.participants,
        "rota": bookings.rota,
        "settings": settings.settings,
        "invites": roles.invites,
        "facilitator": roles.facilitator,
        "change": change.change,
        "log": change.audit_log,
        "broadcast": broadcast.broadcast,
        "notice": broadcast.notice,
        "notices": broadcast.notices,
        "status": status.status,
        # Questions to the organisers (/ask)
        "ask": questions.ask,
        # Issue 14, part 1: sessions proposed in chat
        "propose": proposals.propose,
        # The kids' club (issue 14, part 5)
        "children": children.children,
        # Favourites and feedback (issue 14, parts 2 and 3)
        "feedback": feedback.overview,
    }
    # Every command of the table has its callback, and nothing else is a command
    if callbacks.keys() != BY_NAME.keys():
        raise RuntimeError(
            f"commands without a callback, or not in the table: {callbacks.keys() ^ BY_NAME.keys()}"
        )
    for command in COMMANDS:
        app.add_handler(
            CommandHandler(
                list(command.names),
                callbacks[command.name],
                filters=private if command.private else None,
            )
        )
    # 1b. a private command sent in a group (/cmd or /cmd@this_bot) gets a hint, not silence
    kept_private = [name for c in COMMANDS if c.private for name in c.names]
    groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler(kept_private, help.private_only, filters=groups))
    # 2. buttons, by the prefix of their data; anything else is refused last
    app.add_handler(
        CallbackQueryHandler(start.organisation_chosen, pattern=OrganisationPress.PREFIX)
    )
    app.add_handler(CallbackQueryHandler(start.lang_chosen, pattern=LanguagePress.PREFIX))
    app.add_handler(CallbackQueryHandler(programme.workshop_button, pattern=DetailsPress.PREFIX))
    app.add_handler(CallbackQueryHandler(programme.page_button, pattern=PagePress.PREFIX))
    app.add_handler(CallbackQueryHandler(programme.noop_button, pattern=r"^noop$"))
    app.add_handler(CallbackQueryHandler(bookings.button, pattern=BookingPress.PREFIX))
    app.add_handler(CallbackQueryHandler(settings.settings_button, pattern=SettingsPress.PREFIX))
    app.add_handler(CallbackQueryHandler(change.button, pattern=ChangePress.PREFIX))
    app.add_handler(CallbackQueryHandler(broadcast.button, pattern=BroadcastPress.PREFIX))
    app.add_handler(CallbackQueryHandler(importing.button, pattern=ImportPress.PREFIX))
    # Questions to the organisers (/ask): an organiser's Reply button
    app.add_handler(CallbackQueryHandler(questions.button, pattern=QuestionPress.PREFIX))
    # Issue 14, part 1: sessions proposed in chat
    app.add_handler(CallbackQueryHandler(proposals.button, pattern=ProposePress.PREFIX))
    app.add_handler(CallbackQueryHandler(proposals.decide, pattern=ProposalPress.PREFIX))
    # The kids' club (issue 14, part 5)
    app.add_handler(CallbackQueryHandler(children.button, pattern=KidsPress.PREFIX))
    # Favourites and feedback (issue 14, parts 2 and 3)
    app.add_handler(CallbackQueryHandler(favourites.button, pattern=FavouritePress.PREFIX))
    app.add_handler(CallbackQueryHandler(feedback.button, pattern=FeedbackPress.PREFIX))
    app.add_handler(CallbackQueryHandler(_bad_button))
    # 3. files: organisers load the programme
    app.add_handler(MessageHandler(private & filters.Document.ALL, importing.programme_file))
    # 3b. questions to the organisers (/ask): a reply to the bot's message, an answer if it
    #     replies to a question's copy (plain words otherwise)
    app.add_handler(
        MessageHandler(
            (private | groups) & filters.TEXT & ~filters.COMMAND & questions.REPLY_TO_BOT,
            questions.reply,
        )
    )
    # 4. plain words: every private text, group texts addressed to the bot
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, plain_words.plain_words)
    )
    app.add_handler(
        MessageHandler(
            groups & filters.TEXT & ~filters.COMMAND & _AddressedToBot(),
            plain_words.plain_words,
        )
    )
    # 5. unknown commands in private chat get a hint
    app.add_handler(MessageHandler(private & filters.COMMAND, help.unknown_command))
    # 6. the bot added to a group, or its rights there changed: tell the organisers
    app.add_handler(ChatMemberHandler(membership.changed, ChatMemberHandler.MY_CHAT_MEMBER))
    #    and a group that became a supergroup (its chat id changed)
    app.add_handler(MessageHandler(groups & filters.StatusUpdate.MIGRATE, membership.migrated))

    app.add_error_handler(errors.on_error)


async def _bad_button(update: Update, context: Context) -> None:
    """Refuse button data the bot never made."""
    raise DomainError("common.bad_button")
