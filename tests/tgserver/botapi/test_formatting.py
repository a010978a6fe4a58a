"""parse_mode: HTML, MarkdownV2 and legacy Markdown to text + entities (UTF-16 offsets),
and the official wording of parse errors; entity and keyboard conversions."""

from __future__ import annotations

import pytest

from tgcore.tl import types
from tgserver.botapi import (
    BotApiError,
    command_entities,
    entities_to_json,
    entities_to_tl,
    markup_from_json,
    markup_to_json,
    parse_text,
    utf16_len,
)


def test_plain_text_has_no_entities() -> None:
    assert parse_text("<b>x</b>", None) == ("<b>x</b>", [])


def test_html_tags_and_utf16_offsets() -> None:
    text, entities = parse_text(
        "𝄞<b>b<i>bi</i></b><u>u</u><s>s</s><tg-spoiler>sp</tg-spoiler><code>c</code>"
        '<pre><code class="language-py">p</code></pre><a href="tg://user?id=42">m</a>'
        '<span class="tg-spoiler">x</span><blockquote>q</blockquote>&amp;&#33;',
        "HTML",
    )
    assert text == "𝄞bbiusspcpmxq&!"
    assert utf16_len("𝄞") == 2
    assert entities == [
        {"type": "bold", "offset": 2, "length": 3},
        {"type": "italic", "offset": 3, "length": 2},
        {"type": "underline", "offset": 5, "length": 1},
        {"type": "strikethrough", "offset": 6, "length": 1},
        {"type": "spoiler", "offset": 7, "length": 2},
        {"type": "code", "offset": 9, "length": 1},
        {"type": "pre", "offset": 10, "length": 1, "language": "py"},
        {"type": "text_mention", "offset": 11, "length": 1, "user": {"id": 42}},
        {"type": "spoiler", "offset": 12, "length": 1},
        {"type": "blockquote", "offset": 13, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<x>a</x>", 'Unsupported start tag "x" at byte offset 0'),
        ("é<b>a", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>a</u>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</u>"'),
        ("a</b>", "Unexpected end tag at byte offset 1"),
        ("a <b", "Unclosed start tag at byte offset 2"),
    ],
)
def test_html_errors(source: str, message: str) -> None:
    with pytest.raises(BotApiError) as caught:
        parse_text(source, "HTML")
    assert caught.value.code == 400
    assert caught.value.description == f"Bad Request: can't parse entities: {message}"


def test_markdown_v2() -> None:
    text, entities = parse_text(
        "*b _bi_* __u__ ~s~ ||sp|| [l](http://x.y/\\)) `c\\`` \\*\n```go\ncode\n```", "MarkdownV2"
    )
    assert text == "b bi u s sp l c` *\ncode\n"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 2, "length": 2},
        {"type": "underline", "offset": 5, "length": 1},
        {"type": "strikethrough", "offset": 7, "length": 1},
        {"type": "spoiler", "offset": 9, "length": 2},
        {"type": "text_link", "url": "http://x.y/)", "offset": 12, "length": 1},
        {"type": "code", "offset": 14, "length": 2},
        {"type": "pre", "offset": 19, "length": 5, "language": "go"},
    ]


def test_markdown_v2_blockquote() -> None:
    text, entities = parse_text(">quoted *b*\n>more\nafter", "MarkdownV2")
    assert text == "quoted b\nmore\nafter"
    assert {"type": "blockquote", "offset": 0, "length": 13} in entities
    assert {"type": "bold", "offset": 7, "length": 1} in entities


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a.b", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*open", "Can't find end of Bold entity at byte offset 0"),
        ("x `code", "Can't find end of Code entity at byte offset 2"),
    ],
)
def test_markdown_v2_errors(source: str, message: str) -> None:
    with pytest.raises(BotApiError) as caught:
        parse_text(source, "MarkdownV2")
    assert caught.value.description == f"Bad Request: can't parse entities: {message}"


def test_legacy_markdown() -> None:
    text, entities = parse_text("*b* _i_ `c` [t](http://u) a.b \\*", "Markdown")
    assert text == "b i c t a.b *"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]


def test_unknown_parse_mode() -> None:
    with pytest.raises(BotApiError, match="unsupported parse_mode"):
        parse_text("x", "BBCode")


def test_entities_round_trip_through_tl() -> None:
    entities = [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "pre", "offset": 1, "length": 1, "language": "py"},
        {"type": "text_link", "offset": 2, "length": 1, "url": "http://a"},
        {"type": "custom_emoji", "offset": 3, "length": 1, "custom_emoji_id": "77"},
        {"type": "expandable_blockquote", "offset": 4, "length": 1},
        {"type": "unknown_kind", "offset": 0, "length": 1},
        {"type": "bold", "offset": 9, "length": 1},  # past the end: dropped
    ]
    tl = entities_to_tl(entities, "abcdef")
    assert isinstance(tl[0], types.MessageEntityBold)
    assert entities_to_json(tl, lambda _: None) == entities[:5]
    mention = entities_to_tl(
        [{"type": "text_mention", "offset": 0, "length": 1, "user": {"id": 5}}], "a"
    )
    assert entities_to_json(mention, lambda i: {"id": i}) == [
        {"type": "text_mention", "user": {"id": 5}, "offset": 0, "length": 1}
    ]
    assert entities_to_json(mention, lambda i: None) == []


def test_command_entities() -> None:
    assert command_entities("/start@my_bot x", []) == [
        {"type": "bot_command", "offset": 0, "length": 13}
    ]
    assert command_entities("hello /start", []) == []
    bold = [{"type": "bold", "offset": 0, "length": 2}]
    assert command_entities("/s", bold) == bold


def test_keyboards() -> None:
    inline = {
        "inline_keyboard": [
            [{"text": "a", "callback_data": "1"}, {"text": "u", "url": "https://x"}],
            [
                {"text": "s", "switch_inline_query": "q"},
                {"text": "c", "switch_inline_query_current_chat": ""},
            ],
            [{"text": "copy", "copy_text": {"text": "t"}}],
        ]
    }
    assert markup_to_json(markup_from_json(inline)) == inline
    forced = markup_from_json({"force_reply": True, "input_field_placeholder": "say"})
    assert isinstance(forced, types.ReplyKeyboardForceReply) and forced.placeholder == "say"
    assert markup_to_json(forced) is None
    assert markup_from_json(None) is None
    for bad in (
        [1],
        {"nothing": 1},
        {"inline_keyboard": [{"text": "a"}]},
        {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]},
        {"keyboard": [[{"no_text": 1}]]},
    ):
        with pytest.raises(BotApiError):
            markup_from_json(bad)
