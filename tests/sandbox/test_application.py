"""A real PTB Application, built as the bot builds it, polls the emulator and answers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox import BotApiEmulator
from tests.sandbox.conftest import ALICE


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /start with a button."""
    assert update.effective_message is not None and update.effective_user is not None
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Programme", callback_data="prog")]])
    await update.effective_message.reply_text(
        f"Bonjour <b>{update.effective_user.first_name}</b> !",
        parse_mode="HTML",
        reply_markup=keyboard,
    )


async def show_programme(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button press and edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer("Voici")
    await query.edit_message_text("Programme : poterie à 10 h")


async def test_an_application_answers_start_and_a_button(emu: BotApiEmulator) -> None:
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", greet))
    app.add_handler(CallbackQueryHandler(show_programme))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        try:
            mark = emu.observer.mark(ALICE)
            await emu.people.send_text(ALICE, "/start")
            [greeting] = await emu.observer.wait_for_messages(ALICE, after=mark)
            assert greeting.plain_text == "Bonjour Alice !"
            assert greeting.buttons == [("Programme", "prog")]

            query_id = await emu.people.press_button(ALICE, greeting.message_id, "prog")
            answer = await emu.observer.wait_for_callback_answer(query_id)
            edited = await emu.observer.wait_for_edit(ALICE, greeting.message_id)
        finally:
            await app.updater.stop()
            await app.stop()

    assert answer["text"] == "Voici"
    assert edited.plain_text == "Programme : poterie à 10 h" and edited.buttons == []
    assert emu.pending_updates == []  # the application confirmed what it handled
    methods = [call.method for call in emu.calls if call.status == 200]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert {"sendMessage", "answerCallbackQuery", "editMessageText"} <= set(methods)
