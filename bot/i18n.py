"""Messages in French and English, read from bot/locales/<lang>/<namespace>.toml.

A key is `<namespace>.<name>`: `start.greeting` is `greeting` in `start.toml`.
Both languages must have the same keys and the same placeholders; tests check it.

Messages are HTML: every parameter is escaped as it goes in, unless it is `Markup` (markup
the bot made: another message, a list of lines joined as Markup). Names and titles need no
escaping by hand, and cannot be forgotten.

A message that shows a count is a table of plural forms keyed by CLDR category, the form
picked by the language's rule (Babel) from the parameter `n`, or the one `count` names:

    [places_left]
    count = "left"                      # optional; "n" when absent
    one = "{left} place restante"       # French: 0 and 1
    other = "{left} places restantes"

or on one line, where the message stands: `found = { one = "{n} résultat", other = ... }`.

A table with an `other` key is such a message (so no namespace has a message named `other`).
A form the language's rule asks for but the table lacks falls back to `other` (French `many`,
"1 million de places", is never needed for the numbers the bot shows). The counted parameter
is written as a `Count`, with thousands separators.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel import Locale
from babel.plural import PluralRule
from markupsafe import Markup

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("fr", "en")
# Thousands separators: "3 500" (narrow no-break space) in French, "3,500" in English, as
# Babel's format_decimal writes them (tests/test_plurals.py checks); a replace costs 5 µs, it 200.
THOUSANDS = {"fr": "\u202f", "en": ","}
# CLDR's plural categories; a plural message's table may also name its `count` parameter
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
COUNT = "n"


class Count(int):
    """A number of things, shown with the reader's thousands separator ("3 500", "3,500").

    Only counts are marked: ids, years and hours keep their digits as they are.
    """


def grouped(lang: str, number: int) -> str:
    """Write a count with the language's thousands separator."""
    return f"{number:,}".replace(",", THOUSANDS.get(lang, THOUSANDS["fr"]))


class Plural(str):
    """A message with one text per plural category; as a str, its `other` form.

    Being a str, it goes wherever a message's text does (placeholders, the typography
    check, a marker of what a message says); `forms` has every form.
    """

    forms: Mapping[str, str]
    counted: str

    def __new__(cls, forms: Mapping[str, str], count: str = COUNT) -> Plural:
        """Make a plural message from its forms (`other` required) and its count's name."""
        self = super().__new__(cls, forms["other"])
        self.forms = dict(forms)
        self.counted = count
        return self

    def pick(self, rule: PluralRule, number: Any, key: str) -> str:
        """Give the form the language's rule picks for `number` (`other` if it has none)."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"{key}: {self.counted!r} picks the plural form, it must be a number")
        return self.forms.get(rule(number), self.forms["other"])


def forms(message: str) -> dict[str, str]:
    """List a message's texts by plural category (a plain message has only `other`)."""
    return dict(message.forms) if isinstance(message, Plural) else {"other": str(message)}


def _plural(key: str, table: Mapping[str, Any]) -> Plural:
    count = table.get("count", COUNT)
    texts = {k: v for k, v in table.items() if k != "count"}
    unknown = sorted(set(texts) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"{key}: {unknown} are not plural categories {CATEGORIES}")
    if not all(isinstance(v, str) for v in (count, *texts.values())):
        raise ValueError(f"{key}: plural forms and `count` must be strings")
    for category, text in texts.items():
        if count not in placeholders(text):
            raise ValueError(f"{key}.{category}: the form does not show {{{count}}}")
    return Plural(texts, count)


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict) and "other" in value:
            out[key] = _plural(key, value)
        elif isinstance(value, dict):
            _flatten(key, value, out)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ValueError(f"{key}: a message must be a string, not {type(value).__name__}")


def load_catalogue(directory: Path) -> dict[str, str]:
    """Read every <namespace>.toml of one language into a flat key -> text (or Plural)."""
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
        self._rules = {lang: Locale.parse(lang).plural_form for lang in catalogues}

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
        lang, text = self._template(lang, key, params)
        return Markup(text).format(**self._counts(lang, params))

    def plain(self, lang: str, key: str, /, **params: Any) -> str:
        """Give the message `key` in `lang` as plain text (a button's label, an alert)."""
        lang, text = self._template(lang, key, params)
        return text.format(**self._counts(lang, params))

    def _counts(self, lang: str, params: dict[str, Any]) -> dict[str, Any]:
        """Write the parameters marked as counts with the language's thousands separator."""
        lang = self.language(lang)
        return {k: grouped(lang, v) if isinstance(v, Count) else v for k, v in params.items()}

    def _template(self, lang: str, key: str, params: dict[str, Any]) -> tuple[str, str]:
        """Find the text (the right plural form) and the language it is written in."""
        if lang not in self._catalogues:
            lang = self.default
        text = self._catalogues[lang].get(key)
        if text is None:
            lang, text = self.default, self._catalogues[self.default].get(key)
        if text is None:
            raise KeyError(f"no message {key!r}")
        if isinstance(text, Plural):
            if text.counted not in params:
                raise KeyError(f"{key}: no {text.counted!r}, the count that picks the plural form")
            number = params[text.counted]
            form = text.pick(self._rules[lang], number, key)
            params[text.counted] = Count(number)
            return lang, form
        return lang, text

    def keys(self, lang: str) -> set[str]:
        """List every key of one language."""
        return set(self._catalogues[lang])
