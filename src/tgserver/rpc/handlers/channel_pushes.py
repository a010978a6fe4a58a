"""Channel events as the ``Updates`` pushed to each online member.

One post reaches every online member, so the work per member is kept to what differs per
member. For a message event the whole ``updates`` envelope (the update, the users it mentions
and the channel) is serialized once per event with marker values where the access hashes go,
and cut at the markers (:class:`Spliced`); each member then gets the pieces joined around its
own access hashes: two HMACs (remembered for the next post) and one ``bytes.join``, no TL
objects. The viewers that see other
bytes (the author, a user the message mentions: ``out`` / ``self`` / phone) and messages with
media (per-viewer file references) are rendered in full, as is any event whose serialized
form happens to contain a marker value. Users are shown without contact details here (no
per-member store lookups).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Sequence

import attrs

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


_LONG = struct.Struct("<q")
#: Marker access hashes of the templates: slot i holds ``_MARK + i``. Any value works that the
#: rest of the bytes do not contain; :meth:`Spliced.cut` checks that, or there is no template.
_MARK = 0x3C6E_F372_FE94_F82A
#: Events whose prepared form is kept (posts into several channels interleave their batches).
_PREPARED_KEPT = 8
#: Access hashes remembered (an HMAC each; the same members get every post of a channel).
#: The cache is emptied when full: a few µs per member to refill it.
_HASHES_KEPT = 100_000


class Spliced:
    """Serialized bytes with 8-byte holes where per-viewer values (access hashes) go.

    Args:
        parts: The bytes between the holes (one more than there are holes).
    """

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[bytes]) -> None:
        self.parts = tuple(parts)

    @classmethod
    def cut(cls, data: bytes, marks: Sequence[int]) -> Spliced | None:
        """``data`` cut where the little-endian longs ``marks`` are, in that order; None if a
        mark is missing, occurs twice, or the marks are out of order or overlap."""
        positions: list[int] = []
        for mark in marks:
            packed = _LONG.pack(mark)
            at = data.find(packed)
            if at < 0 or data.find(packed, at + 1) >= 0:
                return None
            if positions and at < positions[-1] + _LONG.size:
                return None
            positions.append(at)
        parts: list[bytes] = []
        start = 0
        for at in positions:
            parts.append(data[start:at])
            start = at + _LONG.size
        parts.append(data[start:])
        return cls(parts)

    @property
    def holes(self) -> int:
        """How many values :meth:`fill` takes."""
        return len(self.parts) - 1

    def fill(self, values: Sequence[int]) -> bytes:
        """The bytes with ``values`` (signed 64-bit) in the holes, in order."""
        parts = self.parts
        pack = _LONG.pack
        out = [parts[0]]
        for value, part in zip(values, parts[1:], strict=True):
            out.append(pack(value))
            out.append(part)
        return b"".join(out)


@attrs.frozen
class _Prepared:
    """What one message event needs for every viewer, computed once."""

    event: object
    #: The update as every viewer but the author sees it (None: media, render per viewer).
    shared_update: bytes | None
    users: list[UserRecord]
    #: The whole envelope for viewers outside ``special`` (holes: the users' hashes, then
    #: the channel's); None: render per viewer.
    template: Spliced | None
    #: Viewers who see other bytes than the template's (the author, mentioned users).
    special: frozenset[int]


class ChannelEventRenderer:
    """Renders :mod:`tgserver.services.channels.events` values for one online member."""

    def __init__(self, services: ChannelServices) -> None:
        self._services = services
        self._users = services.accounts.users
        self.render = ChannelRendering(services)
        self._prepared: OrderedDict[int, _Prepared] = OrderedDict()
        # (viewer, user id) and (viewer, -channel id) -> access hash: deterministic HMACs.
        self._hashes: dict[tuple[int, int], int] = {}

    @staticmethod
    def handles(event: object) -> bool:
        """Whether ``event`` is a channel event."""
        return isinstance(event, _CHANNEL_EVENTS)

    def _chat(
        self, viewer_id: int, channel: ChannelRecord, access_hash: int | None = None
    ) -> types.Channel:
        # Without the viewer's row (no per-member read): role details come with
        # updateChannel / getFullChannel, as the clients refetch them there.
        return types.Channel(
            broadcast=not channel.megagroup,
            megagroup=channel.megagroup,
            id=channel.id,
            access_hash=(
                self._services.access.hash_for(viewer_id, channel.id)
                if access_hash is None
                else access_hash
            ),
            title=channel.title,
            username=channel.username,
            photo=types.ChatPhotoEmpty(),
            date=channel.date,
            participants_count=channel.participants_count,
        )

    async def _prepare(
        self, event: ChannelMessageEvent | ChannelEditEvent, message: ChannelMessage
    ) -> _Prepared:
        key = id(event)
        found = self._prepared.get(key)
        if found is not None and found.event is event:
            return found
        shared = None
        if message.media is None:
            # Any viewer but the author sees the same bytes (out=False).
            shared = self._message_update(event, message, 0).to_bytes()
        ids = users_of_messages([message])
        records = await self._users.store.get_users(ids)
        users = [records[i] for i in ids if i in records]
        template = None
        if shared is not None:
            template = self._template(event, shared, users)
        prepared = _Prepared(event, shared, users, template, frozenset([message.from_id, *ids]))
        self._prepared[key] = prepared
        if len(self._prepared) > _PREPARED_KEPT:
            self._prepared.popitem(last=False)
        return prepared

    def _template(
        self,
        event: ChannelMessageEvent | ChannelEditEvent,
        shared_update: bytes,
        users: list[UserRecord],
    ) -> Spliced | None:
        # Viewer 0 is nobody: not self, no contact, so no phone; only the hashes differ.
        marks = [_MARK + i for i in range(len(users) + 1)]
        tl_users = [
            tl_user(attrs.evolve(self._users.view_of(0, record, None), access_hash=mark))
            for record, mark in zip(users, marks, strict=False)
        ]
        chats = [self._chat(0, event.channel, marks[-1])]
        data = _envelope(
            shared_update,
            pack_object_vector(tl_users),
            pack_object_vector(chats),
            event.message.date,
        )
        return Spliced.cut(data, marks)

    @staticmethod
    def _message_update(event: object, message: ChannelMessage, viewer_id: int) -> types.TypeUpdate:
        if isinstance(event, ChannelEditEvent):
            return types.UpdateEditChannelMessage(
                message=tl_channel_message(message, viewer_id), pts=event.pts, pts_count=1
            )
        return types.UpdateNewChannelMessage(
            message=tl_channel_message(message, viewer_id), pts=message.pts, pts_count=1
        )

    def _template_hashes(self, viewer_id: int, prepared: _Prepared, channel_id: int) -> list[int]:
        """The viewer's hashes for the template's holes: the users', then the channel's."""
        cache = self._hashes
        if len(cache) > _HASHES_KEPT:
            cache.clear()
        hashes = []
        for record in prepared.users:
            value = cache.get((viewer_id, record.id))
            if value is None:
                value = cache[viewer_id, record.id] = self._users.access.user(viewer_id, record.id)
            hashes.append(value)
        value = cache.get((viewer_id, -channel_id))
        if value is None:
            value = self._services.access.hash_for(viewer_id, channel_id)
            cache[viewer_id, -channel_id] = value
        hashes.append(value)
        return hashes

    async def _message(
        self,
        viewer_id: int,
        event: ChannelMessageEvent | ChannelEditEvent,
    ) -> bytes:
        message = event.message
        prepared = await self._prepare(event, message)
        template = prepared.template
        if template is not None and viewer_id not in prepared.special:
            return template.fill(self._template_hashes(viewer_id, prepared, event.channel.id))
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
