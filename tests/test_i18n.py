from babel import Locale

from bot.i18n import LANGUAGES, Plural, Translator, forms, placeholders

# The plural forms each language needs for the numbers the bot shows (French `many`, for
# "1 million de places", falls back to `other`: "1 000 000 places" is right too)
NEEDED = {"fr": {"one", "other"}, "en": {"one", "other"}}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    t = Translator.load()
    fr, en = (t.keys(lang) for lang in LANGUAGES)
    assert fr == en, f"only in fr: {sorted(fr - en)}; only in en: {sorted(en - fr)}"
    for key in fr:
        expected = placeholders(t._catalogues["fr"][key])
        for lang in LANGUAGES:
            for category, text in forms(t._catalogues[lang][key]).items():
                assert placeholders(text) == expected, f"{lang} {key} {category}"


def test_plural_messages_have_the_forms_each_language_needs() -> None:
    t = Translator.load()
    plural = {
        k for lang in LANGUAGES for k, v in t._catalogues[lang].items() if isinstance(v, Plural)
    }
    assert len(plural) >= 30  # the counts of every feature, not one example
    for key in sorted(plural):
        for lang in LANGUAGES:
            message = t._catalogues[lang][key]
            assert isinstance(message, Plural), f"{key} is plural in one language only ({lang})"
            categories = set(message.forms)
            assert NEEDED[lang] <= categories, f"{lang} {key}: {sorted(categories)}"
            assert categories <= Locale.parse(lang).plural_form.tags | {"other"}, f"{lang} {key}"
            assert message.counted in placeholders(message), f"{lang} {key}"


def test_translator_fills_placeholders_and_falls_back() -> None:
    t = Translator.load()
    assert t("fr", "common.date", weekday="mardi", day=25, month="août") == "mardi 25 août"
    assert t("de", "common.weekday_0") == "lundi"
    assert t.language("en-GB") == "en"


def test_parameters_are_escaped_unless_they_are_markup() -> None:
    from markupsafe import Markup

    t = Translator({"fr": {"k": "<b>{name}</b> : {what}"}})
    hostile = '<a href="x">Zoé</a> & <i>'
    said = t("fr", "k", name=hostile, what=Markup("<i>ok</i>"))
    assert said == "<b>&lt;a href=&#34;x&#34;&gt;Zoé&lt;/a&gt; &amp; &lt;i&gt;</b> : <i>ok</i>"
    assert isinstance(said, Markup)  # a message put into another stays as it is
    assert t("fr", "k", name=said, what="") == f"<b>{said}</b> : "
    # Plain text (a button, an alert): as typed
    assert t.plain("fr", "k", name=hostile, what="&") == f"<b>{hostile}</b> : &"


def test_views_and_handlers_never_escape_by_hand() -> None:
    """Escaping happens as a message is formatted (bot/i18n.py), not here and there."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("bot/views", "handlers")
        for path in sorted((root / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])escape\(|html\.escape|markupsafe\.escape", line)
    ]
    assert found == []
