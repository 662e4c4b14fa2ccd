"""The Bot API's machine-readable spec, and the type checks every call goes through.

A call's parameters arrive as raw form strings (what python-telegram-bot sends: JSON for
numbers, booleans, arrays and objects, the bare text for strings) or typed JSON values. Each
is converted to the type the spec declares: a String parameter stays the text it was, so the
text "123" is not mistaken for a number. Nested objects are checked strictly and recursively.

The spec ships in `bot/sandbox/botapi/spec.json`: a compact copy of an upstream `api.json`
(made by `python -m bot.sandbox.make_spec`) that keeps only what these checks read.
`RENCONTRE_BOT_API_SPEC` may point at either kind of file; an upstream one is compacted as it
loads.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.wire import UploadedFile

SPEC_ENV_VAR = "RENCONTRE_BOT_API_SPEC"
SHIPPED_SPEC = Path(__file__).resolve().parent / "botapi" / "spec.json"
# Marks a compact file; an upstream api.json has no "format" key.
COMPACT_FORMAT = "rencontre-bot-api-spec/1"

_ARRAY = "Array of "
_INTEGER = re.compile(r"[+-]?\d+")
_DISCRIMINATOR = re.compile(r'(?:must be|always) "?([a-z_]+)"?')
# Fields of an inline keyboard button that do not choose what the button does.
_BUTTON_LOOKS = frozenset({"text", "icon_custom_emoji_id", "style"})


def default_spec_path() -> Path:
    """Return $RENCONTRE_BOT_API_SPEC, or the spec shipped with the emulator."""
    configured = os.environ.get(SPEC_ENV_VAR)
    if configured:
        return Path(configured)
    return SHIPPED_SPEC


def compact_spec(data: Mapping[str, Any]) -> dict[str, Any]:
    """Keep of an upstream api.json what the checks read; give a compact spec back as it is."""
    if data.get("format") == COMPACT_FORMAT:
        return dict(data)
    if "format" in data:
        raise ValueError(
            f"unknown spec format {data['format']!r} (this code reads {COMPACT_FORMAT})"
        )
    types = data["types"]
    compact_types: dict[str, Any] = {}
    for name, type_ in types.items():
        entry: dict[str, Any] = {"fields": _compact_fields(type_)}
        if type_.get("subtypes"):
            entry["subtypes"] = [_tell_apart(sub, types.get(sub, {})) for sub in type_["subtypes"]]
        compact_types[name] = entry
    return {
        "format": COMPACT_FORMAT,
        "version": data.get("version", "?"),
        "methods": {
            name: {"fields": _compact_fields(method), "returns": list(method.get("returns", ()))}
            for name, method in data["methods"].items()
        },
        "types": compact_types,
    }


def _compact_fields(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": f["name"], "types": list(f["types"]), "required": bool(f["required"])}
        for f in entry.get("fields", ())
    ]


def _tell_apart(name: str, subtype: Mapping[str, Any]) -> dict[str, Any]:
    """Give the field and value that pick out one member of a union, read from its description.

    The upstream spec says it in words ("Scope type, must be chat"): a required String first
    field whose description names its one value. Members without one are tried in turn.
    """
    fields = subtype.get("fields", ())
    if fields:
        first = fields[0]
        match = _DISCRIMINATOR.search(first.get("description", "")) if first["required"] else None
        if match and list(first["types"]) == ["String"]:
            return {"name": name, "key": first["name"], "value": match.group(1)}
    return {"name": name}


@dataclass(frozen=True)
class Field:
    """One parameter of a method or field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class _Subtype:
    name: str
    key: str | None
    value: str | None


