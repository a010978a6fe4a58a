"""Feeding bots' update queues from the logs of the channels they belong to.

A channel message is written once per channel, never into the bot's box, so the bot's box
log does not see it. :class:`ChannelFeed` reads each of the bot's channels' own pts log
(``ChannelStore.difference``) after the bot's cursor for that channel and queues
``message`` / ``edited_message`` (supergroups) or ``channel_post`` / ``edited_channel_post``
(broadcast channels), moving the cursor in the same transaction of the bot store
(:meth:`~tgserver.store.bots.SqliteBotStore.feed_channel`): a post becomes an update exactly
once, across crashes. A channel the bot has no cursor for yet (it was just added) starts at
the bot's join and queues ``my_chat_member``; a cursor whose membership is gone (the bot
left or was banned) is dropped with a ``my_chat_member`` too.

*When* to look: bots are kept "online" in the channels' online index
(:class:`~tgserver.services.channels.online.OnlineChannels`), so a post's event reaches the
bot's bus subscription like any online member's (no loop over a channel's members); the bot
feeder then feeds the bot. At startup and before every getUpdates the bot is fed anyway, so
nothing committed is missed if an event is.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Final

from tgcore.tl import Reader, types
from tgserver.peerids import channel_key
from tgserver.services.channels import ChannelServices
from tgserver.store.bots import BotUpdateKind, ChannelCursor, NewBotUpdate, SqliteBotStore
from tgserver.store.channels import (
    INITIAL_CHANNEL_PTS,
    ChannelDiff,
    ChannelEntryKind,
    ChannelMessage,
    ChannelRecord,
    MemberRecord,
    MemberRole,
)

__all__ = ["CHANNEL_FEED_BATCH", "ChannelFeed", "member_status"]

log = logging.getLogger(__name__)

#: Channel messages read per step of a channel's log.
CHANNEL_FEED_BATCH: Final = 100

_STATUS: Final = {
    MemberRole.CREATOR: "creator",
    MemberRole.ADMIN: "administrator",
    MemberRole.MEMBER: "member",
    MemberRole.RESTRICTED: "restricted",
    MemberRole.KICKED: "kicked",
    MemberRole.LEFT: "left",
}


def member_status(member: MemberRecord | None) -> str:
    """The Bot API ``ChatMember.status`` of a channel member row (None: ``left``)."""
    return "left" if member is None else _STATUS[member.role]


def _member_payload(
    member: MemberRecord | None, old: str, *, from_id: int, date: int, channel_id: int
) -> NewBotUpdate:
    body = {
        "from_id": from_id,
        "old": old,
        "new": member_status(member),
        "admin_rights": member.admin_rights if member is not None else 0,
        "until_date": member.until_date if member is not None else 0,
    }
    return NewBotUpdate(
        kind=BotUpdateKind.MY_CHAT_MEMBER,
        date=date,
        payload=json.dumps(body).encode(),
        chat_id=channel_key(channel_id),
    )


def _old_status(cursor: ChannelCursor) -> str:
    """The status last reported to the bot (a cursor from before roles were kept: member)."""
    return _STATUS.get(MemberRole(cursor.role), "member") if cursor.role else "member"


def _created(message: ChannelMessage) -> bool:
    """Whether this is a channel's first message (a bot is never a member before it; dates
    are in seconds, so the join date alone cannot tell)."""
    if message.action is None:
        return False
    action = Reader(message.action).read_object()
    return isinstance(action, types.MessageActionChannelCreate)


class ChannelFeed:
    """Turns the logs of a bot's channels into its queued updates.

    Args:
        store: The bot store (cursors and queues).
        channels: The channel services (store, online index).
        clock: Unix time (the date of a role change, which member rows do not keep).
    """

    def __init__(
        self,
        store: SqliteBotStore,
        channels: ChannelServices,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._store = store
        self._channels = channels
        self._cstore = channels.access.store
        #: Bots kept online in the channels' online index.
        self._kept: set[int] = set()

    async def keep_online(self, bot_id: int) -> None:
        """Make the channels' events reach ``bot_id`` (idempotent)."""
        if bot_id not in self._kept:
            self._kept.add(bot_id)
            await self._channels.online.user_online(bot_id)

    def user_offline(self, user_id: int) -> None:
        """The gateway's "last key gone" hook, passed on to the channels' online index except
        for bots this feeder keeps online (a bot's MTProto session ending must not stop its
        Bot API updates)."""
        if user_id not in self._kept:
            self._channels.online.user_offline(user_id)

    async def feed(self, bot_id: int, wanted: Callable[[BotUpdateKind], bool]) -> int:
        """Queue what happened in the bot's channels since its cursors (only the kinds
        ``wanted``; the cursors move past the others); how many updates were queued. The
        caller serializes feeds of one bot."""
        await self.keep_online(bot_id)
        memberships = {m.channel_id: m for m in await self._cstore.memberships(bot_id)}
        cursors = await self._store.channel_cursors(bot_id)
        found = await self._cstore.get_channels(set(memberships) | set(cursors))
        queued = 0
        for channel_id, member in memberships.items():
            channel = found.get(channel_id)
            if channel is None:
                continue
            queued += await self._feed_channel(
                bot_id, channel, member, cursors.get(channel_id), wanted
            )
        for channel_id, cursor in cursors.items():
            if channel_id in memberships:
                continue
            # The bot is no longer a member: say so, and stop following the channel.
            row = await self._cstore.get_member(channel_id, bot_id)
            item = _member_payload(
                row,
                _old_status(cursor),
                from_id=row.inviter_id if row is not None else bot_id,
                date=row.date if row is not None else 0,
                channel_id=channel_id,
            )
            items = [item] if wanted(item.kind) else []
            done = await self._store.feed_channel(bot_id, channel_id, cursor.pts, None, items)
            queued += len(done or ())
        return queued

    async def _start(self, channel: ChannelRecord, member: MemberRecord) -> int:
        """The channel pts just before the bot joined (its first messages follow it)."""
        page, _ = await self._cstore.history(channel.id, offset_date=member.date, limit=1)
        return page[0].pts if page else INITIAL_CHANNEL_PTS

    async def _feed_channel(
        self,
        bot_id: int,
        channel: ChannelRecord,
        member: MemberRecord,
        state: ChannelCursor | None,
        wanted: Callable[[BotUpdateKind], bool],
    ) -> int:
        queued = 0
        now = (int(member.role), member.admin_rights)
        if state is None or (state.role, state.admin_rights) != now:
            # Added (no cursor yet: start at the join), promoted, demoted or restricted.
            old = "left" if state is None else _old_status(state)
            date = member.date if state is None else max(member.date, int(self._clock()))
            item = _member_payload(
                member, old, from_id=member.inviter_id, date=date, channel_id=channel.id
            )
            items = [item] if wanted(item.kind) else []
            start = await self._start(channel, member) if state is None else state.pts
            done = await self._store.feed_channel(
                bot_id, channel.id, None if state is None else state.pts, start, items, member=now
            )
            if done is None:
                return 0
            queued += len(done)
            cursor = start
        else:
            cursor = state.pts
        while cursor < channel.pts:
            diff = await self._cstore.difference(channel.id, cursor, limit=CHANNEL_FEED_BATCH)
            if diff is None:
                break
            items = [i for i in self._items(bot_id, diff, member.date) if wanted(i.kind)]
            done = await self._store.feed_channel(bot_id, channel.id, cursor, diff.pts, items)
            if done is None:
                break  # fed by someone else meanwhile
            queued += len(done)
            if diff.pts <= cursor:
                break
            cursor = diff.pts
            channel = diff.channel
            if diff.final:
                break
        return queued

    @staticmethod
    def _items(bot_id: int, diff: ChannelDiff, joined: int) -> list[NewBotUpdate]:
        broadcast = not diff.channel.megagroup
        new_kind = BotUpdateKind.CHANNEL_POST if broadcast else BotUpdateKind.MESSAGE
        edit_kind = BotUpdateKind.EDITED_CHANNEL_POST if broadcast else BotUpdateKind.EDITED_MESSAGE
        chat_id = channel_key(diff.channel.id)
        # Entries and messages are merged by pts so the queue follows the channel's order.
        timeline: list[tuple[int, BotUpdateKind, ChannelMessage]] = []
        for message in diff.messages:
            timeline.append((message.pts, new_kind, message))
        for entry in diff.entries:
            if entry.kind != ChannelEntryKind.EDIT_MESSAGE:
                continue
            for message_id in entry.ids:
                edited = diff.edited.get(message_id)
                if edited is not None:
                    timeline.append((entry.pts, edit_kind, edited))
        timeline.sort(key=lambda item: item[0])
        return [
            NewBotUpdate(kind=kind, date=message.date, message_id=message.id, chat_id=chat_id)
            for _, kind, message in timeline
            # The bot's own messages are no updates for it; nor is history before it joined.
            if message.from_id != bot_id and message.date >= joined and not _created(message)
        ]
