"""The channel store: supergroups and broadcast channels, their members and messages.

One copy of each channel message and one pts sequence per channel (members pull what they
missed with ``updates.getChannelDifference``); a member row holds the member's role, rights
and read pointer. :class:`ChannelStore` is the interface; :class:`MemoryChannelStore` and
:class:`SqliteChannelStore` implement it and pass one conformance suite.
"""

from __future__ import annotations

from tgserver.store.channels.memory import MemoryChannelStore
from tgserver.store.channels.protocol import (
    DEFAULT_HISTORY_LIMIT,
    MAX_HISTORY_LIMIT,
    ChannelStore,
)
from tgserver.store.channels.records import (
    ACTIVE_ROLES,
    INITIAL_CHANNEL_PTS,
    AddMembersResult,
    ChannelDiff,
    ChannelEntry,
    ChannelEntryKind,
    ChannelMessage,
    ChannelRecord,
    DeleteChannelResult,
    EditChannelResult,
    MemberChange,
    MemberFilter,
    MemberRecord,
    MemberRole,
    MembersPage,
    NewChannel,
    NewChannelMessage,
    PostResult,
    ReadChannelResult,
)
from tgserver.store.channels.sqlite import CHANNELS_FILE, SqliteChannelStore

__all__ = [
    "ACTIVE_ROLES",
    "AddMembersResult",
    "CHANNELS_FILE",
    "ChannelDiff",
    "ChannelEntry",
    "ChannelEntryKind",
    "ChannelMessage",
    "ChannelRecord",
    "ChannelStore",
    "DEFAULT_HISTORY_LIMIT",
    "DeleteChannelResult",
    "EditChannelResult",
    "INITIAL_CHANNEL_PTS",
    "MAX_HISTORY_LIMIT",
    "MemberChange",
    "MemberFilter",
    "MemberRecord",
    "MemberRole",
    "MembersPage",
    "MemoryChannelStore",
    "NewChannel",
    "NewChannelMessage",
    "PostResult",
    "ReadChannelResult",
    "SqliteChannelStore",
]
