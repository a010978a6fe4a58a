"""``messages.*`` that take a peer, routed by the kind of peer.

``inputPeerUser`` / ``inputPeerSelf`` go to the private-chat path here (TL <->
:class:`~tgserver.services.MessagingService`), ``inputPeerChat`` to the basic-group path
(:mod:`tgserver.rpc.handlers.group_messages`), ``inputPeerChannel`` to the channel handlers
installed with :meth:`MessageHandlers.set_channel_handlers` (``CHANNEL_INVALID`` until then).
The dialog list lives in :mod:`tgserver.rpc.handlers.dialogs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.peerids import chat_key
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers._sending import new_grouped_id, sent_updates, stored_entities
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.answers import Answers
from tgserver.rpc.handlers.chats_render import ChatRenderer
from tgserver.rpc.handlers.dialogs import FOLDER_ID_INVALID, DialogHandlers
from tgserver.rpc.handlers.group_messages import GroupMessageHandlers
from tgserver.rpc.handlers.peers import input_peer_user_id
from tgserver.rpc.handlers.render import encode_objects, tl_message
from tgserver.rpc.handlers.routing import (
    CHANNEL_INVALID,
    ChannelRoutes,
    ForwardSource,
    InputMediaSource,
    SendMediaHandler,
    route_of,
)
from tgserver.rpc.handlers.updates import UpdateHandlers
from tgserver.services import PEER_ID_INVALID, bad_request
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.events import Origin
from tgserver.services.messages import utf16_length
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import MessageRecord

__all__ = ["FOLDER_ID_INVALID", "RANDOM_ID_INVALID", "MessageHandlers", "origin_of"]

RANDOM_ID_INVALID: Final = "RANDOM_ID_INVALID"
_MESSAGE_ID_INVALID: Final = "MESSAGE_ID_INVALID"
#: The longest media caption, in UTF-16 code units (the media handlers' limit).
_MAX_CAPTION_LENGTH: Final = 1024


def origin_of(ctx: RequestContext) -> Origin:
    """The session a request came from (it gets its answer, not a pushed update)."""
    return Origin(ctx.auth_key_id, ctx.session_id)


def _reply_to_id(reply_to: types.TypeInputReplyTo | None) -> int | None:
    if isinstance(reply_to, types.InputReplyToMessage):
        return reply_to.reply_to_msg_id
    return None


def _message_ids(ids: list[types.TypeInputMessage]) -> list[int]:
    return [m.id for m in ids if isinstance(m, types.InputMessageID)]


def _forward_header(original: MessageRecord) -> bytes:
    """The header a forwarded copy carries: the original's own header, else its author."""
    return (
        original.fwd_from
        or types.MessageFwdHeader(
            from_id=types.PeerUser(user_id=original.from_id), date=original.date
        ).to_bytes()
    )


def _forwarded_albums(sources: Iterable[ForwardSource]) -> dict[int | None, int]:
    """A new album id per source album that forwards two items or more: Telegram groups
    the forwarded copies again, under an id of their own (a lone item is no album)."""
    counts: dict[int, int] = {}
    for source in sources:
        if source.grouped_id is not None:
            counts[source.grouped_id] = counts.get(source.grouped_id, 0) + 1
    return {album: new_grouped_id() for album, count in counts.items() if count > 1}