class Mismatch(Exception):
    """A value that does not have the declared type; `path` says where."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} {reason}")
        self.path = path
        self.reason = reason

    @property
    def depth(self) -> int:
        """Return how deep inside the value the mismatch is."""
        return self.path.count(".") + self.path.count("[")


class ApiSpec:
    """Methods and types of one Bot API version, from a compact spec (see `compact_spec`)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self._methods: dict[str, tuple[Field, ...]] = {}
        self._returns: dict[str, tuple[str, ...]] = {}
        self._by_lower: dict[str, str] = {}
        for name, method in data["methods"].items():
            self._methods[name] = _fields(method)
            self._returns[name] = tuple(method.get("returns", ()))
            self._by_lower[name.lower()] = name
        self._types: dict[str, tuple[Field, ...]] = {}
        self._subtypes: dict[str, tuple[_Subtype, ...]] = {}
        for name, type_ in data["types"].items():
            self._types[name] = _fields(type_)
        for name, type_ in data["types"].items():
            if type_.get("subtypes"):
                self._subtypes[name] = tuple(
                    _Subtype(sub["name"], sub.get("key"), sub.get("value"))
                    for sub in type_["subtypes"]
                )
        button = self._types.get("InlineKeyboardButton", ())
        self.button_actions = frozenset(f.name for f in button if f.name not in _BUTTON_LOOKS)

    def method_name(self, name: str) -> str | None:
        """Return the spec's spelling of a method name given in any case, or None."""
        return self._by_lower.get(name.lower())

    def method_fields(self, method: str) -> tuple[Field, ...]:
        """Return the parameters of a method."""
        return self._methods[method]

    def returns(self, method: str) -> tuple[str, ...]:
        """Return the types a method may answer with."""
        return self._returns[method]

    def has_type(self, name: str) -> bool:
        """Say whether the spec defines this type."""
        return name in self._types

    def parse_params(
        self,
        method: str,
        raw: Mapping[str, Any],
        files: Mapping[str, UploadedFile],
    ) -> dict[str, Any]:
        """Convert a call's raw parameters to their declared types, or refuse it as Telegram."""
        available = {**files, **{k: v for k, v in raw.items() if v is not None}}
        params: dict[str, Any] = {}
        for spec_field in self._methods[method]:
            if spec_field.name not in available:
                if spec_field.required:
                    raise _missing(method, spec_field.name)
                continue
            value = available[spec_field.name]
            if (
                isinstance(value, str)
                and value.startswith("attach://")
                and ("InputFile" in spec_field.types)
            ):
                attached = files.get(value.removeprefix("attach://"))
                if attached is None:
                    raise bad_request(f"file {value} not found in the request")
                value = attached
            try:
                params[spec_field.name] = self.convert(value, spec_field.types, spec_field.name)
            except Mismatch as exc:
                raise _refusal(spec_field.name, exc) from None
        return params

    def check(self, value: Any, type_names: Sequence[str], path: str = "result") -> None:
        """Raise Mismatch unless `value` (already decoded JSON) has one of the types."""
        self._convert(value, tuple(type_names), path, top=False)

    def convert(self, value: Any, type_names: Sequence[str], path: str) -> Any:
        """Convert a top-level parameter value (raw string or JSON) to one of the types."""
        return self._convert(value, tuple(type_names), path, top=True)

    def _convert(self, value: Any, type_names: tuple[str, ...], path: str, *, top: bool) -> Any:
        if top and isinstance(value, str) and _needs_json(type_names, self._types):
            stripped = value.strip()
            if stripped[:1] in ("{", "["):
                try:
                    value = json.loads(stripped)
                except ValueError:
                    if "String" not in type_names:
                        raise Mismatch(path, "can't parse JSON") from None
                else:
                    top = False
        failures: list[Mismatch] = []
        for type_name in type_names:
            try:
                return self._convert_one(value, type_name, path, top=top)
            except Mismatch as exc:
                failures.append(exc)
        deepest = max(failures, key=lambda exc: exc.depth)
        if len(failures) > 1 and all(exc.depth == deepest.depth for exc in failures):
            raise Mismatch(path, f"must be {' or '.join(type_names)}, not {_kind(value)}")
        raise deepest

    def _convert_one(self, value: Any, type_name: str, path: str, *, top: bool) -> Any:
        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                raise Mismatch(path, f"must be {type_name}, not {_kind(value)}")
            item_type = (type_name.removeprefix(_ARRAY),)
            return [
                self._convert(item, item_type, f"{path}[{index}]", top=False)
                for index, item in enumerate(value)
            ]
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            return scalar(value, path, top)
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            raise Mismatch(path, f"must be an uploaded file, not {_kind(value)}")
        if type_name not in self._types:
            return value
        if not isinstance(value, dict):
            raise Mismatch(path, f"must be {type_name}, not {_kind(value)}")
        if type_name in self._subtypes:
            return self._convert_union(value, type_name, path)
        return self._convert_object(value, type_name, path)

    def _convert_union(self, value: dict[str, Any], type_name: str, path: str) -> Any:
        subtypes = self._subtypes[type_name]
        candidates = [s for s in subtypes if s.key is None or value.get(s.key) == s.value]
        if not candidates:
            keys = sorted({s.key for s in subtypes if s.key})
            if keys and all(key not in value for key in keys):
                raise Mismatch(f"{path}.{keys[0]}", "is required")
            found = {key: value.get(key) for key in keys if key in value}
            raise Mismatch(path, f"unsupported {type_name} {found}")
        failures: list[Mismatch] = []
        for subtype in candidates:
            try:
                return self._convert_object(value, subtype.name, path)
            except Mismatch as exc:
                failures.append(exc)
        raise max(failures, key=lambda exc: exc.depth)

    def _convert_object(self, value: dict[str, Any], type_name: str, path: str) -> Any:
        converted = dict(value)
        for spec_field in self._types[type_name]:
            item = value.get(spec_field.name)
            if item is None:
                if spec_field.required:
                    raise Mismatch(f"{path}.{spec_field.name}", "is required")
                continue
            converted[spec_field.name] = self._convert(
                item, spec_field.types, f"{path}.{spec_field.name}", top=False
            )
        return converted


