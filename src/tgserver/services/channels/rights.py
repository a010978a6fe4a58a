"""Admin and banned rights of channels as bit sets (the flags of Telegram's TL types).

``chatAdminRights`` and ``chatBannedRights`` are flag sets on the wire; the store keeps them as
the same integers, so the MTProto layer converts by flag position and nothing is lost.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ADMIN_ADD_ADMINS",
    "ADMIN_BAN_USERS",
    "ADMIN_CHANGE_INFO",
    "ADMIN_DELETE_MESSAGES",
    "ADMIN_EDIT_MESSAGES",
    "ADMIN_INVITE_USERS",
    "ADMIN_PIN_MESSAGES",
    "ADMIN_POST_MESSAGES",
    "BANNED_SEND_MEDIA",
    "BANNED_SEND_MESSAGES",
    "BANNED_VIEW_MESSAGES",
    "CREATOR_RIGHTS",
    "has_right",
]

ADMIN_CHANGE_INFO: Final = 1 << 0
ADMIN_POST_MESSAGES: Final = 1 << 1
ADMIN_EDIT_MESSAGES: Final = 1 << 2
ADMIN_DELETE_MESSAGES: Final = 1 << 3
ADMIN_BAN_USERS: Final = 1 << 4
ADMIN_INVITE_USERS: Final = 1 << 5
ADMIN_PIN_MESSAGES: Final = 1 << 7
ADMIN_ADD_ADMINS: Final = 1 << 9

#: The rights of a channel's creator (every basic admin right).
CREATOR_RIGHTS: Final = (
    ADMIN_CHANGE_INFO
    | ADMIN_POST_MESSAGES
    | ADMIN_EDIT_MESSAGES
    | ADMIN_DELETE_MESSAGES
    | ADMIN_BAN_USERS
    | ADMIN_INVITE_USERS
    | ADMIN_PIN_MESSAGES
    | ADMIN_ADD_ADMINS
)

BANNED_VIEW_MESSAGES: Final = 1 << 0
BANNED_SEND_MESSAGES: Final = 1 << 1
BANNED_SEND_MEDIA: Final = 1 << 2


def has_right(rights: int, right: int) -> bool:
    """Whether the bit set ``rights`` holds ``right``."""
    return rights & right == right
