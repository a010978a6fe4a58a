"""What the channel store keeps and returns: channels, members, channel messages, log entries.

A supergroup or broadcast channel keeps ONE copy of each message (not one per member) and its
own update sequence (``pts``): message ids are 1, 2, 3 ... per channel. A member row holds the
member's role, rights and read pointer; unread counts are computed from it. Content the store
does not interpret (entities, media, forward headers, service actions) is opaque ``bytes``.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

__all__ = [
    "ACTIVE_ROLES",
    "AddMembersResult",
    "ChannelDiff",
    "ChannelEntry",
    "ChannelEntryKind",
    "ChannelMessage",
    "ChannelRecord",
    "DeleteChannelResult",
    "EditChannelResult",
    "INITIAL_CHANNEL_PTS",
    "MemberChange",
    "MemberFilter",
    "MemberRecord",
    "MemberRole",
    "MembersPage",
    "NewChannel",
    "NewChannelMessage",
    "PostResult",
    "ReadChannelResult",
]

#: The pts of a channel nothing happened in yet (Telegram never uses 0).
INITIAL_CHANNEL_PTS: Final = 1


class MemberRole(enum.IntEnum):
    """A user's standing in a channel (stored values; append, never renumber)."""

    CREATOR = 1
    ADMIN = 2
    MEMBER = 3
    #: A member with some rights taken away (still reads the channel).
    RESTRICTED = 4
    #: Banned from the channel (``view_messages`` taken away): not a member.
    KICKED = 5
    #: Left by itself: not a member.
    LEFT = 6


#: The roles that count as members (``participants_count``, delivery, dialogs).
ACTIVE_ROLES: Final = frozenset(
    {MemberRole.CREATOR, MemberRole.ADMIN, MemberRole.MEMBER, MemberRole.RESTRICTED}
)


class MemberFilter(enum.Enum):
    """Which members ``channels.getParticipants`` lists."""

    #: Active members, the most recently joined first.
    RECENT = "recent"
    #: The creator and the admins.
    ADMINS = "admins"
    #: Banned users (``KICKED``).
    KICKED = "kicked"
    #: Restricted members (``RESTRICTED``).
    BANNED = "banned"


class ChannelEntryKind(enum.IntEnum):
    """What a :class:`ChannelEntry` of the channel's log records (stored values)."""

    #: ``updateEditChannelMessage``: ``ids`` is the edited message.
    EDIT_MESSAGE = 2
    #: ``updateDeleteChannelMessages``: ``ids`` are the deleted messages.
    DELETE_MESSAGES = 3


@attrs.frozen
class NewChannel:
    """A channel to create: the input of ``create_channel``.

    Attributes:
        creator_id: The user creating it (its first member, with the ``CREATOR`` role).
        title: The title.
        about: The description.
        megagroup: A supergroup (everyone posts); False: a broadcast channel (admins post).
        date: Unix time of the creation.
        migrated_from_chat_id: The basic group this supergroup replaces (0: none).
        migrated_from_max_id: The last message id of that group.
    """

    creator_id: int
    title: str
    about: str
    megagroup: bool
    date: int
    migrated_from_chat_id: int = 0
    migrated_from_max_id: int = 0


@attrs.frozen
class ChannelRecord:
    """A supergroup or broadcast channel.

    Attributes:
        id: The channel id (1, 2, 3 ... in this store).
        title: The title.
        about: The description.
        megagroup: A supergroup (False: a broadcast channel).
        creator_id: Who created it.
        date: Unix time of the creation.
        username: The public username, or None for a private channel.
        pts: The channel's update sequence (moves with every new, edited or deleted message).
        top_message: Id of the newest message ever posted (ids are never reused).
        top_date: Unix time of the newest message.
        updated: Unix time of the last change that moved ``pts``.
        participants_count: Active members.
        migrated_from_chat_id: The basic group this supergroup replaces (0: none).
        migrated_from_max_id: The last message id of that group.
        read_max_id: The highest read pointer of any member (what authors see as read).
    """

    id: int
    title: str
    about: str
    megagroup: bool
    creator_id: int
    date: int
    username: str | None
    pts: int
    top_message: int
    top_date: int
    updated: int
    participants_count: int
    migrated_from_chat_id: int = 0
    migrated_from_max_id: int = 0
    read_max_id: int = 0


@attrs.frozen
class MemberRecord:
    """One user's row in one channel (kept after leaving or a ban, with that role).

    Attributes:
        channel_id: The channel.
        user_id: The user.
        role: Its standing.
        date: Unix time it joined (or its role last changed).
        inviter_id: Who added it (itself when it joined), or who banned / promoted it.
        admin_rights: ``chatAdminRights`` flags of an admin (0 otherwise).
        banned_rights: ``chatBannedRights`` flags of a restricted or kicked user.
        until_date: Until when the restriction holds (0: forever).
        rank: An admin's custom title.
        read_inbox_max_id: Messages up to this id are read by the member.
    """

    channel_id: int
    user_id: int
    role: MemberRole
    date: int
    inviter_id: int = 0
    admin_rights: int = 0
    banned_rights: int = 0
    until_date: int = 0
    rank: str | None = None
    read_inbox_max_id: int = 0

    @property
    def active(self) -> bool:
        """Whether the user is a member (reads the channel, counts in participants_count)."""
        return self.role in ACTIVE_ROLES


