"""The emulator driven by the real python-telegram-bot Bot, over HTTP: the wire format holds."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardMarkup,
)
from telegram import InlineKeyboardButton as Button
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)

from bot.sandbox import ApiReply, ApiRequest, BotApiEmulator, EmulatorTimeout
from tests.sandbox.conftest import ALICE, BOB, GROUP, FakeClock


def keyboard(*buttons: Button) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


def refusal(emu: BotApiEmulator) -> str:
    """Return the description of the last call, which must have been refused."""
    last = emu.calls[-1]
    assert last.status != 200, last
    return str(last.response["description"])


# --- getMe, getUpdates ------------------------------------------------------------------


async def test_get_me_describes_the_bot(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "rencontre_test_bot",
        "Rencontre",
        True,
    )
    assert emu.observer.calls_to("getme")[0].status == 200


async def test_a_queued_text_is_returned_at_once_with_its_entities(
    emu: BotApiEmulator, bot: Bot
) -> None:
    sent_id = await emu.people.send_text(ALICE, "/start@rencontre_test_bot bonjour @bob 😀 /aide")

    # Had the emulator waited for the poll's timeout (an hour), the guard would end the test
    async with asyncio.timeout(60):
        [update] = await bot.get_updates(timeout=3600)
    message = update.message
    assert message is not None
    assert message.message_id == sent_id
    assert message.text == "/start@rencontre_test_bot bonjour @bob 😀 /aide"
    assert message.chat.type == "private" and message.chat.id == ALICE
    assert message.from_user is not None and message.from_user.username == "alice"
    assert message.date == dtm.datetime.fromtimestamp(1_780_000_000, dtm.UTC)
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bot_command", 0, 25),
        ("mention", 34, 4),
        ("bot_command", 42, 5),  # after the emoji, which is two UTF-16 code units
    ]
    assert message.parse_entities() == {
        message.entities[0]: "/start@rencontre_test_bot",
        message.entities[1]: "@bob",
        message.entities[2]: "/aide",
    }


async def test_a_waiting_long_poll_wakes_when_an_update_is_pushed(
    emu: BotApiEmulator, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=3600))
    await emu.observer.wait_for_poll(timeout=60)  # it waits

    await emu.people.send_text(ALICE, "coucou")
    async with asyncio.timeout(60):  # woken by the update, not by the hour's timeout
        [update] = await poll

    assert update.message is not None and update.message.text == "coucou"


async def test_an_empty_long_poll_ends_at_its_timeout(emu: BotApiEmulator, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=1))
    await emu.observer.wait_for_poll(timeout=60)  # it waits, with nothing to give
    async with asyncio.timeout(60):
        assert await poll == ()
    # a lower bound only: it waited its second (however slow the machine, never less)
    assert time.monotonic() - started >= 0.9


async def test_an_offset_confirms_the_updates_before_it(emu: BotApiEmulator, bot: Bot) -> None:
    for text in ("un", "deux", "trois"):
        await emu.people.send_text(ALICE, text)

    first = await bot.get_updates(limit=2)
    unconfirmed = await bot.get_updates()
    rest = await bot.get_updates(offset=first[-1].update_id + 1)

    assert [u.message.text for u in first if u.message] == ["un", "deux"]
    assert len(unconfirmed) == 3
    assert [u.message.text for u in rest if u.message] == ["trois"]
    assert [u["update_id"] for u in emu.pending_updates] == [rest[0].update_id]


async def test_a_second_poll_terminates_the_first(emu: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await emu.observer.wait_for_poll()
    async with Bot(emu.token, base_url=emu.base_url) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_a_person_editing_a_text_sends_an_edited_message(
    started: BotApiEmulator, bot: Bot
) -> None:
    message_id = await started.people.send_text(ALICE, "je viens à 2")
    await started.people.edit_text(ALICE, message_id, "je viens à 3")

    updates = await bot.get_updates()

    edited = updates[-1].edited_message
    assert edited is not None and (edited.message_id, edited.text) == (message_id, "je viens à 3")
    assert edited.edit_date is not None


async def test_pushed_updates_must_be_valid(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(ValueError, match=r"update\.message\.chat is required"):
        emu.updates.push_update({"message": {"message_id": 1, "date": 0}})

    update_id = emu.updates.push_update(
        {"message": {"message_id": 7, "date": 0, "chat": {"id": ALICE, "type": "private"}}}
    )

    [update] = await bot.get_updates()
    assert update.update_id == update_id and update.message is not None


# --- buttons and callback queries -------------------------------------------------------


async def test_a_pressed_button_reaches_the_bot_with_its_message(
    started: BotApiEmulator, bot: Bot
) -> None:
    sent = await bot.send_message(
        ALICE,
        "Venir à l'atelier ?",
        reply_markup=keyboard(
            Button("Oui", callback_data="yes"), Button("Non", callback_data="no")
        ),
    )

    query_id = await started.people.press_button(ALICE, sent.message_id, "yes")
    [update] = await bot.get_updates()

    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "yes", ALICE)
    assert query.message.message_id == sent.message_id
    assert await query.answer("Noté") is True
    assert await started.observer.wait_for_callback_answer(query_id) == {
        "text": "Noté",
        "show_alert": False,
        "url": None,
        "cache_time": None,
    }
    assert started.callback_answers[query_id]["text"] == "Noté"


async def test_a_person_can_only_press_an_offered_button(started: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(
        ALICE, "?", reply_markup=keyboard(Button("Oui", callback_data="y"))
    )
    with pytest.raises(ValueError, match=r"no button with callback_data 'n'.*\('Oui', 'y'\)"):
        await started.people.press_button(ALICE, sent.message_id, "n")

    forged = await started.people.press_button(ALICE, sent.message_id, "n", forge=True)
    [update] = await bot.get_updates()
    assert update.callback_query is not None
    assert (update.callback_query.id, update.callback_query.data) == (forged, "n")


async def test_a_callback_query_is_answered_once(started: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(
        ALICE, "?", reply_markup=keyboard(Button("Oui", callback_data="y"))
    )
    query_id = await started.people.press_button(ALICE, sent.message_id, "y")

    with pytest.raises(BadRequest):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert refusal(started) == "Bad Request: MESSAGE_TOO_LONG"
    assert await bot.answer_callback_query(query_id, text="x" * 200)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest):
        await bot.answer_callback_query("4300000000000099999")
    assert refusal(started) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        ("", False),
        ("x" * 64, True),
        ("x" * 65, False),
        ("é" * 32, True),  # 64 bytes in UTF-8
        ("é" * 32 + "x", False),
        ("€" * 21, True),  # 63 bytes
        ("€" * 22, False),  # 66 bytes, though only 22 characters
    ],
)
async def test_callback_data_must_be_1_to_64_bytes(
    started: BotApiEmulator, bot: Bot, data: str, accepted: bool
) -> None:
    markup = keyboard(Button("Choisir", callback_data=data))
    if accepted:
        await bot.send_message(ALICE, "Choix", reply_markup=markup)
        assert started.observer.messages(ALICE)[0].buttons == [("Choisir", data)]
    else:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(ALICE, "Choix", reply_markup=markup)
        assert refusal(started) == "Bad Request: BUTTON_DATA_INVALID"
        assert started.observer.messages(ALICE) == []


@pytest.mark.parametrize(
    ("button", "reason"),
    [
        (Button("Rien"), "Text buttons are unallowed in the inline keyboard"),
        (Button("Deux", url="https://example.org", callback_data="x"), "exactly one"),
        (Button("Site", url="example.org"), "BUTTON_URL_INVALID"),
    ],
)
async def test_a_button_must_do_exactly_one_valid_thing(
    started: BotApiEmulator, bot: Bot, button: Button, reason: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(ALICE, "Choix", reply_markup=keyboard(button))
    assert reason in refusal(started)


# --- sending and editing ----------------------------------------------------------------


async def test_a_sent_message_is_kept_as_sent_and_as_shown(
    started: BotApiEmulator, bot: Bot
) -> None:
    html = "<b>Atelier</b> poterie &amp; <i>terre</i> 😀 <a href='example.org'>plan</a>"
    markup = keyboard(
        Button("S'inscrire", callback_data="join:7"), Button("Plan", url="https://example.org/p")
    )

    sent = await bot.send_message(ALICE, html, parse_mode=ParseMode.HTML, reply_markup=markup)

    assert sent.text == "Atelier poterie & terre 😀 plan"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 7),
        ("italic", 18, 5),
        ("text_link", 27, 4),
    ]
    assert sent.entities[2].url == "http://example.org/"
    assert sent.reply_markup == markup
    [kept] = started.observer.messages(ALICE)
    assert (kept.message_id, kept.chat_id, kept.date) == (sent.message_id, ALICE, 1_780_000_000)
    assert kept.text == html and kept.plain_text == sent.text and kept.parse_mode == "HTML"
    assert kept.buttons == [("S'inscrire", "join:7"), ("Plan", "https://example.org/p")]
    assert kept.edits == [] and not kept.pinned and kept.document is None


async def test_wait_for_messages_returns_the_next_ones_after_a_mark(
    started: BotApiEmulator, bot: Bot
) -> None:
    await bot.send_message(ALICE, "avant")
    mark = started.observer.mark(ALICE)

    async def bot_speaks() -> None:
        for text in ("un", "deux", "trois"):
            await bot.send_message(ALICE, text)

    speaking = asyncio.create_task(bot_speaks())
    got = await started.observer.wait_for_messages(ALICE, count=2, after=mark)
    await speaking

    assert [m.plain_text for m in got] == ["un", "deux"]


async def test_waiting_in_vain_says_what_was_awaited_and_what_came(
    started: BotApiEmulator, bot: Bot
) -> None:
    await bot.send_message(ALICE, "seul")
    with pytest.raises(BadRequest):
        await bot.send_message(ALICE, "")

    with pytest.raises(EmulatorTimeout) as timed_out:
        await started.observer.wait_for_messages(ALICE, count=2, after=0, timeout=0.05)

    text = str(timed_out.value)
    assert "2 message(s) from the bot in chat 42 after mark 0; got ['seul']" in text
    assert "sendMessage -> 400 Bad Request: message text is empty" in text


async def test_editing_a_text_keeps_its_history(started: BotApiEmulator, bot: Bot) -> None:
    markup = keyboard(Button("Oui", callback_data="yes"))
    sent = await bot.send_message(ALICE, "Places : 3", reply_markup=markup)

    edited = await bot.edit_message_text(
        "Places : <b>2</b>", ALICE, sent.message_id, parse_mode="HTML", reply_markup=markup
    )

    assert isinstance(edited, type(sent)) and edited.text == "Places : 2"
    assert edited.edit_date == dtm.datetime.fromtimestamp(1_780_000_000, dtm.UTC)
    message = await started.observer.wait_for_edit(ALICE, sent.message_id)
    assert (message.text, message.plain_text) == ("Places : <b>2</b>", "Places : 2")
    assert [(v.text, v.reply_markup is not None) for v in message.edits] == [("Places : 3", True)]
    assert message.buttons == [("Oui", "yes")]


async def test_editing_the_text_without_a_keyboard_removes_it(
    started: BotApiEmulator, bot: Bot
) -> None:
    sent = await bot.send_message(
        ALICE, "Places : 3", reply_markup=keyboard(Button("Oui", callback_data="yes"))
    )
    edited = await bot.edit_message_text("Complet", ALICE, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    assert started.observer.message(ALICE, sent.message_id).buttons == []


async def test_an_edit_that_changes_nothing_is_refused(started: BotApiEmulator, bot: Bot) -> None:
    markup = keyboard(Button("Oui", callback_data="yes"))
    sent = await bot.send_message(ALICE, "<b>Salle</b> B", parse_mode="HTML", reply_markup=markup)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Salle</b> B", ALICE, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    assert refusal(started) == (
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message"
    )
    await bot.edit_message_reply_markup(ALICE, sent.message_id)  # dropping the keyboard
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(ALICE, sent.message_id)
    assert len(started.observer.message(ALICE, sent.message_id).edits) == 1


async def test_editing_an_unknown_message_is_refused(started: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", ALICE, 999)
    assert refusal(started) == "Bad Request: message to edit not found"


async def test_deleted_messages_are_flagged_and_cannot_be_deleted_twice(
    started: BotApiEmulator, bot: Bot
) -> None:
    sent = await bot.send_message(ALICE, "oups")
    mark = started.observer.mark(ALICE)
    assert await bot.delete_message(ALICE, sent.message_id)
    after = await bot.send_message(ALICE, "voilà")
    assert [m.deleted for m in started.observer.messages(ALICE)] == [True, False]
    assert [m.message_id for m in started.observer.messages(ALICE)[mark:]] == [after.message_id]
    assert (
        started.observer.messages(ALICE, include_deleted=False)
        == started.observer.messages(ALICE)[1:]
    )
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)


# --- text refusals ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "parse_mode"), [("", None), ("  \n ", None), ("<b></b>", "HTML")])
async def test_an_empty_text_is_refused(
    started: BotApiEmulator, bot: Bot, text: str, parse_mode: str | None
) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ALICE, text, parse_mode=parse_mode)
    assert refusal(started) == "Bad Request: message text is empty"


@pytest.mark.parametrize(
    ("text", "parse_mode", "accepted"),
    [
        ("a" * 4096, None, True),
        ("a" * 4097, None, False),
        ("<b>" + "a" * 4090 + "</b>" + "&amp;" * 6, "HTML", True),  # 4096 once parsed
        ("<b>" + "a" * 4090 + "</b>" + "&amp;" * 7, "HTML", False),
        ("😀" * 2048, None, True),  # 4096 UTF-16 code units
        ("😀" * 2048 + "a", None, False),
        ("  " + "a" * 4096 + "\n", None, True),  # surrounding blanks are trimmed first
    ],
)
async def test_a_text_is_at_most_4096_utf16_units_after_parsing(
    started: BotApiEmulator, bot: Bot, text: str, parse_mode: str | None, accepted: bool
) -> None:
    if accepted:
        await bot.send_message(ALICE, text, parse_mode=parse_mode)
    else:
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(ALICE, text, parse_mode=parse_mode)
        assert refusal(started) == "Bad Request: message is too long"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("Salle <foo>B</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("<b>Atelier", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>Atelier</i>", 'Unmatched end tag at byte offset 10, expected "</b>", found "</i>"'),
        ("3 < 4", 'Unsupported start tag "" at byte offset 2'),
        ("Café <b", "Unclosed start tag at byte offset 6"),
        (
            "Tom & Jerry",
            "Character '&' at byte offset 4 does not start an HTML entity; "
            "it must be escaped as &amp;",
        ),
        ("&laquo;oui&raquo;", "Character '&' at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_bad_html_is_refused_as_telegram_does(
    started: BotApiEmulator, bot: Bot, html: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match=r"^Can't parse entities"):
        await bot.send_message(ALICE, html, parse_mode=ParseMode.HTML)
    assert refusal(started).startswith(f"Bad Request: can't parse entities: {reason}")


async def test_html_is_only_parsed_in_html_mode(started: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "3 < 4 & <b>")
    assert sent.text == "3 < 4 & <b>" and sent.entities == ()
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(ALICE, "x", parse_mode="BBCode")


# --- flood control ----------------------------------------------------------------------


async def test_the_31st_message_within_a_second_is_refused(
    started: BotApiEmulator, bot: Bot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    sent = await bot.send_message(ALICE, "0")
    for n in range(1, 29):
        await bot.send_message(ALICE, str(n))
    await bot.edit_message_text("zéro", ALICE, sent.message_id)  # an edit counts too

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ALICE, "de trop")

    assert refused.value.retry_after == dtm.timedelta(seconds=1)
    last = started.calls[-1]
    assert (last.status, last.response) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    clock.advance(0.5)
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "toujours de trop")
    clock.advance(0.5)
    await bot.send_message(ALICE, "enfin")
    assert len(started.observer.messages(ALICE)) == 30  # the refused ones were not kept nor counted


async def test_the_21st_message_to_a_group_within_a_minute_is_refused(
    started: BotApiEmulator, bot: Bot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    started.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE])
    for n in range(20):
        await bot.send_message(GROUP, f"annonce {n}")
        clock.advance(1)

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(GROUP, "de trop")
    assert refused.value.retry_after == dtm.timedelta(seconds=40)
    await bot.send_message(ALICE, "une personne, elle, peut recevoir")

    clock.advance(39.5)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(GROUP, "encore trop tôt")
    assert refused.value.retry_after == dtm.timedelta(seconds=1)
    clock.advance(0.5)
    await bot.send_message(GROUP, "enfin")


async def test_flood_control_can_be_switched_off(started: BotApiEmulator, bot: Bot) -> None:
    started.flood_control = False
    for n in range(35):
        await bot.send_message(ALICE, str(n))
    assert len(started.observer.messages(ALICE)) == 35


async def test_fail_next_answers_the_given_refusal(
    started: BotApiEmulator, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    started.faults.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    started.faults.fail_next("sendmessage", 502, "Bad Gateway", count=2)

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ALICE, "un")
    assert refused.value.retry_after == dtm.timedelta(seconds=7)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ALICE, "deux")
    await bot.send_message(ALICE, "trois")

    assert [m.plain_text for m in started.observer.messages(ALICE)] == ["trois"]
    assert [c.status for c in started.observer.calls_to("sendMessage")] == [429, 502, 502, 200]


async def test_an_interceptor_sees_every_call_and_can_hang_up(
    started: BotApiEmulator, bot: Bot
) -> None:
    seen: list[str] = []

    async def hang_up_on_send(request: ApiRequest) -> ApiReply | None:
        seen.append(request.method)
        if request.method == "sendMessage" and request.raw_params.get("text") == "coupé":
            return ApiReply(502, {"ok": False}, drop_connection=True)
        return None

    started.faults.add_interceptor(hang_up_on_send)
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "coupé")
    await bot.send_message(ALICE, "passé")
    started.faults.remove_interceptor(hang_up_on_send)
    await bot.send_message(ALICE, "sans témoin")

    assert seen == ["sendMessage", "sendMessage"]
    assert [m.plain_text for m in started.observer.messages(ALICE)] == ["passé", "sans témoin"]


# --- who may be written to --------------------------------------------------------------


async def test_a_person_who_blocked_the_bot_cannot_be_written_to(
    started: BotApiEmulator, bot: Bot
) -> None:
    started.cast.block(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "Rappel")
    assert refusal(started) == "Forbidden: bot was blocked by the user"

    started.cast.unblock(ALICE)
    await bot.send_message(ALICE, "Rappel")

    updates = await bot.get_updates()
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]


async def test_the_bot_cannot_write_first_nor_to_unknown_chats(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.cast.add_user(BOB, "Bob")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(BOB, "Bonjour")
    assert refusal(emu) == "Forbidden: bot can't initiate conversation with a user"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "Bonjour")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message("@somebody", "Bonjour")

    emu.cast.add_group(GROUP, "Rencontre 2026", members=[BOB])
    await bot.send_message(GROUP, "Bienvenue")  # a group the bot is in accepts messages
    await emu.people.send_text(BOB, "/start")
    await bot.send_message(BOB, "Bonjour")


# --- spec checks ------------------------------------------------------------------------


async def test_an_unknown_method_is_not_found(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", {"chat_id": ALICE})
    last = emu.calls[-1]
    assert (last.method, last.status, last.response) == (
        "sendTelepathy",
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_a_parameter_of_the_wrong_type_is_refused(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest):
        await bot.get_updates(limit="ten")  # type: ignore[arg-type]
    assert refusal(emu) == (
        "Bad Request: can't parse parameter \"limit\": must be Integer, not String 'ten'"
    )


async def test_a_method_the_emulator_does_not_model_answers_true(
    started: BotApiEmulator, bot: Bot
) -> None:
    assert await bot.set_my_name("Rencontre") is True
    assert started.observer.calls_to("setMyName")[0].params == {"name": "Rencontre"}


# --- documents, files -------------------------------------------------------------------


async def test_a_document_from_a_person_can_be_downloaded(
    started: BotApiEmulator, bot: Bot
) -> None:
    await started.people.send_document(
        ALICE, "programme.csv", b"jour;heure\n", caption="Le /programme"
    )

    [update] = await bot.get_updates()

    message = update.message
    assert message is not None and message.document is not None
    document = message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "programme.csv",
        "text/csv",
        11,
    )
    assert message.caption == "Le /programme"
    assert [e.type for e in message.caption_entities] == ["bot_command"]
    file = await document.get_file()
    started.faults.fail_next("download", 500, "Internal Server Error")
    with pytest.raises(NetworkError):
        await file.download_as_bytearray()
    assert bytes(await file.download_as_bytearray()) == b"jour;heure\n"
    assert [c.status for c in started.observer.calls_to("download")] == [500, 200]
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


AGENDA = 'agenda d’été "2026".ics'  # non-ASCII and quotes survive the multipart upload


async def test_a_document_the_bot_sends_is_kept(started: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_document(
        ALICE,
        b"BEGIN:VCALENDAR",
        filename=AGENDA,
        caption="<i>Votre agenda</i>",
        parse_mode="HTML",
    )

    [kept] = started.observer.messages(ALICE)
    assert kept.document == (AGENDA, b"BEGIN:VCALENDAR")
    assert kept.document.filename == AGENDA
    assert kept.plain_text == sent.caption == "Votre agenda"
    assert sent.document is not None and sent.document.file_name == AGENDA

    await bot.send_document(ALICE, sent.document.file_id)  # an existing file_id is reused
    assert started.observer.messages(ALICE)[-1].document == kept.document


# --- commands, chats, members, pins, actions --------------------------------------------


async def test_commands_are_kept_per_scope_and_language(emu: BotApiEmulator, bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("programme", "Le programme")], scope, "fr")
    await bot.set_my_commands([BotCommand("help", "Help")], language_code="en")

    assert emu.observer.commands("all_private_chats", "fr") == [
        {"command": "programme", "description": "Le programme"}
    ]
    assert emu.observer.commands({"type": "default"}, "en") == [
        {"command": "help", "description": "Help"}
    ]
    assert emu.observer.commands() == []
    assert await bot.get_my_commands(scope, "fr") == (BotCommand("programme", "Le programme"),)

    assert await bot.delete_my_commands(language_code="en")
    assert emu.observer.commands(language_code="en") == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Programme!", "x")])


async def test_groups_members_and_pins(emu: BotApiEmulator, bot: Bot) -> None:
    emu.cast.add_user(BOB, "Bob")
    emu.cast.add_user(44, "Chloé")
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE], admins=[BOB])

    chat = await bot.get_chat(GROUP)
    assert (chat.id, chat.type, chat.title) == (GROUP, "supergroup", "Rencontre 2026")
    statuses = [(await bot.get_chat_member(GROUP, who)).status for who in (ALICE, BOB, 44)]
    assert statuses == ["member", "administrator", "left"]
    assert (await bot.get_chat_member(GROUP, emu.bot_id)).status == "administrator"

    sent = await bot.send_message(GROUP, "Programme du jour")
    assert await bot.pin_chat_message(GROUP, sent.message_id)
    assert (
        emu.observer.pinned(GROUP) == [sent.message_id]
        and emu.observer.message(GROUP, sent.message_id).pinned
    )
    pinned = (await bot.get_chat(GROUP)).pinned_message
    assert pinned is not None and pinned.message_id == sent.message_id
    assert await bot.unpin_chat_message(GROUP)
    assert (
        emu.observer.pinned(GROUP) == [] and not emu.observer.message(GROUP, sent.message_id).pinned
    )
    with pytest.raises(BadRequest, match="Message to pin not found"):
        await bot.pin_chat_message(GROUP, 999)


async def test_a_reply_in_a_group_refers_to_the_message(emu: BotApiEmulator, bot: Bot) -> None:
    emu.cast.add_group(GROUP, "Rencontre 2026", members=[ALICE])
    asked = await emu.people.send_text(ALICE, "/programme@rencontre_test_bot", chat_id=GROUP)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.chat.type == "supergroup"

    reply = await update.message.reply_text("Voici le programme", do_quote=True)

    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == asked
    assert emu.observer.messages(GROUP)[0].reply_to_message_id == asked
    emu.cast.add_user(BOB, "Bob")
    with pytest.raises(ValueError, match="not a member"):
        await emu.people.send_text(BOB, "x", chat_id=GROUP)


async def test_chat_actions_are_checked(started: BotApiEmulator, bot: Bot) -> None:
    assert await bot.send_chat_action(ALICE, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(ALICE, "dancing")
