"""``parse_mode``: HTML, MarkdownV2 and legacy Markdown into plain text and Bot API entities
(offsets and lengths in UTF-16 code units), worded errors as the official server's
("Can't parse entities: ...")."""

from __future__ import annotations

import html
import re
from typing import Any, Final

from tgserver.botapi.errors import BotApiError, bad_request

__all__ = ["Entity", "parse_text", "utf16_len"]

Entity = dict[str, Any]

_HTML_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "span": "spoiler",
}


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _error(what: str) -> BotApiError:
    return bad_request(f"can't parse entities: {what[:1].upper()}{what[1:]}")


def parse_text(text: str, mode: str | None) -> tuple[str, list[Entity]]:
    """The plain text and entities of ``text`` in ``mode`` (None/"": plain text).

    Raises:
        BotApiError: 400 ``Bad Request: can't parse entities: ...`` or an unsupported mode.
    """
    if not mode:
        return text, []
    key = mode.lower()
    if key == "html":
        return _parse_html(text)
    if key == "markdownv2":
        return _Markdown(text, v2=True).parse()
    if key == "markdown":
        return _Markdown(text, v2=False).parse()
    raise bad_request("unsupported parse_mode")


# -- HTML ----------------------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)\s*(/?)>")
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _parse_html(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    pos16 = 0
    entities: list[Entity] = []
    stack: list[tuple[str, int, Entity]] = []  # (tag, start offset, entity draft)
    draft: Entity
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            match = _TAG.match(source, i)
            if match is None:
                raise _error(
                    f"unexpected end tag at byte offset {len(source[:i].encode())}"
                    if source.startswith("</", i)
                    else f"unclosed start tag at byte offset {len(source[:i].encode())}"
                )
            closing, name, attrs_text = (
                match.group(1) == "/",
                match.group(2).lower(),
                match.group(3),
            )
            offset = len(source[:i].encode())
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise _error(f'unsupported {kind} tag "{name}" at byte offset {offset}')
            if closing:
                if not stack:
                    raise _error(f"unexpected end tag at byte offset {offset}")
                open_name, start, draft = stack.pop()
                if open_name != name:
                    raise _error(
                        f'unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                length = pos16 - start
                if (
                    draft["type"] == "pre"
                    and entities
                    and entities[-1]["type"] == "code"
                    and (entities[-1]["offset"] == start and entities[-1]["length"] == length)
                ):
                    # <pre><code class="language-x"> is one pre entity with a language.
                    inner = entities.pop()
                    if "language" in inner:
                        draft["language"] = inner["language"]
                if length > 0 and draft["type"] != "ignore":
                    entities.append(
                        {
                            "type": draft["type"],
                            "offset": start,
                            "length": length,
                            **{k: v for k, v in draft.items() if k != "type"},
                        }
                    )
            else:
                attrs = {
                    m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                    for m in _ATTR.finditer(attrs_text)
                }
                draft = {"type": _HTML_TAGS[name]}
                if name == "a":
                    href = attrs.get("href", "")
                    if href.startswith("tg://user?id="):
                        user_id = href[len("tg://user?id=") :]
                        if not user_id.isdigit():
                            raise _error(f'invalid user identifier in "{href}"')
                        draft = {"type": "text_mention", "user": {"id": int(user_id)}}
                    elif href:
                        draft["url"] = href
                    else:
                        draft = {"type": "ignore"}
                elif name == "span":
                    if attrs.get("class") != "tg-spoiler":
                        raise _error(f'unsupported start tag "span" at byte offset {offset}')
                elif name == "code":
                    language = attrs.get("class", "")
                    if language.startswith("language-"):
                        draft["language"] = language[len("language-") :]
                elif name == "tg-emoji":
                    emoji_id = attrs.get("emoji-id", "")
                    if not emoji_id.isdigit():
                        raise _error('expected custom emoji identifier in "emoji-id"')
                    draft["custom_emoji_id"] = emoji_id
                elif name == "blockquote" and "expandable" in attrs_text.lower():
                    draft["type"] = "expandable_blockquote"
                if match.group(4) != "/":
                    stack.append((name, pos16, draft))
            i = match.end()
            continue
        if ch == "&":
            end = source.find(";", i, i + 12)
            if end > 0:
                decoded = html.unescape(source[i : end + 1])
                if decoded != source[i : end + 1]:
                    out.append(decoded)
                    pos16 += utf16_len(decoded)
                    i = end + 1
                    continue
        if ch == ">":
            pass
        out.append(ch)
        pos16 += 2 if ord(ch) > 0xFFFF else 1
        i += 1
    if stack:
        raise _error(f'can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# -- Markdown ------------------------------------------------------------------------------------

_V2_RESERVED: Final = set("_*[]()~`>#+-=|{}.!")
_V2_NAMES: Final = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "`": "Code",
    "```": "Pre",
    "[": "TextUrl",
}
_TYPES: Final = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


class _Markdown:
    def __init__(self, source: str, *, v2: bool) -> None:
        self.src = source
        self.v2 = v2
        self.out: list[str] = []
        self.pos16 = 0
        self.entities: list[Entity] = []

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.pos16 += utf16_len(text)

    def _byte(self, i: int) -> int:
        return len(self.src[:i].encode())

    def parse(self) -> tuple[str, list[Entity]]:
        src = self.src
        n = len(src)
        stack: list[tuple[str, int, int]] = []  # (marker, start offset, source index)
        i = 0
        while i < n:
            ch = src[i]
            if (
                ch == "\\"
                and i + 1 < n
                and ((self.v2 and ord(src[i + 1]) < 127) or src[i + 1] in "_*`[")
            ):
                self._emit(src[i + 1])
                i += 2
                continue
            if ch == "`":
                i = self._code(i)
                continue
            if ch == "[":
                stack.append(("[", self.pos16, i))
                i += 1
                continue
            if ch == "]" and stack and stack[-1][0] == "[":
                i = self._link(i, stack.pop())
                continue
            marker = None
            if self.v2:
                if src.startswith("__", i):
                    marker = "__"
                elif src.startswith("||", i):
                    marker = "||"
                elif ch in "*_~":
                    marker = ch
            elif ch in "*_":
                marker = ch
            if marker is not None:
                if stack and stack[-1][0] == marker:
                    _, start, _ = stack.pop()
                    if self.pos16 > start:
                        self.entities.append(
                            {"type": _TYPES[marker], "offset": start, "length": self.pos16 - start}
                        )
                elif not self.v2 and stack and stack[-1][0] != "[":
                    # Legacy Markdown has no nesting: the marker is text inside another entity.
                    self._emit(marker)
                else:
                    stack.append((marker, self.pos16, i))
                i += len(marker)
                continue
            if self.v2 and ch in _V2_RESERVED:
                if ch == ">" and (i == 0 or src[i - 1] == "\n"):
                    i = self._quote(i)
                    continue
                raise _error(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            self._emit(ch)
            i += 1
        if stack:
            marker, _, index = stack[-1]
            raise _error(
                f"can't find end of {_V2_NAMES.get(marker, 'the')} entity at byte offset "
                f"{self._byte(index)}"
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _code(self, i: int) -> int:
        src = self.src
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            if end < 0:
                raise _error(f"can't find end of Pre entity at byte offset {self._byte(i)}")
            body = src[i + 3 : end]
            language = ""
            first, newline, rest = body.partition("\n")
            if newline and first and " " not in first.strip():
                language, body = first.strip(), rest
            body = self._unescape_code(body)
            start = self.pos16
            self._emit(body)
            if self.pos16 > start:
                entity: Entity = {"type": "pre", "offset": start, "length": self.pos16 - start}
                if language:
                    entity["language"] = language
                self.entities.append(entity)
            return end + 3
        end = i + 1
        while end < len(src) and src[end] != "`":
            end += 2 if (self.v2 and src[end] == "\\") else 1
        if end >= len(src):
            raise _error(f"can't find end of Code entity at byte offset {self._byte(i)}")
        start = self.pos16
        self._emit(self._unescape_code(src[i + 1 : end]))
        if self.pos16 > start:
            self.entities.append({"type": "code", "offset": start, "length": self.pos16 - start})
        return end + 1

    def _unescape_code(self, text: str) -> str:
        if not self.v2:
            return text
        return re.sub(r"\\([`\\])", r"\1", text)

    def _link(self, i: int, opened: tuple[str, int, int]) -> int:
        src = self.src
        _, start, index = opened
        if not src.startswith("(", i + 1):
            if self.v2:
                raise _error(f"can't find end of TextUrl entity at byte offset {self._byte(index)}")
            return i + 1
        end = src.find(")", i + 2)
        while self.v2 and end > 0 and src[end - 1] == "\\":
            end = src.find(")", end + 1)
        if end < 0:
            raise _error(f"can't find end of a URL at byte offset {self._byte(i + 1)}")
        url = re.sub(r"\\(.)", r"\1", src[i + 2 : end]) if self.v2 else src[i + 2 : end]
        if self.pos16 > start:
            if url.startswith("tg://user?id=") and url[13:].isdigit():
                entity: Entity = {"type": "text_mention", "user": {"id": int(url[13:])}}
            else:
                entity = {"type": "text_link", "url": url}
            self.entities.append({**entity, "offset": start, "length": self.pos16 - start})
        return end + 1

    def _quote(self, i: int) -> int:
        src = self.src
        start = self.pos16
        # A run of lines starting with '>' is one blockquote.
        while i < len(src) and src[i] == ">" and (i == 0 or src[i - 1] == "\n"):
            i += 1
            end = src.find("\n", i)
            line_end = len(src) if end < 0 else end
            inner, entities = _Markdown(src[i:line_end], v2=True).parse()
            base = self.pos16
            self._emit(inner)
            for entity in entities:
                entity["offset"] += base
                self.entities.append(entity)
            i = line_end
            if end >= 0 and i + 1 < len(src) and src[i + 1] == ">":
                self._emit("\n")
                i += 1
        if self.pos16 > start:
            self.entities.append(
                {"type": "blockquote", "offset": start, "length": self.pos16 - start}
            )
        return i
