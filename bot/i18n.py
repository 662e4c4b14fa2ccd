"""Messages in French and English, read from bot/locales/<lang>/<namespace>.toml.

A key is `<namespace>.<name>`: `start.greeting` is `greeting` in `start.toml`.
Both languages must have the same keys and the same placeholders; tests check it.

Messages are HTML: every parameter is escaped as it goes in, unless it is `Markup` (markup
the bot made: another message, a list of lines joined as Markup). Names and titles need no
escaping by hand, and cannot be forgotten.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("fr", "en")
# Thousands separators: "3 500" (narrow no-break space) in French, "3,500" in English. Two
# languages with one rule each do not need Babel (a large dependency for one character).
THOUSANDS = {"fr": "\u202f", "en": ","}


class Count(int):
    """A number of things, shown with the reader's thousands separator ("3 500", "3,500").

    Only counts are marked: ids, years and hours keep their digits as they are.
    """


def grouped(lang: str, number: int) -> str:
    """Write a count with the language's thousands separator."""
    return f"{number:,}".replace(",", THOUSANDS.get(lang, THOUSANDS["fr"]))


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict):
            _flatten(key, value, out)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ValueError(f"{key}: a message must be a string, not {type(value).__name__}")


def load_catalogue(directory: Path) -> dict[str, str]:
    """Read every <namespace>.toml of one language into a flat key -> text mapping."""
    out: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def placeholders(text: str) -> set[str]:
    """List the {names} a message expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Translator:
    """Turn a message key and its parameters into text in one language."""

    def __init__(self, catalogues: Mapping[str, Mapping[str, str]], default: str = "fr") -> None:
        self._catalogues = catalogues
        self.default = default

    @classmethod
    def load(cls, default: str = "fr", directory: Path = LOCALES_DIR) -> Translator:
        """Load the shipped catalogues."""
        return cls({lang: load_catalogue(directory / lang) for lang in LANGUAGES}, default)

    def language(self, code: str | None) -> str:
        """Pick a supported language for a Telegram language code."""
        if code and code[:2].lower() in self._catalogues:
            return code[:2].lower()
        return self.default

    def has(self, key: str) -> bool:
        """Tell whether a key exists."""
        return key in self._catalogues[self.default]

    def __call__(self, lang: str, key: str, /, **params: Any) -> Markup:
        """Give the message `key` in `lang` as HTML, every parameter but Markup escaped."""
        return Markup(self._template(lang, key)).format(**self._counts(lang, params))

    def plain(self, lang: str, key: str, /, **params: Any) -> str:
        """Give the message `key` in `lang` as plain text (a button's label, an alert)."""
        return self._template(lang, key).format(**self._counts(lang, params))

    def _counts(self, lang: str, params: dict[str, Any]) -> dict[str, Any]:
        """Write the parameters marked as counts with the language's thousands separator."""
        lang = self.language(lang)
        return {k: grouped(lang, v) if isinstance(v, Count) else v for k, v in params.items()}

    def _template(self, lang: str, key: str) -> str:
        catalogue = self._catalogues.get(lang) or self._catalogues[self.default]
        text = catalogue.get(key)
        if text is None:
            text = self._catalogues[self.default].get(key)
        if text is None:
            raise KeyError(f"no message {key!r}")
        return text

    def keys(self, lang: str) -> set[str]:
        """List every key of one language."""
        return set(self._catalogues[lang])
