"""Bot API ``ChatMember`` JSON (owner, administrator, member, restricted, left, kicked) of
supergroup and channel members, with every field the frameworks require."""

from __future__ import annotations

from typing import Any, Final

from tgserver.services.channels.rights import (
    ADMIN_ADD_ADMINS,
    ADMIN_BAN_USERS,
    ADMIN_CHANGE_INFO,
    ADMIN_DELETE_MESSAGES,
    ADMIN_EDIT_MESSAGES,
    ADMIN_INVITE_USERS,
    ADMIN_PIN_MESSAGES,
    ADMIN_POST_MESSAGES,
    BANNED_SEND_MEDIA,
    BANNED_SEND_MESSAGES,
    has_right,
)

__all__ = ["member_json"]

Json = dict[str, Any]

# chatAdminRights flags the channel rights module does not name.
_ANONYMOUS: Final = 1 << 10
_MANAGE_CALL: Final = 1 << 11
_OTHER: Final = 1 << 12
_POST_STORIES: Final = 1 << 14
_EDIT_STORIES: Final = 1 << 15
_DELETE_STORIES: Final = 1 << 16

_ADMIN_FIELDS: Final = (
    ("can_change_info", ADMIN_CHANGE_INFO),
    ("can_delete_messages", ADMIN_DELETE_MESSAGES),
    ("can_restrict_members", ADMIN_BAN_USERS),
    ("can_invite_users", ADMIN_INVITE_USERS),
    ("can_promote_members", ADMIN_ADD_ADMINS),
    ("can_manage_video_chats", _MANAGE_CALL),
    ("can_post_stories", _POST_STORIES),
    ("can_edit_stories", _EDIT_STORIES),
    ("can_delete_stories", _DELETE_STORIES),
)
_RESTRICTED_SEND: Final = (
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
)


def member_json(
    user: Json,
    status: str,
    *,
    admin_rights: int = 0,
    banned_rights: int = 0,
    until_date: int = 0,
    rank: str | None = None,
    broadcast: bool = False,
) -> Json:
    """The ``ChatMember`` of ``user`` (its ``User`` JSON) with ``status`` (``creator``,
    ``administrator``, ``member``, ``restricted``, ``left``, ``kicked``); ``broadcast``: in a
    channel (the post/edit rights apply there), else a supergroup (pinning applies)."""
    value: Json = {"status": status, "user": user}
    if status == "creator":
        value["is_anonymous"] = False
    elif status == "administrator":
        value["can_be_edited"] = False
        value["is_anonymous"] = has_right(admin_rights, _ANONYMOUS)
        # Any admin right lets one see the member list and statistics (Telegram's rule).
        value["can_manage_chat"] = True if admin_rights else has_right(admin_rights, _OTHER)
        for name, bit in _ADMIN_FIELDS:
            value[name] = has_right(admin_rights, bit)
        value["can_send_welcome_messages"] = False
        if broadcast:
            value["can_post_messages"] = has_right(admin_rights, ADMIN_POST_MESSAGES)
            value["can_edit_messages"] = has_right(admin_rights, ADMIN_EDIT_MESSAGES)
        else:
            value["can_pin_messages"] = has_right(admin_rights, ADMIN_PIN_MESSAGES)
        if rank:
            value["custom_title"] = rank
    elif status == "restricted":
        value["is_member"] = True
        can_send = not banned_rights & BANNED_SEND_MESSAGES
        can_media = can_send and not banned_rights & BANNED_SEND_MEDIA
        value["can_send_messages"] = can_send
        for name in _RESTRICTED_SEND:
            value[name] = can_media
        value.update(
            can_edit_tag=False,
            can_change_info=False,
            can_invite_users=True,
            can_pin_messages=False,
            can_manage_topics=False,
            until_date=until_date,
        )
    elif status == "kicked":
        value["until_date"] = until_date
    return value
