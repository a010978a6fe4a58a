"""``reply_markup``: Bot API keyboards (inline, reply, remove, force reply) <-> TL
``ReplyMarkup`` as the message store keeps it."""

from __future__ import annotations

from typing import Any

from tgcore.tl import TLObject, types
from tgserver.botapi.errors import bad_request

__all__ = ["MAX_CALLBACK_DATA", "markup_from_json", "markup_to_json"]

#: Longest callback_data, in bytes (Telegram's limit).
MAX_CALLBACK_DATA = 64


def _text(button: Any) -> str:
    if isinstance(button, str):
        return button
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse keyboard button: Text must be a String")
    return str(button["text"])


def _inline_button(button: Any) -> types.KeyboardInlineButton:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    text = button["text"]
    kind: types.TypeInlineButtonType
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(
                "can't parse inline keyboard button: Can't find field \"callback_data\""
            )
        raw = data.encode()
        if len(raw) > MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
        kind = types.InlineButtonTypeCallback(data=raw)
    elif "url" in button:
        if not isinstance(button["url"], str) or not button["url"]:
            raise bad_request("inline keyboard button URL must be non-empty")
        kind = types.InlineButtonTypeUrl(url=button["url"])
    elif "switch_inline_query" in button:
        kind = types.InlineButtonTypeSwitchInline(query=str(button["switch_inline_query"]))
    elif "switch_inline_query_current_chat" in button:
        kind = types.InlineButtonTypeSwitchInline(
            same_peer=True, query=str(button["switch_inline_query_current_chat"])
        )
    elif isinstance(button.get("copy_text"), dict):
        kind = types.InlineButtonTypeCopy(copy_text=str(button["copy_text"].get("text", "")))
    else:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    return types.KeyboardInlineButton(text=text, type=kind)


def _reply_button(button: Any) -> types.KeyboardButton:
    text = _text(button)
    kind: types.TypeButtonType = types.ButtonTypeDefault()
    if isinstance(button, dict):
        if button.get("request_contact"):
            kind = types.ButtonTypeRequestPhone()
        elif button.get("request_location"):
            kind = types.ButtonTypeRequestGeoLocation()
    return types.KeyboardButton(text=text, type=kind)


def _rows(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{what}" must be an Array of Array')
    return value


def markup_from_json(value: Any) -> TLObject | None:
    """The TL ``ReplyMarkup`` of a ``reply_markup`` parameter (None when absent).

    Raises:
        BotApiError: 400 ``can't parse reply keyboard markup JSON object`` and friends.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows: list[types.TypeKeyboardInlineButtonRow] = [
            types.KeyboardInlineButtonRow(buttons=[_inline_button(b) for b in row])
            for row in _rows(value["inline_keyboard"], "inline_keyboard")
        ]
        return types.ReplyInlineMarkup(rows=rows)
    if "keyboard" in value:
        reply_rows: list[types.TypeKeyboardButtonRow] = [
            types.KeyboardButtonRow(buttons=[_reply_button(b) for b in row])
            for row in _rows(value["keyboard"], "keyboard")
        ]
        placeholder = value.get("input_field_placeholder")
        return types.ReplyKeyboardMarkup(
            resize=bool(value.get("resize_keyboard")),
            single_use=bool(value.get("one_time_keyboard")),
            selective=bool(value.get("selective")),
            persistent=bool(value.get("is_persistent")),
            rows=reply_rows,
            placeholder=placeholder if isinstance(placeholder, str) else None,
        )
    if value.get("remove_keyboard"):
        return types.ReplyKeyboardHide(selective=bool(value.get("selective")))
    if value.get("force_reply"):
        placeholder = value.get("input_field_placeholder")
        return types.ReplyKeyboardForceReply(
            selective=bool(value.get("selective")),
            placeholder=placeholder if isinstance(placeholder, str) else None,
        )
    raise bad_request("can't parse reply keyboard markup JSON object")


def markup_to_json(markup: TLObject | None) -> dict[str, Any] | None:
    """The Bot API ``InlineKeyboardMarkup`` of a stored markup (Messages show only inline
    keyboards; None for anything else)."""
    if not isinstance(markup, types.ReplyInlineMarkup):
        return None
    rows: list[list[dict[str, Any]]] = []
    for row in markup.rows:
        buttons: list[dict[str, Any]] = []
        for button in getattr(row, "buttons", ()):
            kind = getattr(button, "type", None)
            item: dict[str, Any] = {"text": getattr(button, "text", "")}
            if isinstance(kind, types.InlineButtonTypeCallback):
                item["callback_data"] = kind.data.decode("utf-8", "replace")
            elif isinstance(kind, types.InlineButtonTypeUrl):
                item["url"] = kind.url
            elif isinstance(kind, types.InlineButtonTypeSwitchInline):
                key = (
                    "switch_inline_query_current_chat" if kind.same_peer else "switch_inline_query"
                )
                item[key] = kind.query
            elif isinstance(kind, types.InlineButtonTypeCopy):
                item["copy_text"] = {"text": kind.copy_text}
            buttons.append(item)
        rows.append(buttons)
    return {"inline_keyboard": rows}
