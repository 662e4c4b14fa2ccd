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
