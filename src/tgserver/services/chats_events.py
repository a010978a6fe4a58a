"""What the basic-group services publish on the event bus besides box changes.

A group message is published as one :class:`~tgserver.services.events.BoxEvent` per member's
box (like a private message); these values carry what is not stored in a box.
"""

from __future__ import annotations

import attrs

from tgserver.services.events import Origin

__all__ = ["ChatChangedEvent", "ChatTypingEvent"]


@attrs.frozen
class ChatTypingEvent:
    """``from_id`` is typing in the basic group ``chat_id``; pushed to member ``user_id``.

    Attributes:
        user_id: The member told.
        chat_id: The group.
        from_id: Who is typing.
        action: The serialized ``SendMessageAction``.
        date: Unix time.
    """

    user_id: int
    chat_id: int
    from_id: int
    action: bytes
    date: int


@attrs.frozen
class ChatChangedEvent:
    """Something about ``chat_id`` changed that no service message tells (an admin right):
    ``user_id``'s sessions refetch it (``updateChat``, with the chat attached).

    Attributes:
        user_id: The member told.
        chat_id: The group.
        date: Unix time.
        origin: The session that caused it and must not get it again, if any.
    """

    user_id: int
    chat_id: int
    date: int
    origin: Origin | None = None
