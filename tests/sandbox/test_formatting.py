"""Telegram's HTML subset, entity detection and UTF-16 lengths (no I/O)."""

from __future__ import annotations

import pytest

from bot.sandbox.formatting import (
    EntityParseError,
    FormattedText,
    detect_entities,
    parse_html,
    trim,
    utf16_len,
)


def spans(html: str) -> tuple[str, list[tuple[object, ...]]]:
    parsed = parse_html(html)
    described = [
        (e["type"], e["offset"], e["length"], *[v for k, v in e.items() if k not in _BASIC])
        for e in parsed.entities
    ]
    return parsed.text, described


_BASIC = {"type", "offset", "length"}


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("", "", []),
        ("&lt;&gt;&amp;&quot;", '<>&"', []),
        ("&lt&gt", "<>", []),  # as Telegram: the semicolon may be left out
        ("&#65;&#x42;&#67", "ABC", []),
        ("&#128512;", "😀", []),
        ("➡️ ➡️<i>➡️ ➡️</i>", "➡️ ➡️➡️ ➡️", [("italic", 5, 5)]),
        ("<b>a<i>b</i></b>", "ab", [("bold", 0, 2), ("italic", 1, 1)]),
        (
            "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike><s>f</s>",
            "abcdef",
            [
                ("bold", 0, 1),
                ("italic", 1, 1),
                ("underline", 2, 1),
                ("strikethrough", 3, 1),
                ("strikethrough", 4, 1),
                ("strikethrough", 5, 1),
            ],
        ),
        ("<B>x</b>", "x", [("bold", 0, 1)]),
        ("<b></b>x", "x", []),  # empty entities are dropped
        ("<i>a</>", "a", [("italic", 0, 1)]),
        ("<i    aba  =  '&lt;&gt;'>a</i   >", "a", [("italic", 0, 1)]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        (
            '<a href="https://example.org/x?a=1&b=2">lien</a>',
            "lien",
            [("text_link", 0, 4, "https://example.org/x?a=1&b=2")],
        ),
        ("<a href=telegram.org>t</a>", "t", [("text_link", 0, 1, "http://telegram.org/")]),
        (
            "<a>https://telegram.org/a</a>",
            "https://telegram.org/a",
            [("text_link", 0, 22, "https://telegram.org/a")],
        ),
        ('<a href="nowhere">x</a>', "x", []),
        ("<code>x</code>", "x", [("code", 0, 1)]),
        ("<pre>x</pre>", "x", [("pre", 0, 1)]),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [("pre", 0, 5, "python")],
        ),
        ('<code class="language-python">x</code>', "x", [("code", 0, 1)]),
        (
            "<blockquote>q</blockquote><blockquote expandable>e</blockquote>",
            "qe",
            [("blockquote", 0, 1), ("expandable_blockquote", 1, 1)],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [("custom_emoji", 0, 2, "5368324170671202286")],
        ),
        (
            '<tg-time unix="1780000000" format="wDT">lundi</tg-time>',
            "lundi",
            [("date_time", 0, 5, 1780000000, "wDT")],
        ),
    ],
)
def test_html_is_parsed_as_telegram_does(
    html: str, text: str, entities: list[tuple[object, ...]]
) -> None:
    assert spans(html) == (text, entities)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        (
            "🏟 🏟&lt;<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<tg-emoji emoji-id="+5">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("&#xDFDF;", "Text contains invalid Unicode characters after decoding HTML entities"),
        ("Tom & Jerry", "Character '&' at byte offset 4 does not start an HTML entity"),
        ("&nbsp;", "Character '&' at byte offset 0 does not start an HTML entity"),
        ("&#12345678;", "Character '&' at byte offset 0 does not start an HTML entity"),
    ],
)
def test_bad_html_is_refused_with_telegrams_reason(html: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as refused:
        parse_html(html)
    assert str(refused.value).startswith(reason)


def test_a_link_to_a_known_user_becomes_a_text_mention() -> None:
    alice = {"id": 42, "is_bot": False, "first_name": "Alice"}
    parsed = parse_html(
        '<a href="tg://user?id=42">Alice</a> <a href="tg://user?id=7">?</a>',
        lambda user_id: alice if user_id == 42 else None,
    )
    assert parsed.entities == [{"type": "text_mention", "offset": 0, "length": 5, "user": alice}]


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert [utf16_len(s) for s in ("", "abc", "é", "😀", "➡️")] == [0, 3, 1, 2, 2]


def test_trimming_moves_the_entities_with_the_text() -> None:
    parsed = trim(parse_html("\n  <b>😀 gras</b> fin  \n"))
    assert parsed == FormattedText("😀 gras fin", [{"type": "bold", "offset": 0, "length": 7}])


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("/start", [("bot_command", 0, 6)]),
        ("/start@rencontre_bot x", [("bot_command", 0, 20)]),
        ("a/b /c", [("bot_command", 4, 2)]),
        ("/start@ab", []),  # a bot name has at least 3 characters
        ("/dé", []),
        ("salut @alice et @b", [("mention", 6, 6)]),
        ("mail@example.org", []),
        ("😀 @alice_2", [("mention", 3, 8)]),
    ],
)
def test_commands_and_mentions_are_detected(
    text: str, entities: list[tuple[str, int, int]]
) -> None:
    assert [(e["type"], e["offset"], e["length"]) for e in detect_entities(text)] == entities
