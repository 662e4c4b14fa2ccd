"""The Bot API spec: where it is found and how parameters are converted and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.spec import ApiSpec, Mismatch, default_spec_path, load_spec
from bot.sandbox.wire import UploadedFile


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    return load_spec(default_spec_path())


def test_the_spec_is_found_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RENCONTRE_BOT_API_SPEC", raising=False)
    path = default_spec_path()
    assert path == Path(__file__).resolve().parents[3] / "shared/telegram-bot-api/api.json"
    assert path.is_file()
    assert load_spec(path).version == "Bot API 10.0"


def test_an_environment_variable_points_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENCONTRE_BOT_API_SPEC", "/somewhere/api.json")
    assert default_spec_path() == Path("/somewhere/api.json")


def test_method_names_are_case_insensitive(spec: ApiSpec) -> None:
    assert spec.method_name("SENDMESSAGE") == "sendMessage"
    assert spec.method_name("sendTelepathy") is None


def test_form_strings_become_the_declared_types(spec: ApiSpec) -> None:
    params = spec.parse_params(
        "sendMessage",
        {
            "chat_id": "-1001234",
            "text": "123",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}',
        },
        {},
    )
    assert params == {
        "chat_id": -1001234,
        "text": "123",  # a String stays the text it was, even when it looks like a number
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]},
    }
    assert spec.parse_params("sendMessage", {"chat_id": "@group", "text": "x"}, {})["chat_id"] == (
        "@group"
    )


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "x"}, 'Bad Request: parameter "chat_id" is required'),
        ({"chat_id": "1"}, "Bad Request: message text is empty"),
        (
            {"chat_id": "1", "text": "x", "disable_notification": "maybe"},
            'Bad Request: can\'t parse parameter "disable_notification": must be Boolean, '
            "not String 'maybe'",
        ),
        (
            {"chat_id": "1", "text": "x", "reply_markup": "{not json"},
            "Bad Request: can't parse parameter \"reply_markup\": can't parse JSON",
        ),
        (
            {"chat_id": "1", "text": "x", "reply_markup": '{"inline_keyboard": [[{"url": "x"}]]}'},
            'Bad Request: can\'t parse parameter "reply_markup": field '
            '"reply_markup.inline_keyboard[0][0].text" is required',
        ),
        (
            {"chat_id": "1", "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": 5}]]}'},
            'Bad Request: can\'t parse parameter "reply_markup": field '
            '"reply_markup.inline_keyboard[0][0].text" must be String, not Integer',
        ),
        (
            {"chat_id": "1", "text": "x", "reply_markup": "{}"},
            'Bad Request: can\'t parse parameter "reply_markup": must be InlineKeyboardMarkup '
            "or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply, not Object",
        ),
    ],
)
def test_bad_parameters_are_refused(
    spec: ApiSpec, params: dict[str, str], description: str
) -> None:
    with pytest.raises(ApiError) as refused:
        spec.parse_params("sendMessage", params, {})
    assert (refused.value.status, refused.value.description) == (400, description)


def test_unions_are_told_apart_by_their_type_field(spec: ApiSpec) -> None:
    scope = spec.convert('{"type": "chat", "chat_id": 5}', ["BotCommandScope"], "scope")
    assert scope == {"type": "chat", "chat_id": 5}
    with pytest.raises(Mismatch, match=r"scope\.chat_id is required"):
        spec.convert('{"type": "chat"}', ["BotCommandScope"], "scope")
    with pytest.raises(Mismatch, match="unsupported BotCommandScope"):
        spec.convert('{"type": "everyone"}', ["BotCommandScope"], "scope")


def test_files_are_input_files_and_attach_uris_find_them(spec: ApiSpec) -> None:
    upload = UploadedFile("a.pdf", b"%PDF", "application/pdf")
    direct = spec.parse_params("sendDocument", {"chat_id": "1"}, {"document": upload})
    attached = spec.parse_params(
        "sendDocument", {"chat_id": "1", "document": "attach://f1"}, {"f1": upload}
    )
    by_id = spec.parse_params("sendDocument", {"chat_id": "1", "document": "BQAC123"}, {})
    assert direct["document"] is attached["document"] is upload
    assert by_id["document"] == "BQAC123"
