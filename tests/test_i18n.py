from bot.i18n import LANGUAGES, Translator, placeholders


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    t = Translator.load()
    fr, en = (t.keys(lang) for lang in LANGUAGES)
    assert fr == en, f"only in fr: {sorted(fr - en)}; only in en: {sorted(en - fr)}"
    for key in fr:
        assert placeholders(t._catalogues["fr"][key]) == placeholders(t._catalogues["en"][key]), key


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
