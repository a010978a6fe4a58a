"""Channel events as the ``Updates`` pushed to each online member.

One post reaches every online member, so the work per member is kept to what differs per
member: the update itself is serialized once per event (unless the viewer is its author or
the message has media, whose access hashes are per viewer), and per member only the channel
(its access hash) and the author (its access hash) are rendered, from records read once per
event. Users are shown without contact details here (no per-member store lookups).
"""

from __future__ import annotations

from tgcore.tl import pack_int, pack_object_vector, pack_vector_header, types
from tgserver.rpc.handlers.channel_common import ChannelRendering
from tgserver.rpc.handlers.channel_render import tl_channel_message, users_of_messages
from tgserver.rpc.handlers.peers import tl_user
from tgserver.services.channels import (
    ChannelDeleteEvent,
    ChannelEditEvent,
    ChannelMessageEvent,
    ChannelOutboxReadEvent,
    ChannelReadEvent,
    ChannelServices,
    ChannelUpdatedEvent,
)
from tgserver.store.accounts import UserRecord
from tgserver.store.channels import ChannelMessage, ChannelRecord

__all__ = ["ChannelEventRenderer"]

_UPDATES = pack_int(types.Updates.CONSTRUCTOR_ID)
_CHANNEL_EVENTS = (
    ChannelMessageEvent,
    ChannelEditEvent,
    ChannelDeleteEvent,
    ChannelReadEvent,
    ChannelOutboxReadEvent,
    ChannelUpdatedEvent,
)


def _envelope(update: bytes, users: bytes, chats: bytes, date: int) -> bytes:
    return _UPDATES + pack_vector_header(1) + update + users + chats + pack_int(date) + pack_int(0)


class _Prepared:
    """What one message event needs for every viewer, computed once."""

    def __init__(self, event: object, shared_update: bytes | None, users: list[UserRecord]) -> None:
        self.event = event
        self.shared_update = shared_update
        self.users = users


class ChannelEventRenderer:
    """Renders :mod:`tgserver.services.channels.events` values for one online member."""

    def __init__(self, services: ChannelServices) -> None:
        self._services = services
        self._users = services.accounts.users
        self.render = ChannelRendering(services)
        self._last: _Prepared | None = None

    @staticmethod
    def handles(event: object) -> bool:
        """Whether ``event`` is a channel event."""
        return isinstance(event, _CHANNEL_EVENTS)

    def _chat(self, viewer_id: int, channel: ChannelRecord) -> types.Channel:
        # Without the viewer's row (no per-member read): role details come with
        # updateChannel / getFullChannel, as the clients refetch them there.
        return types.Channel(
            broadcast=not channel.megagroup,
            megagroup=channel.megagroup,
            id=channel.id,
            access_hash=self._services.access.hash_for(viewer_id, channel.id),
            title=channel.title,
            username=channel.username,
            photo=types.ChatPhotoEmpty(),
            date=channel.date,
            participants_count=channel.participants_count,
        )

    async def _prepare(
        self, event: object, message: ChannelMessage, update_of: object
    ) -> _Prepared:
        last = self._last
        if last is not None and last.event is event:
            return last
        shared = None
        if message.media is None:
            # Any viewer but the author sees the same bytes (out=False).
            shared = self._message_update(update_of, message, 0).to_bytes()
        ids = users_of_messages([message])
        records = await self._users.store.get_users(ids)
        prepared = _Prepared(event, shared, [records[i] for i in ids if i in records])
        self._last = prepared
        return prepared

    @staticmethod
    def _message_update(event: object, message: ChannelMessage, viewer_id: int) -> types.TypeUpdate:
        if isinstance(event, ChannelEditEvent):
            return types.UpdateEditChannelMessage(
                message=tl_channel_message(message, viewer_id), pts=event.pts, pts_count=1
            )
        return types.UpdateNewChannelMessage(
            message=tl_channel_message(message, viewer_id), pts=message.pts, pts_count=1
        )

    async def _message(
        self,
        viewer_id: int,
        event: ChannelMessageEvent | ChannelEditEvent,
    ) -> bytes:
        message = event.message
        prepared = await self._prepare(event, message, event)
        if prepared.shared_update is not None and message.from_id != viewer_id:
            update = prepared.shared_update
        else:
            update = self._message_update(event, message, viewer_id).to_bytes()
        users = [tl_user(self._users.view_of(viewer_id, record, None)) for record in prepared.users]
        chats = [self._chat(viewer_id, event.channel)]
        return _envelope(update, pack_object_vector(users), pack_object_vector(chats), message.date)

    async def __call__(self, user_id: int, event: object) -> bytes | None:
        """The bytes to push to ``user_id``, or None for an event that is not a channel's."""
        if isinstance(event, ChannelMessageEvent | ChannelEditEvent):
            return await self._message(user_id, event)
        now = self._services.messaging.now()
        if isinstance(event, ChannelDeleteEvent):
            update: types.TypeUpdate = types.UpdateDeleteChannelMessages(
                channel_id=event.channel_id,
                messages=list(event.ids),
                pts=event.pts,
                pts_count=event.pts_count,
            )
            chats: list[types.TypeChat] = []
        elif isinstance(event, ChannelReadEvent):
            update = types.UpdateReadChannelInbox(
                channel_id=event.channel_id,
                max_id=event.max_id,
                still_unread_count=event.still_unread,
                pts=event.pts,
            )
            chats = []
        elif isinstance(event, ChannelOutboxReadEvent):
            update = types.UpdateReadChannelOutbox(channel_id=event.channel_id, max_id=event.max_id)
            chats = []
        elif isinstance(event, ChannelUpdatedEvent):
            update = types.UpdateChannel(channel_id=event.channel.id)
            chats = [
                self._chat(user_id, event.channel)
                if event.everyone
                else await self.render.chat(user_id, event.channel)
            ]
        else:
            return None
        return types.Updates(updates=[update], users=[], chats=chats, date=now, seq=0).to_bytes()
