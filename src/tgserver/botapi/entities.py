"""Bot API ``MessageEntity`` JSON <-> the TL entities the message store keeps, and the
``bot_command`` entities incoming commands get."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final

from tgcore.tl import TLObject, types
from tgserver.botapi.errors import bad_request
from tgserver.botapi.formatting import Entity, utf16_len

__all__ = ["command_entities", "entities_from_json", "entities_to_json", "entities_to_tl"]

_SIMPLE: Final[dict[str, Callable[..., TLObject]]] = {
    "bold": types.MessageEntityBold,
    "italic": types.MessageEntityItalic,
    "underline": types.MessageEntityUnderline,
    "strikethrough": types.MessageEntityStrike,
    "spoiler": types.MessageEntitySpoiler,
    "code": types.MessageEntityCode,
    "bot_command": types.MessageEntityBotCommand,
    "url": types.MessageEntityUrl,
    "mention": types.MessageEntityMention,
    "hashtag": types.MessageEntityHashtag,
    "cashtag": types.MessageEntityCashtag,
    "email": types.MessageEntityEmail,
    "phone_number": types.MessageEntityPhone,
}
_NAMES: Final = {cls: name for name, cls in _SIMPLE.items()}


def entities_from_json(value: Any) -> list[Entity]:
    """Validate an ``entities`` / ``caption_entities`` parameter.

    Raises:
        BotApiError: 400 when it is not a list of entities.
    """
    if not isinstance(value, list):
        raise bad_request("can't parse entities JSON object")
    found: list[Entity] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("type"), str)
            or not isinstance(item.get("offset"), int)
            or not isinstance(item.get("length"), int)
        ):
            raise bad_request("can't parse MessageEntity")
        found.append(item)
    return found


def entities_to_tl(entities: Sequence[Entity], text: str) -> list[TLObject]:
    """TL entities of Bot API ones (unknown types dropped, ranges clipped to the text)."""
    total = utf16_len(text)
    result: list[TLObject] = []
    for entity in entities:
        offset, length = int(entity["offset"]), int(entity["length"])
        if offset < 0 or length <= 0 or offset >= total:
            continue
        length = min(length, total - offset)
        kind = entity["type"]
        simple = _SIMPLE.get(kind)
        if simple is not None:
            result.append(simple(offset=offset, length=length))
        elif kind == "pre":
            language = entity.get("language")
            result.append(
                types.MessageEntityPre(
                    offset=offset,
                    length=length,
                    language=language if isinstance(language, str) else "",
                )
            )
        elif kind == "text_link" and isinstance(entity.get("url"), str):
            result.append(
                types.MessageEntityTextUrl(offset=offset, length=length, url=entity["url"])
            )
        elif kind == "text_mention":
            user = entity.get("user")
            if isinstance(user, dict) and isinstance(user.get("id"), int):
                result.append(
                    types.MessageEntityMentionName(offset=offset, length=length, user_id=user["id"])
                )
        elif kind in ("blockquote", "expandable_blockquote"):
            result.append(
                types.MessageEntityBlockquote(
                    offset=offset, length=length, collapsed=kind == "expandable_blockquote"
                )
            )
        elif kind == "custom_emoji" and str(entity.get("custom_emoji_id", "")).isdigit():
            result.append(
                types.MessageEntityCustomEmoji(
                    offset=offset, length=length, document_id=int(entity["custom_emoji_id"])
                )
            )
    return result


def entities_to_json(
    entities: Sequence[TLObject], user_json: Callable[[int], dict[str, Any] | None]
) -> list[Entity]:
    """Bot API entities of stored TL ones (``user_json`` renders text_mention users)."""
    result: list[Entity] = []
    for entity in entities:
        offset = getattr(entity, "offset", 0)
        length = getattr(entity, "length", 0)
        base: Entity
        name = _NAMES.get(type(entity))
        if name is not None:
            base = {"type": name}
        elif isinstance(entity, types.MessageEntityPre):
            base = {"type": "pre"}
            if entity.language:
                base["language"] = entity.language
        elif isinstance(entity, types.MessageEntityTextUrl):
            base = {"type": "text_link", "url": entity.url}
        elif isinstance(entity, types.MessageEntityMentionName):
            user = user_json(entity.user_id)
            if user is None:
                continue
            base = {"type": "text_mention", "user": user}
        elif isinstance(entity, types.MessageEntityBlockquote):
            base = {"type": "expandable_blockquote" if entity.collapsed else "blockquote"}
        elif isinstance(entity, types.MessageEntityCustomEmoji):
            base = {"type": "custom_emoji", "custom_emoji_id": str(entity.document_id)}
        else:
            continue
        result.append({**base, "offset": offset, "length": length})
    return result


_COMMAND = re.compile(r"/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,64})?")


def command_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """``entities`` plus a ``bot_command`` entity for a command at the start of ``text``
    (what Telegram's servers add to messages that clients send without one)."""
    if any(e["type"] == "bot_command" for e in entities):
        return entities
    match = _COMMAND.match(text)
    if match is None:
        return entities
    # Entities at offset 0 would overlap; a command is only a command as plain text.
    if any(e["offset"] < match.end() for e in entities):
        return entities
    command: Entity = {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}
    return [command, *entities]
