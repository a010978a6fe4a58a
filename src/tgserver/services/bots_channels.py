"""Bots in supergroups and broadcast channels: what a bot does to a channel it belongs to.

A channel keeps one copy of each message (g1's channel store), not a copy per member's box, so
the Bot API's views of channel messages are made here: :func:`channel_view` shapes a
:class:`~tgserver.store.channels.ChannelMessage` as the :class:`~tgserver.store.messages.
MessageRecord` the Bot API renders, with the channel's peer key (``-100...``) as ``peer_id``
and the channel's own message ids. Posting, editing and deleting go through the channel
services with the bot as the acting member, so the channel's rules (a broadcast channel
needs an admin with ``post_messages``, a supergroup any member that is not restricted) apply
to bots as they do to users.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType
from typing import Final

from tgcore.errors import RpcError
from tgserver.peerids import PeerKind, channel_key, split_key
from tgserver.services.channels import ChannelServices
from tgserver.services.errors import PEER_ID_INVALID, bad_request
from tgserver.services.messages import MESSAGE_ID_INVALID
from tgserver.store.channels import ChannelMessage, ChannelRecord, MemberRecord
from tgserver.store.messages import MessageRecord

__all__ = [
    "BotChannels",
    "CHANNEL_ADMIN_REQUIRED",
    "CHANNEL_NOT_MEMBER",
    "SUPERGROUP_NOT_MEMBER",
    "channel_id_of",
    "channel_view",
]

#: The bot is not a member of the supergroup (403).
SUPERGROUP_NOT_MEMBER: Final = "BOT_NOT_SUPERGROUP_MEMBER"
#: The bot is not a member of the broadcast channel (403).
CHANNEL_NOT_MEMBER: Final = "BOT_NOT_CHANNEL_MEMBER"
#: The bot is a member of the broadcast channel but may not post (400).
CHANNEL_ADMIN_REQUIRED: Final = "CHAT_ADMIN_REQUIRED"

# Whatever the channel services answer when a bot may not see a channel, the Bot API says
# "chat not found" (it never tells a bot about channels it is not in).
_NOT_FOUND: Final = frozenset({"CHANNEL_INVALID", "CHANNEL_PRIVATE"})


def channel_id_of(chat_id: int) -> int | None:
    """The channel a Bot API ``chat_id`` names (``-100...``), or None for other chats."""
    if chat_id >= 0:
        return None
    try:
        kind, raw_id = split_key(chat_id)
    except ValueError:
        return None
    return raw_id if kind is PeerKind.CHANNEL else None


def channel_view(bot_id: int, message: ChannelMessage) -> MessageRecord:
    """The channel message as a record of the bot's "box" (what the Bot API renders): the
    channel's peer key and message id, ``out`` when the bot wrote it."""
    return MessageRecord(
        user_id=bot_id,
        id=message.id,
        peer_id=channel_key(message.channel_id),
        from_id=message.from_id,
        out=message.from_id == bot_id,
        date=message.date,
        text=message.text,
        entities=message.entities,
        media=message.media,
        reply_to=message.reply_to,
        fwd_from=message.fwd_from,
        edit_date=message.edit_date,
        random_id=None,
        origin_user_id=message.from_id,
        origin_id=message.id,
        pts=message.pts,
        reply_markup=message.reply_markup,
        action=message.action,
    )


