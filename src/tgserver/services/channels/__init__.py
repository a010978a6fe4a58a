"""Supergroups and broadcast channels: the services behind ``channels.*`` and channel messages.

A supergroup (``megagroup``) or broadcast channel keeps one copy of each message and its own
pts; members pull what they missed with ``updates.getChannelDifference``, and online members
get events through :class:`OnlineChannels`, so a post costs the same whatever the member count.
:class:`ChannelServices` wires :class:`ChannelService` (membership, admins, settings) and
:class:`ChannelMessaging` (posts, reads, differences) over a
:class:`~tgserver.store.channels.ChannelStore`.
"""

from __future__ import annotations

from tgserver.services.channels.access import (
    CHANNEL_INVALID,
    CHANNEL_PRIVATE,
    CHANNELS_TOO_MUCH,
    CHAT_ABOUT_TOO_LONG,
    CHAT_ADMIN_REQUIRED,
    CHAT_NOT_MODIFIED,
    CHAT_TITLE_EMPTY,
    CHAT_WRITE_FORBIDDEN,
    KIND_CHANNEL,
    MAX_ABOUT_LENGTH,
    MAX_CHANNELS_PER_USER,
    MAX_INVITE,
    MAX_MEMBERS,
    MAX_TITLE_LENGTH,
    MESSAGE_DELETE_FORBIDDEN,
    PERSISTENT_TIMESTAMP_INVALID,
    RIGHT_FORBIDDEN,
    USER_ALREADY_PARTICIPANT,
    USER_BANNED_IN_CHANNEL,
    USER_CREATOR,
    USER_KICKED,
    USER_NOT_PARTICIPANT,
    USERS_TOO_MUCH,
    ChannelAccess,
    rights_of,
)
from tgserver.services.channels.actions import (
    action_add_users,
    action_channel_create,
    action_delete_user,
    action_edit_title,
    action_migrate_from,
)
from tgserver.services.channels.bundle import (
    ChannelServices,
)
from tgserver.services.channels.events import (
    ChannelDeleteEvent,
    ChannelEditEvent,
    ChannelMessageEvent,
    ChannelOutboxReadEvent,
    ChannelReadEvent,
    ChannelUpdatedEvent,
)
from tgserver.services.channels.members import (
    MAX_PARTICIPANTS_PAGE,
    SEARCH_SCAN_LIMIT,
    ChannelFullView,
    ChannelMembers,
)
from tgserver.services.channels.online import (
    OnlineChannels,
)
from tgserver.services.channels.posts import (
    CHANNEL_DIFFERENCE_LIMIT,
    CHANNEL_DIFFERENCE_TIMEOUT,
    CHANNEL_TOO_LONG_GAP,
    PUBLISH_BATCH,
    ChannelDialogView,
    ChannelDifference,
    ChannelMessaging,
    DifferenceKind,
)
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
    BANNED_VIEW_MESSAGES,
    CREATOR_RIGHTS,
    has_right,
)
from tgserver.services.channels.service import (
    JOIN_MESSAGES_MAX_MEMBERS,
    USER_CHANNELS_TOO_MUCH,
    ChannelService,
    Created,
)

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
    "CHANNELS_TOO_MUCH",
    "CHANNEL_DIFFERENCE_LIMIT",
    "CHANNEL_DIFFERENCE_TIMEOUT",
    "CHANNEL_INVALID",
    "CHANNEL_PRIVATE",
    "CHANNEL_TOO_LONG_GAP",
    "CHAT_ABOUT_TOO_LONG",
    "CHAT_ADMIN_REQUIRED",
    "CHAT_NOT_MODIFIED",
    "CHAT_TITLE_EMPTY",
    "CHAT_WRITE_FORBIDDEN",
    "CREATOR_RIGHTS",
    "ChannelAccess",
    "ChannelDeleteEvent",
    "ChannelDialogView",
    "ChannelDifference",
    "ChannelEditEvent",
    "ChannelFullView",
    "ChannelMembers",
    "ChannelMessageEvent",
    "ChannelMessaging",
    "ChannelOutboxReadEvent",
    "ChannelReadEvent",
    "ChannelService",
    "ChannelServices",
    "ChannelUpdatedEvent",
    "Created",
    "DifferenceKind",
    "JOIN_MESSAGES_MAX_MEMBERS",
    "KIND_CHANNEL",
    "MAX_ABOUT_LENGTH",
    "MAX_CHANNELS_PER_USER",
    "MAX_INVITE",
    "MAX_MEMBERS",
    "MAX_PARTICIPANTS_PAGE",
    "MAX_TITLE_LENGTH",
    "MESSAGE_DELETE_FORBIDDEN",
    "OnlineChannels",
    "PERSISTENT_TIMESTAMP_INVALID",
    "PUBLISH_BATCH",
    "RIGHT_FORBIDDEN",
    "SEARCH_SCAN_LIMIT",
    "USERS_TOO_MUCH",
    "USER_ALREADY_PARTICIPANT",
    "USER_BANNED_IN_CHANNEL",
    "USER_CHANNELS_TOO_MUCH",
    "USER_CREATOR",
    "USER_KICKED",
    "USER_NOT_PARTICIPANT",
    "action_add_users",
    "action_channel_create",
    "action_delete_user",
    "action_edit_title",
    "action_migrate_from",
    "has_right",
    "rights_of",
]
