"""A Reply's buttons as Telegram's JSON (api_kwargs), and telling whether a message shows them."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.delivery import keyboard, shows
from bot.reply import Button, Reply

REPLY = Reply(
    "<b>Kayak</b>",
    ((Button("✅ S'inscrire · Kayak", "b:ws:abc"), Button("☆", "f:abc")), (Button("▶️", "p:s:1"),)),
)


def test_the_buttons_go_as_telegrams_inline_keyboard() -> None:
    assert keyboard(REPLY) == {
        "reply_markup": {
            "inline_keyboard": [
                [
                    {"text": "✅ S'inscrire · Kayak", "callback_data": "b:ws:abc"},
                    {"text": "☆", "callback_data": "f:abc"},
                ],
                [{"text": "▶️", "callback_data": "p:s:1"}],
            ]
        }
    }
    assert keyboard(Reply("plain")) == {}


def test_a_message_shows_a_replys_buttons_only_when_every_one_is_the_same() -> None:
    sent = InlineKeyboardMarkup.de_json(keyboard(REPLY)["reply_markup"], None)
    assert shows(sent, REPLY)
    relabelled = Reply(REPLY.text, ((Button("✅ S'inscrire", "b:ws:abc"),), REPLY.buttons[1]))
    assert not shows(sent, relabelled)
    other_data = Reply(REPLY.text, (REPLY.buttons[0], (Button("▶️", "p:s:2"),)))
    assert not shows(sent, other_data)
    assert not shows(sent, Reply(REPLY.text, REPLY.buttons[:1]))
    assert shows(None, Reply("plain"))
    assert not shows(None, REPLY)
