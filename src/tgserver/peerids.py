"""One integer for any peer: how stores, events and the Bot API name users, chats and channels.

Telegram's own convention (the one the Bot API exposes as ``chat_id``): a user is its positive
id, a basic group is ``-chat_id`` and a supergroup or channel is ``-(10**12 + channel_id)``
(printed as ``-100...``). Stores keep these keys in their ``peer`` columns so one column can
hold any kind of dialog.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "CHANNEL_OFFSET",
    "PeerKind",
    "channel_key",
    "chat_key",
    "split_key",
    "user_key",
]

#: Added to a channel id before negation (the ``-100`` prefix of Bot API chat ids).
CHANNEL_OFFSET: Final = 10**12


class PeerKind(enum.Enum):
    """What a peer key names."""

    USER = "user"
    CHAT = "chat"
    CHANNEL = "channel"


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError(f"peer ids are positive, got {value}")
    return value


def user_key(user_id: int) -> int:
    """The key of a user: its id."""
    return _positive(user_id)


def chat_key(chat_id: int) -> int:
    """The key of a basic group: ``-chat_id``."""
    if _positive(chat_id) >= CHANNEL_OFFSET:
        raise ValueError(f"chat id {chat_id} out of range")
    return -chat_id


def channel_key(channel_id: int) -> int:
    """The key of a supergroup or channel: ``-(10**12 + channel_id)``."""
    if _positive(channel_id) >= CHANNEL_OFFSET:
        raise ValueError(f"channel id {channel_id} out of range")
    return -(CHANNEL_OFFSET + channel_id)


def split_key(key: int) -> tuple[PeerKind, int]:
    """The kind and id a key names (the inverse of the ``*_key`` functions).

    Raises:
        ValueError: ``key`` is 0 or names no valid peer.
    """
    if key > 0:
        return PeerKind.USER, key
    if key == 0:
        raise ValueError("0 is not a peer key")
    value = -key
    if value < CHANNEL_OFFSET:
        return PeerKind.CHAT, value
    channel_id = value - CHANNEL_OFFSET
    if not 0 < channel_id < CHANNEL_OFFSET:
        raise ValueError(f"{key} is not a peer key")
    return PeerKind.CHANNEL, channel_id