@attrs.frozen
class NewChannelMessage:
    """A message to post in a channel: the input of ``post_message``.

    Attributes:
        channel_id: The channel.
        from_id: The author (for a broadcast post: the admin who posted it).
        date: Unix time.
        text: The text (may be empty with media or an action).
        entities: Opaque entity bytes.
        media: Opaque media bytes.
        reply_to: The replied message's id in the channel.
        fwd_from: Opaque forward header bytes.
        action: Opaque service action bytes (``messageService``), None for a message.
        post: A broadcast post (shown as the channel's, not the author's).
        random_id: The client's random_id: the same (author, random_id) twice stores once.
        reply_markup: Opaque ``ReplyMarkup`` bytes (a bot's inline keyboard), or None.
    """

    channel_id: int
    from_id: int
    date: int
    text: str
    entities: bytes | None = None
    media: bytes | None = None
    reply_to: int | None = None
    fwd_from: bytes | None = None
    action: bytes | None = None
    post: bool = False
    random_id: int | None = None
    reply_markup: bytes | None = None


@attrs.frozen
class ChannelMessage:
    """The one stored copy of a channel message.

    Attributes:
        channel_id: The channel.
        id: Its id in the channel.
        from_id: The author.
        date: Unix time it was posted.
        text: The text.
        entities: Opaque entity bytes.
        media: Opaque media bytes.
        reply_to: The replied message's id.
        fwd_from: Opaque forward header bytes.
        action: Opaque service action bytes, or None.
        post: A broadcast post.
        edit_date: Unix time of the last edit.
        random_id: The author's random_id.
        pts: The channel pts this message was posted at.
        reply_markup: Opaque ``ReplyMarkup`` bytes (a bot's inline keyboard), or None.
    """

    channel_id: int
    id: int
    from_id: int
    date: int
    text: str
    entities: bytes | None
    media: bytes | None
    reply_to: int | None
    fwd_from: bytes | None
    action: bytes | None
    post: bool
    edit_date: int | None
    random_id: int | None
    pts: int
    reply_markup: bytes | None = None


@attrs.frozen
class ChannelEntry:
    """An edit or a deletion in a channel's log (new messages carry their own pts).

    Attributes:
        pts: The channel pts after the change.
        pts_count: How many pts it took (1, or the number of deleted messages).
        kind: What happened.
        date: Unix time.
        ids: The edited or deleted message ids.
    """

    pts: int
    pts_count: int
    kind: ChannelEntryKind
    date: int
    ids: tuple[int, ...]


@attrs.frozen
class PostResult:
    """The outcome of ``post_message``: the message and the channel after it.

    ``duplicate``: the author's random_id was used before; ``message`` is the first one.
    """

    message: ChannelMessage
    channel: ChannelRecord
    duplicate: bool = False


@attrs.frozen
class EditChannelResult:
    """The edited message and its log entry."""

    message: ChannelMessage
    entry: ChannelEntry


@attrs.frozen
class DeleteChannelResult:
    """The outcome of ``delete_messages``: the channel pts and the entry (None: nothing gone)."""

    pts: int
    entry: ChannelEntry | None


@attrs.frozen
class ReadChannelResult:
    """The outcome of ``read_history``.

    Attributes:
        changed: The read pointer moved.
        max_id: The member's ``read_inbox_max_id`` now.
        previous: The pointer before.
        unread_count: Messages of others above the pointer.
    """

    changed: bool
    max_id: int
    previous: int
    unread_count: int


@attrs.frozen
class AddMembersResult:
    """The outcome of ``add_members``.

    Attributes:
        added: The users that became members (not those that already were).
        participants_count: The channel's count afterwards.
        too_many: Nothing was added: the channel would exceed the limit.
    """

    added: tuple[int, ...]
    participants_count: int
    too_many: bool = False


@attrs.frozen
class MemberChange:
    """The outcome of ``put_member``: the row before (None: there was none) and after."""

    before: MemberRecord | None
    after: MemberRecord
    participants_count: int


@attrs.frozen
class MembersPage:
    """A page of members and how many match the filter in all."""

    members: tuple[MemberRecord, ...]
    count: int


@attrs.frozen
class ChannelDiff:
    """What changed in a channel after a pts.

    Attributes:
        channel: The channel now.
        messages: New messages with pts above the asked one, ascending, at most the limit.
        entries: Edits and deletions with pts above the asked one and at most ``pts``.
        edited: The current copies of the edited messages that still exist, by id.
        pts: Where the client stands after applying this.
        final: Nothing beyond ``pts``.
    """

    channel: ChannelRecord
    messages: tuple[ChannelMessage, ...]
    entries: tuple[ChannelEntry, ...]
    edited: dict[int, ChannelMessage]
    pts: int
    final: bool
