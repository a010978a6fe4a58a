"""The service-message actions the channel services post, as the opaque bytes the store keeps
(serialized ``MessageAction`` TL, rendered into ``messageService`` by the MTProto layer)."""

from __future__ import annotations

from collections.abc import Sequence

from tgcore.tl import types

__all__ = [
    "action_add_users",
    "action_channel_create",
    "action_delete_user",
    "action_edit_title",
    "action_migrate_from",
]


def action_channel_create(title: str) -> bytes:
    """``messageActionChannelCreate``: the first message of every channel."""
    return types.MessageActionChannelCreate(title=title).to_bytes()


def action_add_users(user_ids: Sequence[int]) -> bytes:
    """``messageActionChatAddUser``: members were added (or one joined by itself)."""
    return types.MessageActionChatAddUser(users=list(user_ids)).to_bytes()


def action_delete_user(user_id: int) -> bytes:
    """``messageActionChatDeleteUser``: a member left or was banned."""
    return types.MessageActionChatDeleteUser(user_id=user_id).to_bytes()


def action_edit_title(title: str) -> bytes:
    """``messageActionChatEditTitle``: the title changed."""
    return types.MessageActionChatEditTitle(title=title).to_bytes()


def action_migrate_from(title: str, chat_id: int) -> bytes:
    """``messageActionChannelMigrateFrom``: the supergroup replaces basic group ``chat_id``."""
    return types.MessageActionChannelMigrateFrom(title=title, chat_id=chat_id).to_bytes()
