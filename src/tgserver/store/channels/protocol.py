"""The channel store interface every backend implements (one conformance suite checks them)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from types import EllipsisType
from typing import Final, Protocol

from tgserver.store.channels.records import (
    AddMembersResult,
    ChannelDiff,
    ChannelMessage,
    ChannelRecord,
    DeleteChannelResult,
    EditChannelResult,
    MemberChange,
    MemberFilter,
    MemberRecord,
    MembersPage,
    NewChannel,
    NewChannelMessage,
    PostResult,
    ReadChannelResult,
)

__all__ = [
    "ChannelStore",
    "DEFAULT_HISTORY_LIMIT",
    "MAX_HISTORY_LIMIT",
]

#: A history page when the client asks for 0 or less.
DEFAULT_HISTORY_LIMIT: Final = 20
#: The biggest history page.
MAX_HISTORY_LIMIT: Final = 100


class ChannelStore(Protocol):
    """Supergroups, broadcast channels, their members and their messages.

    Every write is committed when the call returns. A post writes O(1) rows whatever the
    number of members: the message row and the channel row (pts, top message).
    """

    async def create_channel(self, new: NewChannel) -> ChannelRecord:
        """Create a channel (pts :data:`INITIAL_CHANNEL_PTS`) whose creator is its member."""
        ...

    async def get_channel(self, channel_id: int) -> ChannelRecord | None:
        """The channel, or None."""
        ...

    async def get_channels(self, channel_ids: Collection[int]) -> dict[int, ChannelRecord]:
        """The channels that exist among ``channel_ids``, by id."""
        ...

    async def channel_by_username(self, username: str) -> ChannelRecord | None:
        """The channel with this username (case-insensitive), or None."""
        ...

    async def set_username(self, channel_id: int, username: str | None) -> bool:
        """Set (None: remove) the username; False when another channel has it."""
        ...

    async def set_title(self, channel_id: int, title: str) -> ChannelRecord | None:
        """Change the title; None when the channel does not exist."""
        ...

    async def get_member(self, channel_id: int, user_id: int) -> MemberRecord | None:
        """The user's row in the channel (any role), or None."""
        ...

    async def members_among(
        self, channel_id: int, user_ids: Collection[int]
    ) -> dict[int, MemberRecord]:
        """The rows of these users in the channel (any role), by user id."""
        ...

    async def put_member(
        self, record: MemberRecord, *, max_members: int | None = None
    ) -> MemberChange | None:
        """Insert or replace the user's row, keeping ``participants_count`` right (the read
        pointer of an existing row is kept). None: it would make the channel exceed
        ``max_members`` members, and nothing changed."""
        ...

    async def add_members(
        self,
        channel_id: int,
        user_ids: Sequence[int],
        *,
        inviter_id: int,
        date: int,
        max_members: int | None = None,
    ) -> AddMembersResult:
        """Make these users ``MEMBER`` s (in bulk; already active ones are left alone), all or
        nothing against ``max_members``."""
        ...

    async def members(
        self, channel_id: int, filter: MemberFilter, *, offset: int = 0, limit: int = 100
    ) -> MembersPage:
        """A page of the members matching ``filter`` (newest row first) and their count."""
        ...

    async def memberships(self, user_id: int) -> list[MemberRecord]:
        """The user's rows in every channel it is an active member of."""
        ...

    async def post_message(self, new: NewChannelMessage) -> PostResult:
        """Store a message with the next id and pts of its channel.

        Raises:
            KeyError: the channel does not exist.
        """
        ...

    async def edit_message(
        self,
        channel_id: int,
        message_id: int,
        *,
        text: str,
        entities: bytes | None,
        edit_date: int,
        reply_markup: bytes | EllipsisType | None = ...,
    ) -> EditChannelResult | None:
        """Replace a message's text (a new pts and log entry); None when it does not exist.
        ``reply_markup``: the new inline keyboard (None: removed; ``...``: kept)."""
        ...

    async def delete_messages(
        self, channel_id: int, message_ids: Sequence[int], *, date: int
    ) -> DeleteChannelResult:
        """Delete these messages (for everyone): one log entry covering those that existed."""
        ...

    async def get_messages(
        self, channel_id: int, message_ids: Sequence[int]
    ) -> tuple[ChannelMessage, ...]:
        """The messages that exist among ``message_ids``, in the asked order."""
        ...

    async def history(
        self,
        channel_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = DEFAULT_HISTORY_LIMIT,
        max_id: int = 0,
        min_id: int = 0,
    ) -> tuple[tuple[ChannelMessage, ...], int]:
        """A page of the history, newest first, with Telegram's offsets; and the number of
        messages between ``min_id`` and ``max_id``."""
        ...

    async def read_history(
        self, channel_id: int, user_id: int, max_id: int
    ) -> ReadChannelResult | None:
        """Move the member's read pointer up to ``max_id`` (never down; at most the top
        message); None when the user has no row."""
        ...

    async def unread_count(self, channel_id: int, user_id: int, after_id: int) -> int:
        """Messages above ``after_id`` that ``user_id`` did not write."""
        ...

    async def difference(self, channel_id: int, pts: int, *, limit: int) -> ChannelDiff | None:
        """New messages (at most ``limit``), edits and deletions after ``pts``; None when the
        channel does not exist."""
        ...

    async def aclose(self) -> None:
        """Release the backend (idempotent)."""
        ...