class MessageHandlers:
    """sendMessage, getHistory, getMessages, readHistory, editMessage, deleteMessages,
    setTyping, forwardMessages and the dialog list, for every kind of peer.

    Args:
        services: The messaging services (private chats, update state).
        chats: The basic-group services (None: ``inputPeerChat`` answers
            ``PEER_ID_INVALID``).
    """

    def __init__(self, services: MessagingServices, chats: ChatServices | None = None) -> None:
        self._services = services
        self._users = services.accounts.users
        self._messages = services.messages
        self._chats = chats
        self.renderer = ChatRenderer(chats.chats if chats is not None else None)
        self.answers = Answers(self._users, self.renderer)
        self._groups = (
            GroupMessageHandlers(services, chats, self.answers) if chats is not None else None
        )
        self.dialogs = DialogHandlers(services, self.answers, self.peer_key, self._channel_routes)
        self._send_media_private: SendMediaHandler | None = None
        self._media_source: InputMediaSource | None = None
        #: The updates.* handlers installed next to these (``register_messaging_handlers``).
        self.updates: UpdateHandlers | None = None
        # The dialog list's handlers, reachable here too.
        self.get_dialogs = self.dialogs.get_dialogs
        self.get_peer_dialogs = self.dialogs.get_peer_dialogs
        self.get_pinned_dialogs = self.dialogs.get_pinned_dialogs
        self.toggle_dialog_pin = self.dialogs.toggle_dialog_pin
        self.reorder_pinned_dialogs = self.dialogs.reorder_pinned_dialogs

    def route_send_media(
        self, dispatcher: Dispatcher, private: SendMediaHandler, source: InputMediaSource
    ) -> None:
        """Install messages.sendMedia routed by peer kind: users to ``private`` (the media
        handlers' own), basic groups here (``source`` turns the InputMedia into stored
        media), channels to the channel handlers. Call it after the media handlers are
        registered."""
        self._send_media_private = private
        self._media_source = source
        dispatcher.add(functions.messages.SendMedia, self.send_media)

    async def send_media(
        self, ctx: RequestContext, request: functions.messages.SendMedia
    ) -> TLObject:
        """messages.sendMedia to any peer (see :meth:`route_send_media`)."""
        route = route_of(request.peer)
        if route.kind == "channel":
            return await self._channel().send_media(ctx, request)
        if route.kind == "user":
            if self._send_media_private is None:
                raise bad_request(PEER_ID_INVALID)
            return await self._send_media_private(ctx, request)
        if self._media_source is None:
            raise bad_request("MEDIA_INVALID")
        me = require_user(ctx)
        group = self._group()
        if utf16_length(request.message) > _MAX_CAPTION_LENGTH:
            raise bad_request("MEDIA_CAPTION_TOO_LONG")
        # The right to post first: a refused message must not consume the upload.
        await group.check_can_post(me, route.chat_id)
        media = await self._media_source(me, request.media)
        entities = await self._entities(me, request.entities)
        copy = await group.send_copy(
            me,
            origin_of(ctx),
            route.chat_id,
            text=request.message,
            entities=encode_objects(entities),
            media=media,
            fwd_from=None,
            random_id=request.random_id,
            reply_to=_reply_to_id(request.reply_to),
        )
        return await group.sent_updates(me, [(copy, request.random_id)], route.chat_id)

    def set_channel_handlers(self, channels: ChannelRoutes) -> None:
        """Install the channel side of ``messages.*`` (and of the ``chats`` vectors)."""
        self.renderer.channels = channels

    def _channel_routes(self) -> ChannelRoutes | None:
        return self.renderer.channels

    def _channel(self) -> ChannelRoutes:
        if self.renderer.channels is None:
            raise bad_request(CHANNEL_INVALID)
        return self.renderer.channels

    def _group(self) -> GroupMessageHandlers:
        if self._groups is None:
            raise bad_request(PEER_ID_INVALID)
        return self._groups

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        m = functions.messages
        dispatcher.add(m.SendMessage, self.send_message)
        dispatcher.add(m.GetHistory, self.get_history)
        dispatcher.add(m.GetDialogs, self.get_dialogs)
        dispatcher.add(m.GetPeerDialogs, self.get_peer_dialogs)
        dispatcher.add(m.GetMessages, self.get_messages)
        dispatcher.add(m.ReadHistory, self.read_history)
        dispatcher.add(m.EditMessage, self.edit_message)
        dispatcher.add(m.DeleteMessages, self.delete_messages)
        dispatcher.add(m.SetTyping, self.set_typing)
        dispatcher.add(m.ForwardMessages, self.forward_messages)
        dispatcher.add(m.ToggleDialogPin, self.toggle_dialog_pin)
        dispatcher.add(m.ReorderPinnedDialogs, self.reorder_pinned_dialogs)
        dispatcher.add(m.GetPinnedDialogs, self.get_pinned_dialogs)

    async def peer_key(self, me: int, peer: types.TypeInputPeer) -> int:
        """The peer key of a user or basic-group input peer (channels: ``PEER_ID_INVALID``)."""
        route = route_of(peer)
        if route.kind == "chat":
            if self._chats is None:
                raise bad_request(PEER_ID_INVALID)
            return chat_key(route.chat_id)
        if route.kind == "channel":
            raise bad_request(PEER_ID_INVALID)
        return await input_peer_user_id(self._users, me, peer)

    async def _entities(
        self, me: int, entities: list[types.TypeMessageEntity] | None
    ) -> list[types.TypeMessageEntity] | None:
        """The entities as stored (see :func:`~tgserver.rpc.handlers._sending.stored_entities`)."""
        return await stored_entities(self._users, me, entities)

    # -- sending ---------------------------------------------------------------------------------

    async def send_message(
        self, ctx: RequestContext, request: functions.messages.SendMessage
    ) -> TLObject:
        """messages.sendMessage: stored in every box of the chat, then answered."""
        route = route_of(request.peer)
        if route.kind == "channel":
            return await self._channel().send_message(ctx, request)
        me = require_user(ctx)
        entities = await self._entities(me, request.entities)
        if route.kind == "chat":
            group = self._group()
            return await group.send_message(me, origin_of(ctx), route.chat_id, request, entities)
        peer = await input_peer_user_id(self._users, me, request.peer)
        result = await self._messages.send(
            me,
            peer,
            request.message,
            entities=encode_objects(entities),
            reply_to=_reply_to_id(request.reply_to),
            random_id=request.random_id,
            origin=origin_of(ctx),
        )
        mine = result.message
        return types.UpdateShortSentMessage(
            out=True,
            id=mine.id,
            pts=mine.pts,
            pts_count=1,
            date=mine.date,
            entities=entities,
        )

    async def _sources(
        self, ctx: RequestContext, me: int, peer: types.TypeInputPeer, ids: list[int]
    ) -> dict[int, ForwardSource]:
        """The messages to forward, by id in their source peer."""
        if route_of(peer).kind == "channel":
            found = await self._channel().forward_sources(me, peer, ids)
            return {s.id: s for s in found}
        key = await self.peer_key(me, peer)
        return {
            r.id: ForwardSource(r.id, r.text, r.entities, r.media, _forward_header(r), r.grouped_id)
            for r in await self._messages.get_messages(me, ids)
            if r.peer_id == key and r.action is None
        }

    async def forward_messages(
        self, ctx: RequestContext, request: functions.messages.ForwardMessages
    ) -> TLObject:
        """messages.forwardMessages between any peers: new copies with a forward header."""
        me = require_user(ctx)
        if len(request.random_id) != len(request.id) or len(set(request.random_id)) != len(
            request.random_id
        ):
            raise bad_request(RANDOM_ID_INVALID)
        sources = await self._sources(ctx, me, request.from_peer, list(request.id))
        items = [
            (sources[i], random_id)
            for i, random_id in zip(request.id, request.random_id, strict=True)
            if i in sources
        ]
        if not items:
            raise bad_request(_MESSAGE_ID_INVALID)
        route = route_of(request.to_peer)
        if route.kind == "channel":
            return await self._channel().post_forwards(ctx, request.to_peer, items)
        if route.kind == "chat":
            sent: list[tuple[MessageRecord, int | None]] = []
            group = self._group()
            for source, random_id in items:
                copy = await group.send_copy(
                    me,
                    origin_of(ctx),
                    route.chat_id,
                    text=source.text,
                    entities=source.entities,
                    media=source.media,
                    fwd_from=source.fwd_from,
                    random_id=random_id,
                )
                sent.append((copy, random_id))
            return await group.sent_updates(me, sent, route.chat_id)
        target = await input_peer_user_id(self._users, me, request.to_peer)
        albums = _forwarded_albums(source for source, _ in items)
        copies: list[tuple[MessageRecord, int]] = []
        for source, random_id in items:
            result = await self._messages.send(
                me,
                target,
                source.text,
                entities=source.entities,
                media=source.media,
                fwd_from=source.fwd_from,
                random_id=random_id,
                origin=origin_of(ctx),
                grouped_id=albums.get(source.grouped_id),
            )
            copies.append((result.message, random_id))
        return await self.answers.updates(
            me, sent_updates(copies), [r for r, _ in copies], date=self._messages.now()
        )

    # -- reading ---------------------------------------------------------------------------------

    async def get_history(
        self, ctx: RequestContext, request: functions.messages.GetHistory
    ) -> TLObject:
        """messages.getHistory with Telegram's offsets."""
        route = route_of(request.peer)
        if route.kind == "channel":
            return await self._channel().get_history(ctx, request)
        me = require_user(ctx)
        if route.kind == "chat":
            return await self._group().get_history(me, route.chat_id, request)
        peer = await input_peer_user_id(self._users, me, request.peer)
        page = await self._messages.history(
            me,
            peer,
            offset_id=request.offset_id,
            offset_date=request.offset_date,
            add_offset=request.add_offset,
            limit=request.limit,
            max_id=request.max_id,
            min_id=request.min_id,
        )
        return await self.answers.messages(me, page.messages, page.count)

    async def get_messages(
        self, ctx: RequestContext, request: functions.messages.GetMessages
    ) -> TLObject:
        """messages.getMessages (ids of the user's box: private chats and basic groups; a
        channel's use channels.getMessages): ``messageEmpty`` for missing ones."""
        me = require_user(ctx)
        if len(request.id) > 100:
            raise bad_request("LIMIT_INVALID")
        ids = _message_ids(request.id)
        records = await self._messages.get_messages(me, ids)
        by_id = {r.id: r for r in records}
        users, chats = await self.answers.mentioned(me, records)
        messages: list[types.TypeMessage] = [
            tl_message(by_id[i]) if i in by_id else types.MessageEmpty(id=i) for i in ids
        ]
        return types.messages.Messages(messages=messages, topics=[], chats=chats, users=users)

    # -- changing --------------------------------------------------------------------------------

    async def read_history(
        self, ctx: RequestContext, request: functions.messages.ReadHistory
    ) -> types.messages.AffectedMessages:
        """messages.readHistory: the reader's pts; the authors see their outbox read.
        (A channel is read with channels.readHistory.)"""
        me = require_user(ctx)
        route = route_of(request.peer)
        if route.kind == "channel":
            raise bad_request(PEER_ID_INVALID)
        if route.kind == "chat":
            return await self._group().read_history(
                me, origin_of(ctx), route.chat_id, request.max_id
            )
        peer = await input_peer_user_id(self._users, me, request.peer)
        result = await self._messages.read_history(me, peer, request.max_id, origin=origin_of(ctx))
        return types.messages.AffectedMessages(pts=result.pts, pts_count=result.pts_count)

    async def edit_message(
        self, ctx: RequestContext, request: functions.messages.EditMessage
    ) -> TLObject:
        """messages.editMessage of an outgoing text message; every copy follows."""
        route = route_of(request.peer)
        if route.kind == "channel":
            return await self._channel().edit_message(ctx, request)
        me = require_user(ctx)
        entities = await self._entities(me, request.entities)
        if route.kind == "chat":
            group = self._group()
            return await group.edit_message(me, origin_of(ctx), route.chat_id, request, entities)
        peer = await input_peer_user_id(self._users, me, request.peer)
        current = await self._messages.store.get_message(me, request.id)
        text = request.message if request.message is not None else (current.text if current else "")
        result = await self._messages.edit(
            me, peer, request.id, text, entities=encode_objects(entities), origin=origin_of(ctx)
        )
        edited = result.message
        update = types.UpdateEditMessage(
            message=tl_message(edited), pts=result.entry.pts, pts_count=1
        )
        return await self.answers.updates(me, [update], [edited], date=self._messages.now())

    async def delete_messages(
        self, ctx: RequestContext, request: functions.messages.DeleteMessages
    ) -> types.messages.AffectedMessages:
        """messages.deleteMessages (ids of the user's box; ``revoke``: for the other side,
        or every member of a basic group, too)."""
        me = require_user(ctx)
        if self._chats is not None:
            result = await self._chats.messaging.delete(
                me, request.id, revoke=request.revoke, origin=origin_of(ctx)
            )
        else:
            result = await self._messages.delete(
                me, request.id, revoke=request.revoke, origin=origin_of(ctx)
            )
        return types.messages.AffectedMessages(pts=result.pts, pts_count=result.pts_count)

    async def set_typing(self, ctx: RequestContext, request: functions.messages.SetTyping) -> bytes:
        """messages.setTyping: relayed to the peer's (or members') online sessions."""
        route = route_of(request.peer)
        if route.kind == "channel":
            return await self._channel().set_typing(ctx, request)
        me = require_user(ctx)
        if route.kind == "chat":
            await self._group().set_typing(me, route.chat_id, request.action)
            return pack_bool(True)
        peer = await input_peer_user_id(self._users, me, request.peer)
        await self._messages.typing(me, peer, request.action.to_bytes())
        return pack_bool(True)
