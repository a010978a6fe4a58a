"""``messages.*`` on supergroups and broadcast channels: what g2's routing hands over.

:class:`ChannelMessageHandlers` implements :class:`~tgserver.rpc.handlers.routing.ChannelRoutes`
(``MessageHandlers`` calls it for ``inputPeerChannel``), plus ``send_media`` for the media
handlers. Answers carry ``updateNewChannelMessage`` / ``updateEditChannelMessage`` with the
channel's own pts, as Telegram does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Protocol

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.peerids import channel_key
from tgserver.rpc.context import RequestContext
from tgserver.rpc.handlers._sending import stored_entities
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.channel_common import ChannelRendering, input_channel_id
from tgserver.rpc.handlers.channel_render import (
    channel_peer,
    tl_channel_dialog,
    tl_channel_message,
)
from tgserver.rpc.handlers.messages import origin_of
from tgserver.rpc.handlers.render import encode_objects
from tgserver.rpc.handlers.routing import ChannelDialog, ForwardSource
from tgserver.services import bad_request
from tgserver.services.channels import ChannelDialogView, ChannelServices
from tgserver.store.channels import ChannelMessage, ChannelRecord

__all__ = ["ChannelMessageHandlers", "MediaSource"]


class MediaSource(Protocol):
    """``async def source(user_id, input_media) -> bytes``: the stored form of an
    ``InputMedia`` (what the media handlers put into ``MessageRecord.media``)."""

    def __call__(self, user_id: int, media: types.TypeInputMedia, /) -> Awaitable[bytes]: ...


def _reply_to_id(reply_to: types.TypeInputReplyTo | None) -> int | None:
    if isinstance(reply_to, types.InputReplyToMessage):
        return reply_to.reply_to_msg_id
    return None


class ChannelMessageHandlers:
    """Channel sendMessage, sendMedia, getHistory, editMessage, setTyping, forwards and
    dialogs (called by the ``messages.*`` routing, not registered on the dispatcher)."""

    def __init__(self, services: ChannelServices) -> None:
        self._services = services
        self._messaging = services.messaging
        self._users = services.accounts.users
        self.render = ChannelRendering(services)
        self._media: MediaSource | None = None

    def set_media_source(self, source: MediaSource) -> None:
        """Let ``send_media`` turn ``InputMedia`` into stored media (the media handlers' job)."""
        self._media = source

    def _id(self, me: int, peer: types.TypeInputPeer | types.TypeInputChannel) -> int:
        return input_channel_id(self._services, me, peer)

    async def _entities(
        self, me: int, entities: list[types.TypeMessageEntity] | None
    ) -> bytes | None:
        """The entities as stored (see :func:`~tgserver.rpc.handlers._sending.stored_entities`)."""
        return encode_objects(await stored_entities(self._users, me, entities))

    async def _updates(
        self,
        me: int,
        channel: ChannelRecord,
        updates: list[types.TypeUpdate],
        messages: Sequence[ChannelMessage],
    ) -> types.Updates:
        return types.Updates(
            updates=updates,
            users=await self.render.message_users(me, messages, [me]),
            chats=[await self.render.chat(me, channel)],
            date=self._messaging.now(),
            seq=0,
        )

    async def _sent(
        self, me: int, channel: ChannelRecord, sent: Sequence[tuple[ChannelMessage, int | None]]
    ) -> types.Updates:
        updates: list[types.TypeUpdate] = []
        for message, random_id in sent:
            if random_id is not None:
                updates.append(types.UpdateMessageID(id=message.id, random_id=random_id))
            updates.append(
                types.UpdateNewChannelMessage(
                    message=tl_channel_message(message, me), pts=message.pts, pts_count=1
                )
            )
        return await self._updates(me, channel, updates, [m for m, _ in sent])

    # -- sending ---------------------------------------------------------------------------------

    async def send_message(
        self, ctx: RequestContext, request: functions.messages.SendMessage
    ) -> TLObject:
        """messages.sendMessage to a channel: ``updateMessageID`` + ``updateNewChannelMessage``."""
        me = require_user(ctx)
        channel_id = self._id(me, request.peer)
        result = await self._messaging.post(
            me,
            channel_id,
            request.message,
            entities=await self._entities(me, request.entities),
            reply_to=_reply_to_id(request.reply_to),
            random_id=request.random_id,
            origin=origin_of(ctx),
        )
        return await self._sent(me, result.channel, [(result.message, request.random_id)])

    async def send_media(
        self, ctx: RequestContext, request: functions.messages.SendMedia
    ) -> TLObject:
        """messages.sendMedia to a channel (the media is converted by the media source).

        Raises:
            RpcError: ``MEDIA_INVALID`` when no media source is installed.
        """
        me = require_user(ctx)
        channel_id = self._id(me, request.peer)
        if self._media is None:
            raise bad_request("MEDIA_INVALID")
        # Check the right to post before storing anything.
        await self._services.access.member(me, channel_id)
        media = await self._media(me, request.media)
        result = await self._messaging.post(
            me,
            channel_id,
            request.message,
            entities=await self._entities(me, request.entities),
            media=media,
            reply_to=_reply_to_id(request.reply_to),
            random_id=request.random_id,
            origin=origin_of(ctx),
        )
        return await self._sent(me, result.channel, [(result.message, request.random_id)])

    async def forward_sources(
        self, user_id: int, peer: types.TypeInputPeer, ids: list[int]
    ) -> list[ForwardSource]:
        """The channel messages with these ids the user may read, as forward sources."""
        channel_id = self._id(user_id, peer)
        _, found = await self._messaging.get_messages(user_id, channel_id, ids)
        sources: list[ForwardSource] = []
        for m in found:
            if m.action is not None:
                continue
            header = m.fwd_from or (
                types.MessageFwdHeader(
                    from_id=channel_peer(channel_id)
                    if m.post
                    else types.PeerUser(user_id=m.from_id),
                    date=m.date,
                    channel_post=m.id if m.post else None,
                ).to_bytes()
            )
            sources.append(ForwardSource(m.id, m.text, m.entities, m.media, header))
        return sources

    async def post_forwards(
        self,
        ctx: RequestContext,
        peer: types.TypeInputPeer,
        items: list[tuple[ForwardSource, int]],
    ) -> types.Updates:
        """Post forwarded copies to a channel, in order."""
        me = require_user(ctx)
        channel_id = self._id(me, peer)
        sent: list[tuple[ChannelMessage, int | None]] = []
        channel = await self._services.access.get(channel_id)
        for source, random_id in items:
            result = await self._messaging.post(
                me,
                channel_id,
                source.text,
                entities=source.entities,
                media=source.media,
                fwd_from=source.fwd_from,
                random_id=random_id,
                origin=origin_of(ctx),
            )
            channel = result.channel
            sent.append((result.message, random_id))
        return await self._sent(me, channel, sent)

    # -- reading and editing ---------------------------------------------------------------------

    async def get_history(
        self, ctx: RequestContext, request: functions.messages.GetHistory
    ) -> TLObject:
        """messages.getHistory of a channel: ``messages.channelMessages`` with its pts."""
        me = require_user(ctx)
        channel_id = self._id(me, request.peer)
        channel, page, count = await self._messaging.history(
            me,
            channel_id,
            offset_id=request.offset_id,
            offset_date=request.offset_date,
            add_offset=request.add_offset,
            limit=request.limit,
            max_id=request.max_id,
            min_id=request.min_id,
        )
        return types.messages.ChannelMessages(
            pts=channel.pts,
            count=count,
            messages=[tl_channel_message(m, me) for m in page],
            topics=[],
            chats=[await self.render.chat(me, channel)],
            users=await self.render.message_users(me, page),
        )

    async def edit_message(
        self, ctx: RequestContext, request: functions.messages.EditMessage
    ) -> TLObject:
        """messages.editMessage in a channel: ``updateEditChannelMessage``."""
        me = require_user(ctx)
        channel_id = self._id(me, request.peer)
        text = request.message
        if text is None:
            _, found = await self._messaging.get_messages(me, channel_id, [request.id])
            text = found[0].text if found else ""
        result = await self._messaging.edit(
            me,
            channel_id,
            request.id,
            text,
            entities=await self._entities(me, request.entities),
            origin=origin_of(ctx),
        )
        channel = await self._services.access.get(channel_id)
        update = types.UpdateEditChannelMessage(
            message=tl_channel_message(result.message, me), pts=result.entry.pts, pts_count=1
        )
        return await self._updates(me, channel, [update], [result.message])

    async def set_typing(self, ctx: RequestContext, request: functions.messages.SetTyping) -> bytes:
        """messages.setTyping in a channel: accepted, not relayed (Telegram throttles these
        heavily in big groups; nothing depends on them)."""
        me = require_user(ctx)
        await self._services.access.member(me, self._id(me, request.peer))
        return pack_bool(True)

    async def toggle_dialog_pin(
        self, ctx: RequestContext, peer: types.TypeInputPeer, pinned: bool
    ) -> None:
        """messages.toggleDialogPin of a channel dialog: channel dialogs are not pinned yet."""
        me = require_user(ctx)
        await self._services.access.member(me, self._id(me, peer))

    # -- dialogs ---------------------------------------------------------------------------------

    async def _dialog(self, user_id: int, view: ChannelDialogView) -> ChannelDialog:
        top = view.top
        return ChannelDialog(
            peer_key=channel_key(view.channel.id),
            top_date=top.date if top is not None else view.channel.date,
            top_message=top.id if top is not None else 0,
            pinned=False,
            dialog=tl_channel_dialog(view),
            message=tl_channel_message(top, user_id) if top is not None else None,
            chats=(self.render.chat_of_member(user_id, view.channel, view.member),),
            users=tuple(await self.render.message_users(user_id, [top] if top is not None else [])),
        )

    async def dialogs_for(self, user_id: int) -> list[ChannelDialog]:
        """Every channel dialog of the user."""
        return [await self._dialog(user_id, v) for v in await self._messaging.dialogs(user_id)]

    async def peer_dialogs(
        self, user_id: int, peers: list[types.TypeInputPeer]
    ) -> list[ChannelDialog]:
        """The user's dialogs with these channels (channels it is not a member of left out)."""
        found: list[ChannelDialog] = []
        for peer in peers:
            channel_id = self._id(user_id, peer)
            channel = await self._services.access.get(channel_id)
            member = await self._services.access.store.get_member(channel_id, user_id)
            if member is None or not member.active:
                continue
            found.append(await self._dialog(user_id, await self._messaging.dialog(channel, member)))
        return found

    async def tl_channel_for(self, user_id: int, channel_id: int) -> types.TypeChat:
        """The ``channel`` constructor as the user sees it."""
        return await self.render.chat(user_id, await self._services.access.get(channel_id))

    def input_channel_for(self, user_id: int, channel_id: int) -> types.InputChannel:
        """An ``inputChannel`` with the user's access hash."""
        return types.InputChannel(
            channel_id=channel_id,
            access_hash=self._services.access.hash_for(user_id, channel_id),
        )
