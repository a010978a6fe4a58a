"""What a simulated user sees of a message: :class:`ChatMessage` and its parts.

The message store keeps entities, keyboards and media as opaque TL bytes; these values decode
them once, into the shapes a bot's author thinks in (the Bot API's entity types, button rows,
file name and size), so a test reads ``reply.text``, ``reply.entities[0].type`` or
``reply.buttons[0][0].data`` directly.
"""

from __future__ import annotations

from typing import Any

import attrs

from tgcore.tl import types
from tgserver.botapi.entities import entities_to_json
from tgserver.rpc.handlers.render import decode_object, decode_objects
from tgserver.store.messages import MessageRecord

__all__ = ["Button", "ChatMessage", "Entity", "MediaInfo"]


@attrs.frozen
class Entity:
    """A formatting entity, named as the Bot API names it.

    Attributes:
        type: ``bold``, ``italic``, ``code``, ``pre``, ``text_link``, ``url``,
            ``bot_command``, ...
        offset: Start, in UTF-16 code units.
        length: Length, in UTF-16 code units.
        url: The target of a ``text_link``.
        language: The language of a ``pre`` block.
    """

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None

    def text_in(self, text: str) -> str:
        """The part of ``text`` this entity covers (offsets are UTF-16, as on the wire)."""
        encoded = text.encode("utf-16-le")
        return encoded[2 * self.offset : 2 * (self.offset + self.length)].decode("utf-16-le")


@attrs.frozen
class Button:
    """A button of an inline keyboard.

    Attributes:
        text: The label.
        data: The callback data of a callback button (what :meth:`SimulatedUser.press`
            sends back to the bot), else None.
        url: The link of a URL button, else None.
    """

    text: str
    data: bytes | None = None
    url: str | None = None


@attrs.frozen
class MediaInfo:
    """The file attached to a message (download it with ``user.download(message)``).

    Attributes:
        kind: ``photo`` or ``document``.
        media_id: The server's id of the stored file.
        name: The file name ("" for photos and unnamed files).
        mime_type: The MIME type (``image/jpeg`` for photos).
        size: The size in bytes (the largest size of a photo).
    """

    kind: str
    media_id: int
    name: str
    mime_type: str
    size: int


@attrs.frozen
class ChatMessage:
    """A message of a private chat as one participant sees it.

    Attributes:
        id: The message id in this user's box (what the user's client would show).
        chat_id: The other side of the chat (a user or bot id).
        sender_id: Who wrote it.
        outgoing: Whether this user wrote it.
        date: Unix time it was sent.
        text: The text, or the caption of a media message.
        entities: Formatting of :attr:`text`.
        buttons: The rows of an inline keyboard (empty when there is none).
        keyboard: The rows of button labels of a reply keyboard (empty when there is none).
        media: The attached photo or document, or None.
        reply_to: The id (in this box) of the message it answers, or None.
        edit_date: Unix time of its latest edit, or None.
        record: The store's record (what the services take).
    """

    id: int
    chat_id: int
    sender_id: int
    outgoing: bool
    date: int
    text: str
    entities: tuple[Entity, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    keyboard: tuple[tuple[str, ...], ...] = ()
    media: MediaInfo | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    record: MessageRecord | None = attrs.field(default=None, repr=False, eq=False)

    def button(self, text: str) -> Button:
        """The inline button labelled ``text``.

        Raises:
            LookupError: there is no such button.
        """
        for row in self.buttons:
            for button in row:
                if button.text == text:
                    return button
        labels = [button.text for row in self.buttons for button in row]
        raise LookupError(f"no button {text!r} under message {self.id} (buttons: {labels})")

    @property
    def button_texts(self) -> list[str]:
        """Every inline button label, row by row."""
        return [button.text for row in self.buttons for button in row]


def decode_entities(data: bytes | None) -> tuple[Entity, ...]:
    """The stored TL entity vector as :class:`Entity` values."""
    found = entities_to_json(decode_objects(data), lambda user_id: {"id": user_id})
    return tuple(
        Entity(
            type=str(item["type"]),
            offset=int(item["offset"]),
            length=int(item["length"]),
            url=item.get("url"),
            language=item.get("language"),
        )
        for item in found
    )


def _inline_button(button: Any) -> Button:
    kind = getattr(button, "type", None)
    text = str(getattr(button, "text", ""))
    if isinstance(kind, types.InlineButtonTypeCallback):
        return Button(text=text, data=bytes(kind.data))
    if isinstance(kind, types.InlineButtonTypeUrl):
        return Button(text=text, url=kind.url)
    return Button(text=text)


def decode_markup(
    data: bytes | None,
) -> tuple[tuple[tuple[Button, ...], ...], tuple[tuple[str, ...], ...]]:
    """The stored ``ReplyMarkup``: (inline button rows, reply keyboard label rows)."""
    markup = decode_object(data)
    if isinstance(markup, types.ReplyInlineMarkup):
        rows = tuple(
            tuple(_inline_button(b) for b in getattr(row, "buttons", ())) for row in markup.rows
        )
        return rows, ()
    if isinstance(markup, types.ReplyKeyboardMarkup):
        labels = tuple(
            tuple(str(getattr(b, "text", "")) for b in getattr(row, "buttons", ()))
            for row in markup.rows
        )
        return (), labels
    return (), ()


def chat_message(record: MessageRecord, media: MediaInfo | None) -> ChatMessage:
    """The :class:`ChatMessage` of a box record (``media`` looked up by the caller)."""
    buttons, keyboard = decode_markup(record.reply_markup)
    return ChatMessage(
        id=record.id,
        chat_id=record.peer_id,
        sender_id=record.from_id,
        outgoing=record.out,
        date=record.date,
        text=record.text,
        entities=decode_entities(record.entities),
        buttons=buttons,
        keyboard=keyboard,
        media=media,
        reply_to=record.reply_to,
        edit_date=record.edit_date,
        record=record,
    )