def _fields(entry: Mapping[str, Any]) -> tuple[Field, ...]:
    return tuple(
        Field(name=f["name"], types=tuple(f["types"]), required=bool(f["required"]))
        for f in entry.get("fields", ())
    )


def _needs_json(type_names: tuple[str, ...], types: Mapping[str, Any]) -> bool:
    return any(name.startswith(_ARRAY) or name in types for name in type_names)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return f"String {value[:40]!r}"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, UploadedFile):
        return "an uploaded file"
    return type(value).__name__


def _integer(value: Any, path: str, top: bool) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if top and isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise Mismatch(path, f"must be Integer, not {_kind(value)}")


def _float(value: Any, path: str, top: bool) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if top and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise Mismatch(path, f"must be Float, not {_kind(value)}")


def _boolean(value: Any, path: str, top: bool) -> bool:
    if isinstance(value, bool):
        return value
    if top and isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise Mismatch(path, f"must be Boolean, not {_kind(value)}")


def _string(value: Any, path: str, top: bool) -> str:
    if isinstance(value, str):
        return value
    if top and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a JSON body may carry a number where the form would carry its text
    raise Mismatch(path, f"must be String, not {_kind(value)}")


_SCALARS = {"Integer": _integer, "Float": _float, "Boolean": _boolean, "String": _string}


def _missing(method: str, name: str) -> ApiError:
    if name == "text":
        return bad_request("message text is empty")
    return bad_request(f'parameter "{name}" is required')


def _refusal(name: str, exc: Mismatch) -> ApiError:
    if exc.path == name:
        return bad_request(f'can\'t parse parameter "{name}": {exc.reason}')
    return bad_request(f'can\'t parse parameter "{name}": field "{exc.path}" {exc.reason}')


@functools.lru_cache(maxsize=4)
def load_spec(path: Path) -> ApiSpec:
    """Load (once per path) a compact spec or an upstream api.json."""
    with path.open(encoding="utf-8") as fh:
        return ApiSpec(compact_spec(json.load(fh)))
