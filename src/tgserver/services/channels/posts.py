"""Channel messages: posting, editing, deleting, reading, history and getChannelDifference.

A post is one store transaction of O(1) rows (the message and the channel's pts/top), then one
event on the bus addressed to the channel's ONLINE members only
(:class:`~tgserver.services.channels.online.OnlineChannels`). Members that are away pull the
channel's log with :meth:`ChannelMessaging.difference` (``updates.getChannelDifference``).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from types import EllipsisType
from typing import Final

import attrs
import trio

from tgserver.bus import EventBus
from tgserver.services.channels.access import (
    CHAT_WRITE_FORBIDDEN,
    MESSAGE_DELETE_FORBIDDEN,
    PERSISTENT_TIMESTAMP_INVALID,
    ChannelAccess,
    forbidden,
    rights_of,
)
from tgserver.services.channels.events import (
    ChannelDeleteEvent,
    ChannelEditEvent,
    ChannelMessageEvent,
    ChannelOutboxReadEvent,
    ChannelReadEvent,
)
from tgserver.services.channels.online import OnlineChannels
from tgserver.services.channels.rights import (
    ADMIN_DELETE_MESSAGES,
    ADMIN_EDIT_MESSAGES,
    ADMIN_POST_MESSAGES,
    BANNED_SEND_MEDIA,
    BANNED_SEND_MESSAGES,
    has_right,
)
from tgserver.services.errors import bad_request
from tgserver.services.events import Origin
from tgserver.services.messages import (
    MAX_DELETE,
    MAX_MESSAGE_LENGTH,
    MESSAGE_AUTHOR_REQUIRED,
    MESSAGE_EMPTY,
    MESSAGE_ID_INVALID,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TOO_LONG,
    utf16_length,
)
from tgserver.store.channels import (
    ChannelDiff,
    ChannelMessage,
    ChannelRecord,
    DeleteChannelResult,
    EditChannelResult,
    MemberRecord,
    MemberRole,
    NewChannelMessage,
    PostResult,
    ReadChannelResult,
)

__all__ = [
    "CHANNEL_DIFFERENCE_LIMIT",
    "CHANNEL_DIFFERENCE_TIMEOUT",
    "CHANNEL_TOO_LONG_GAP",
    "ChannelDialogView",
    "ChannelDifference",
    "ChannelMessaging",
    "DifferenceKind",
    "PUBLISH_BATCH",
]

#: New messages one ``updates.channelDifference`` carries at most for a user (Telegram's).
CHANNEL_DIFFERENCE_LIMIT: Final = 100
#: A client further behind than this many pts gets ``channelDifferenceTooLong``.
CHANNEL_TOO_LONG_GAP: Final = 10_000
#: Online members one event is handed to between two scheduling points.
PUBLISH_BATCH: Final = 128
#: Seconds a client should wait before asking again (``timeout`` of the answers).
CHANNEL_DIFFERENCE_TIMEOUT: Final = 30


class DifferenceKind(enum.Enum):
    """Which ``updates.ChannelDifference`` constructor answers."""

    EMPTY = "empty"
    DIFFERENCE = "difference"
    TOO_LONG = "too_long"


@attrs.frozen
class ChannelDialogView:
    """A member's dialog with a channel.

    Attributes:
        channel: The channel.
        member: The member's row (read pointer, role).
        top: The newest message that still exists, or None.
        unread_count: Messages of others above the read pointer.
    """

    channel: ChannelRecord
    member: MemberRecord
    top: ChannelMessage | None
    unread_count: int


@attrs.frozen
class ChannelDifference:
    """The answer to ``updates.getChannelDifference``.

    Attributes:
        kind: Empty, a difference, or too long (resync from ``dialog``).
        pts: The pts the client reaches.
        final: Nothing more to fetch.
        timeout: Seconds before asking again.
        diff: The store's difference (``DIFFERENCE``).
        dialog: The member's dialog (``TOO_LONG``).
        messages: The latest messages (``TOO_LONG``).
    """

    kind: DifferenceKind
    pts: int
    final: bool
    timeout: int
    diff: ChannelDiff | None = None
    dialog: ChannelDialogView | None = None
    messages: tuple[ChannelMessage, ...] = ()


class ChannelMessaging:
    """Posting and reading channel messages.

    Args:
        access: Channel lookups and checks.
        bus: Where events go (to online members only).
        online: The online members of each channel.
        clock: Unix time.
        too_long_gap: Pts behind which a client is told to resync.
    """

    def __init__(
        self,
        access: ChannelAccess,
        bus: EventBus,
        online: OnlineChannels,
        *,
        clock: Callable[[], float] = time.time,
        too_long_gap: int = CHANNEL_TOO_LONG_GAP,
    ) -> None:
        self.access = access
        self.store = access.store
        self.bus = bus
        self.online = online
        self._clock = clock
        self._too_long_gap = too_long_gap
        self._publishing: dict[int, trio.Lock] = {}

    def now(self) -> int:
        """Unix time in whole seconds."""
        return int(self._clock())

    async def publish(self, channel_id: int, event: object) -> None:
        """Deliver ``event`` to the channel's online members (never a loop over all).

        Thousands of online members are served in batches of :data:`PUBLISH_BATCH` with a
        scheduling point between them: the first pushes go out while the rest are still
        being rendered, and other clients' requests are not held up by a big fan-out.
        """
        members = self.online.online_members(channel_id)
        if len(members) <= PUBLISH_BATCH:
            await self.bus.publish(members, event)
            return
        # One fan-out at a time per channel, so that the batches of two posts do not
        # interleave and members get them in pts order.
        lock = self._publishing.setdefault(channel_id, trio.Lock())
        try:
            async with lock:
                for start in range(0, len(members), PUBLISH_BATCH):
                    if start:
                        await trio.lowlevel.checkpoint()
                    await self.bus.publish(members[start : start + PUBLISH_BATCH], event)
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._publishing.pop(channel_id, None)

    # -- writes ----------------------------------------------------------------------------------

    async def post(
        self,
        user_id: int,
        channel_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        media: bytes | None = None,
        reply_to: int | None = None,
        fwd_from: bytes | None = None,
        random_id: int | None = None,
        origin: Origin | None = None,
        reply_markup: bytes | None = None,
    ) -> PostResult:
        """Post a message as ``user_id`` (``reply_markup``: a bot's inline keyboard).

        Raises:
            RpcError: ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``CHANNEL_INVALID``,
                ``CHANNEL_PRIVATE``, ``403 CHAT_WRITE_FORBIDDEN`` (not a member, a broadcast
                channel and not an admin with ``post_messages``, or a restricted member).
        """
        if not text.strip() and media is None:
            raise bad_request(MESSAGE_EMPTY)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        channel, member = await self.access.readable(user_id, channel_id)
        if member is None:
            raise forbidden(CHAT_WRITE_FORBIDDEN)
        if not channel.megagroup and not has_right(rights_of(member), ADMIN_POST_MESSAGES):
            raise forbidden(CHAT_WRITE_FORBIDDEN)
        if member.role == MemberRole.RESTRICTED:
            banned = BANNED_SEND_MESSAGES | (BANNED_SEND_MEDIA if media is not None else 0)
            if member.banned_rights & banned and (
                not member.until_date or member.until_date > self.now()
            ):
                raise forbidden(CHAT_WRITE_FORBIDDEN)
        if reply_to is not None and not await self.store.get_messages(channel_id, [reply_to]):
            reply_to = None
        return await self.post_raw(
            NewChannelMessage(
                channel_id=channel_id,
                from_id=user_id,
                date=self.now(),
                text=text,
                entities=entities,
                media=media,
                reply_to=reply_to,
                fwd_from=fwd_from,
                post=not channel.megagroup,
                random_id=random_id,
                reply_markup=reply_markup,
            ),
            origin=origin,
        )

    async def post_raw(self, new: NewChannelMessage, *, origin: Origin | None = None) -> PostResult:
        """Store ``new`` (no checks: service messages, migrations) and publish it."""
        result = await self.store.post_message(new)
        if not result.duplicate:
            await self.publish(
                new.channel_id, ChannelMessageEvent(result.channel, result.message, origin)
            )
        return result

    async def service_message(
        self,
        channel: ChannelRecord,
        from_id: int,
        action: bytes,
        *,
        origin: Origin | None = None,
    ) -> ChannelMessage:
        """Post a service message (``messageService`` with the serialized ``action``)."""
        result = await self.post_raw(
            NewChannelMessage(
                channel_id=channel.id,
                from_id=from_id,
                date=self.now(),
                text="",
                action=action,
                post=not channel.megagroup,
            ),
            origin=origin,
        )
        return result.message

    async def edit(
        self,
        user_id: int,
        channel_id: int,
        message_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        origin: Origin | None = None,
        reply_markup: bytes | EllipsisType | None = ...,
    ) -> EditChannelResult:
        """Edit a message (its author's, or any post for an admin with ``edit_messages`` in a
        broadcast channel). ``reply_markup``: the new inline keyboard (None: removed; ``...``:
        kept).

        Raises:
            RpcError: ``MESSAGE_ID_INVALID``, ``403 MESSAGE_AUTHOR_REQUIRED``,
                ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``MESSAGE_NOT_MODIFIED``.
        """
        channel, member = await self.access.member(user_id, channel_id)
        found = await self.store.get_messages(channel_id, [message_id])
        if not found or found[0].action is not None:
            raise bad_request(MESSAGE_ID_INVALID)
        current = found[0]
        may_edit_posts = not channel.megagroup and has_right(rights_of(member), ADMIN_EDIT_MESSAGES)
        if current.from_id != user_id and not may_edit_posts:
            raise forbidden(MESSAGE_AUTHOR_REQUIRED)
        if not text.strip() and current.media is None:
            raise bad_request(MESSAGE_EMPTY)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        markup = current.reply_markup if reply_markup is ... else reply_markup
        if (text, entities, markup) == (current.text, current.entities, current.reply_markup):
            raise bad_request(MESSAGE_NOT_MODIFIED)
        result = await self.store.edit_message(
            channel_id,
            message_id,
            text=text,
            entities=entities,
            edit_date=self.now(),
            reply_markup=markup,
        )
        if result is None:
            raise bad_request(MESSAGE_ID_INVALID)
        after = await self.access.get(channel_id)
        await self.publish(
            channel_id, ChannelEditEvent(after, result.message, result.entry.pts, origin)
        )
        return result

    async def delete(
        self,
        user_id: int,
        channel_id: int,
        message_ids: Sequence[int],
        *,
        origin: Origin | None = None,
    ) -> DeleteChannelResult:
        """Delete messages for everyone (one's own, or any with ``delete_messages``).

        Raises:
            RpcError: ``MESSAGE_ID_INVALID`` (too many ids), ``403
                MESSAGE_DELETE_FORBIDDEN``.
        """
        if len(message_ids) > MAX_DELETE:
            raise bad_request(MESSAGE_ID_INVALID)
        _, member = await self.access.member(user_id, channel_id)
        if not has_right(rights_of(member), ADMIN_DELETE_MESSAGES):
            found = await self.store.get_messages(channel_id, list(message_ids))
            if any(m.from_id != user_id for m in found):
                raise forbidden(MESSAGE_DELETE_FORBIDDEN)
        result = await self.store.delete_messages(channel_id, list(message_ids), date=self.now())
        if result.entry is not None:
            event = ChannelDeleteEvent(
                channel_id, result.entry.ids, result.entry.pts, result.entry.pts_count, origin
            )
            await self.publish(channel_id, event)
        return result

    async def read(
        self, user_id: int, channel_id: int, max_id: int, *, origin: Origin | None = None
    ) -> ReadChannelResult:
        """Move the member's read pointer (0: everything); its other sessions get
        ``updateReadChannelInbox``, the authors of newly read messages
        ``updateReadChannelOutbox``.

        Raises:
            RpcError: ``CHANNEL_INVALID``, ``CHANNEL_PRIVATE``, ``USER_NOT_PARTICIPANT``.
        """
        channel, _ = await self.access.member(user_id, channel_id)
        result = await self.store.read_history(channel_id, user_id, max_id)
        if result is None:
            raise bad_request(MESSAGE_ID_INVALID)
        if result.changed:
            await self.bus.publish(
                [user_id],
                ChannelReadEvent(
                    channel_id, result.max_id, result.unread_count, channel.pts, origin
                ),
            )
            if channel.megagroup:
                await self._tell_authors(channel_id, user_id, result)
        return result

    async def _tell_authors(self, channel_id: int, reader: int, read: ReadChannelResult) -> None:
        online = set(self.online.online_members(channel_id))
        online.discard(reader)
        if not online:
            return
        # The newest messages just read are enough to find whose "read" ticks moved.
        page, _ = await self.store.history(
            channel_id, min_id=read.previous, max_id=read.max_id + 1, limit=100
        )
        authors = {m.from_id for m in page} & online
        if authors:
            await self.bus.publish(list(authors), ChannelOutboxReadEvent(channel_id, read.max_id))

    # -- reads -----------------------------------------------------------------------------------

    async def history(
        self,
        user_id: int,
        channel_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = 20,
        max_id: int = 0,
        min_id: int = 0,
    ) -> tuple[ChannelRecord, tuple[ChannelMessage, ...], int]:
        """The channel, a page of its history (newest first) and the history's size."""
        channel, _ = await self.access.readable(user_id, channel_id)
        page, count = await self.store.history(
            channel_id,
            offset_id=max(0, offset_id),
            offset_date=max(0, offset_date),
            add_offset=add_offset,
            limit=limit,
            max_id=max(0, max_id),
            min_id=max(0, min_id),
        )
        return channel, page, count

    async def get_messages(
        self, user_id: int, channel_id: int, message_ids: Sequence[int]
    ) -> tuple[ChannelRecord, tuple[ChannelMessage, ...]]:
        """The channel and the messages that exist among ``message_ids``."""
        if len(message_ids) > MAX_DELETE:
            raise bad_request("LIMIT_INVALID")
        channel, _ = await self.access.readable(user_id, channel_id)
        return channel, await self.store.get_messages(channel_id, list(message_ids))

    async def dialog(self, channel: ChannelRecord, member: MemberRecord) -> ChannelDialogView:
        """The member's dialog with ``channel``."""
        top = None
        if channel.top_message:
            page, _ = await self.store.history(channel.id, limit=1)
            top = page[0] if page else None
        unread = await self.store.unread_count(channel.id, member.user_id, member.read_inbox_max_id)
        return ChannelDialogView(channel, member, top, unread)

    async def dialogs(self, user_id: int) -> list[ChannelDialogView]:
        """The user's dialogs with every channel it is a member of."""
        memberships = await self.store.memberships(user_id)
        channels = await self.store.get_channels([m.channel_id for m in memberships])
        return [
            await self.dialog(channels[m.channel_id], m)
            for m in memberships
            if m.channel_id in channels
        ]

    async def changed_since(self, user_id: int, date: int) -> list[ChannelRecord]:
        """The user's channels whose pts moved at or after ``date`` (for
        ``updates.getDifference``: one row per membership, no message is read)."""
        memberships = await self.store.memberships(user_id)
        channels = await self.store.get_channels([m.channel_id for m in memberships])
        return [c for c in channels.values() if c.updated >= date]

    async def difference(
        self, user_id: int, channel_id: int, pts: int, *, limit: int = CHANNEL_DIFFERENCE_LIMIT
    ) -> ChannelDifference:
        """``updates.getChannelDifference`` from ``pts``.

        Raises:
            RpcError: ``PERSISTENT_TIMESTAMP_INVALID`` (pts <= 0), ``CHANNEL_INVALID``,
                ``CHANNEL_PRIVATE``.
        """
        if pts <= 0:
            raise bad_request(PERSISTENT_TIMESTAMP_INVALID)
        channel, member = await self.access.readable(user_id, channel_id)
        limit = max(1, min(limit, CHANNEL_DIFFERENCE_LIMIT))
        timeout = CHANNEL_DIFFERENCE_TIMEOUT
        if pts > channel.pts or channel.pts - pts > self._too_long_gap:
            row = member or MemberRecord(
                channel_id=channel.id, user_id=user_id, role=MemberRole.LEFT, date=0
            )
            view = await self.dialog(channel, row)
            page, _ = await self.store.history(channel_id, limit=limit)
            return ChannelDifference(
                DifferenceKind.TOO_LONG, channel.pts, True, timeout, dialog=view, messages=page
            )
        diff = await self.store.difference(channel_id, pts, limit=limit)
        if diff is None:
            raise bad_request(PERSISTENT_TIMESTAMP_INVALID)
        if not diff.messages and not diff.entries:
            return ChannelDifference(DifferenceKind.EMPTY, diff.pts, True, timeout)
        return ChannelDifference(
            DifferenceKind.DIFFERENCE, diff.pts, diff.final, timeout, diff=diff
        )
