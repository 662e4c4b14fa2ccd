"""The Bot API spec: where it is found, how it is made, how parameters are converted and checked."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.make_spec import main, render
from bot.sandbox.spec import ApiSpec, Mismatch, compact_spec, default_spec_path, load_spec
from bot.sandbox.wire import UploadedFile

SHIPPED = Path(__file__).resolve().parents[2] / "bot/sandbox/botapi/spec.json"
UPSTREAM_BESIDE = SHIPPED.parents[3].parent / "shared" / "telegram-bot-api" / "api.json"
"""The upstream api.json where our machines and CI keep it (a user's clone has none)."""
SOURCE_MD = SHIPPED.with_name("SOURCE.md")


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    return load_spec(default_spec_path())


def test_the_spec_ships_with_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RENCONTRE_BOT_API_SPEC", raising=False)
    path = default_spec_path()
    assert path == SHIPPED
    assert path.is_file()
    assert load_spec(path).version == "Bot API 10.0"
    licence = (path.parent / "LICENSE.spec-data.txt").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) 2020 Paul Larsen")


@pytest.mark.skipif(
    not UPSTREAM_BESIDE.is_file(), reason=f"no {UPSTREAM_BESIDE} to remake the shipped spec from"
)
def test_the_shipped_spec_is_what_make_spec_makes_from_upstream(tmp_path: Path) -> None:
    out = tmp_path / "spec.json"
    assert main(["--source", str(UPSTREAM_BESIDE), "--out", str(out)]) == 0
    assert out.read_bytes() == SHIPPED.read_bytes(), "run: python -m bot.sandbox.make_spec"
    digest = hashlib.sha256(UPSTREAM_BESIDE.read_bytes()).hexdigest()
    assert f"`{digest}`" in SOURCE_MD.read_text(encoding="utf-8"), "update botapi/SOURCE.md"


def test_a_compact_spec_is_made_again_unchanged() -> None:
    assert render(SHIPPED) == SHIPPED.read_text(encoding="utf-8")
    compact = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert compact_spec(compact) == compact


def test_make_spec_refuses_a_bad_source_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.json"
    broken = tmp_path / "broken.json"
    broken.write_text('{"methods": {"getMe": {"fields": [{"name": "x"}]}}, "types": {}}')
    out = tmp_path / "spec.json"
    for source, reason in ((missing, "cannot read it"), (broken, "not a Bot API spec")):
        assert main(["--source", str(source), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert re.fullmatch(f"{re.escape(str(source))}: {reason}[^\n]*\n", err), err
    assert not out.exists()


def upstream_field(name: str, required: bool, description: str) -> dict[str, object]:
    return {"name": name, "types": ["String"], "required": required, "description": description}


def test_an_upstream_file_is_read_too_and_its_unions_told_apart(tmp_path: Path) -> None:
    upstream = {
        "version": "Bot API 0.1",
        "changelog": "dropped",
        "methods": {},
        "types": {
            "Scope": {"fields": [], "subtypes": ["ScopeChat", "Plain"]},
            "ScopeChat": {"fields": [upstream_field("type", True, "Scope type, must be chat")]},
            "Plain": {"fields": [upstream_field("type", False, "Scope type, must be plain")]},
        },
    }
    assert compact_spec(upstream)["types"]["Scope"]["subtypes"] == [
        {"name": "ScopeChat", "key": "type", "value": "chat"},
        {"name": "Plain"},  # an optional field tells nothing apart: tried in turn
    ]
    path = tmp_path / "api.json"
    path.write_text(json.dumps(upstream), encoding="utf-8")
    spec = load_spec(path)
    assert spec.version == "Bot API 0.1"
    assert spec.convert('{"type": "chat"}', ["Scope"], "scope") == {"type": "chat"}
    assert spec.convert('{"type": "other"}', ["Scope"], "scope") == {"type": "other"}  # Plain


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


def test_make_spec_without_a_source_says_which_to_give(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("RENCONTRE_BOT_API_SPEC", raising=False)
    assert main(["--out", str(tmp_path / "spec.json")]) == 2
    assert capsys.readouterr().err == (
        "no api.json to read: give --source PATH or set $RENCONTRE_BOT_API_SPEC\n"
    )
    assert not (tmp_path / "spec.json").exists()