class BotChannels:
    """A bot's messages and lookups in supergroups and broadcast channels.

    Args:
        channels: The channel services.
    """

    def __init__(self, channels: ChannelServices) -> None:
        self.services = channels
        self.store = channels.access.store

    async def chat(self, bot_id: int, channel_id: int) -> ChannelRecord:
        """The channel, if the bot may read it (a member, or a public channel).

        Raises:
            RpcError: ``PEER_ID_INVALID`` (chat not found).
        """
        try:
            channel, _ = await self.services.access.readable(bot_id, channel_id)
        except RpcError as exc:
            if exc.name in _NOT_FOUND:
                raise bad_request(PEER_ID_INVALID) from None
            raise
        return channel

    async def membership(self, bot_id: int, channel_id: int) -> tuple[ChannelRecord, MemberRecord]:
        """The channel and the bot's active member row (a channel it left or was removed
        from is known to it: 403, not "chat not found").

        Raises:
            RpcError: ``PEER_ID_INVALID``, ``403`` :data:`SUPERGROUP_NOT_MEMBER` /
                :data:`CHANNEL_NOT_MEMBER`.
        """
        channel = await self.store.get_channel(channel_id)
        member = await self.store.get_member(channel_id, bot_id)
        if channel is None or (member is None and channel.username is None):
            # A private channel the bot never was in: it does not know of it.
            raise bad_request(PEER_ID_INVALID)
        if member is None or not member.active:
            name = SUPERGROUP_NOT_MEMBER if channel.megagroup else CHANNEL_NOT_MEMBER
            raise RpcError(403, name)
        return channel, member

    async def member(self, channel_id: int, user_id: int) -> MemberRecord | None:
        """A user's row in the channel (any role), or None."""
        return await self.store.get_member(channel_id, user_id)

    async def message(self, bot_id: int, channel_id: int, message_id: int) -> MessageRecord | None:
        """A message of the channel as the bot sees it, or None."""
        if message_id <= 0:
            return None
        found = await self.store.get_messages(channel_id, [message_id])
        return channel_view(bot_id, found[0]) if found else None

    async def send(
        self,
        bot_id: int,
        channel_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        media: bytes | None = None,
        reply_markup: bytes | None = None,
        reply_to: int | None = None,
        fwd_from: bytes | None = None,
    ) -> MessageRecord:
        """Post as the bot (a supergroup member, or a broadcast channel's admin).

        Raises:
            RpcError: as :meth:`membership`, ``CHAT_ADMIN_REQUIRED`` (a broadcast channel
                and no ``post_messages`` right), ``403 CHAT_WRITE_FORBIDDEN`` (restricted).
        """
        channel, _ = await self.membership(bot_id, channel_id)
        try:
            result = await self.services.messaging.post(
                bot_id,
                channel_id,
                text,
                entities=entities,
                media=media,
                reply_to=reply_to,
                fwd_from=fwd_from,
                reply_markup=reply_markup,
            )
        except RpcError as exc:
            if exc.name == "CHAT_WRITE_FORBIDDEN" and not channel.megagroup:
                raise bad_request(CHANNEL_ADMIN_REQUIRED) from None
            raise
        return channel_view(bot_id, result.message)

    async def edit(
        self,
        bot_id: int,
        channel_id: int,
        message_id: int,
        *,
        text: str | None,
        entities: bytes | None,
        reply_markup: bytes | EllipsisType | None,
    ) -> MessageRecord:
        """Edit a message (the bot's own; any post with ``edit_messages`` in a broadcast
        channel). ``text`` None: keep the text and entities.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID``, ``403 MESSAGE_AUTHOR_REQUIRED``,
                ``MESSAGE_NOT_MODIFIED`` ...
        """
        await self.membership(bot_id, channel_id)
        current = await self.message(bot_id, channel_id, message_id)
        if current is None:
            raise bad_request(MESSAGE_ID_INVALID)
        if text is None:
            text, entities = current.text, current.entities
        result = await self.services.messaging.edit(
            bot_id, channel_id, message_id, text, entities=entities, reply_markup=reply_markup
        )
        return channel_view(bot_id, result.message)

    async def delete(self, bot_id: int, channel_id: int, message_ids: Sequence[int]) -> bool:
        """Delete messages for everyone; whether something was deleted.

        Raises:
            RpcError: ``403 MESSAGE_DELETE_FORBIDDEN`` (others' messages without the right).
        """
        await self.membership(bot_id, channel_id)
        result = await self.services.messaging.delete(bot_id, channel_id, list(message_ids))
        return result.entry is not None

    async def typing(self, bot_id: int, channel_id: int) -> None:
        """A chat action: checked (the bot must be a member), not relayed (channels do not
        relay typing yet)."""
        await self.membership(bot_id, channel_id)

    async def member_count(self, bot_id: int, channel_id: int) -> int:
        """The channel's active members."""
        return (await self.chat(bot_id, channel_id)).participants_count
