"""``messages.*`` of private chats (TL <-> :class:`~tgserver.services.MessagingService`)."""

from __future__ import annotations

from typing import Final

from tgcore.errors import RpcError
from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.peers import input_peer_user_id, input_user_id
from tgserver.rpc.handlers.render import (
    encode_objects,
    referenced_users,
    tl_dialog,
    tl_message,
    users_for,
)
from tgserver.rpc.handlers.updates import tl_state
from tgserver.services import PEER_ID_INVALID, bad_request
from tgserver.services.events import Origin
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import DialogRecord, MessageRecord

__all__ = ["FOLDER_ID_INVALID", "RANDOM_ID_INVALID", "MessageHandlers", "origin_of"]

RANDOM_ID_INVALID: Final = "RANDOM_ID_INVALID"
FOLDER_ID_INVALID: Final = "FOLDER_ID_INVALID"
#: The main dialog list and the archive (which nothing can be moved to yet).
_MAIN_FOLDER: Final = 0
_ARCHIVE_FOLDER: Final = 1


def origin_of(ctx: RequestContext) -> Origin:
    """The session a request came from (it gets its answer, not a pushed update)."""
    return Origin(ctx.auth_key_id, ctx.session_id)


def _reply_to_id(reply_to: types.TypeInputReplyTo | None) -> int | None:
    if isinstance(reply_to, types.InputReplyToMessage):
        return reply_to.reply_to_msg_id
    return None


def _message_ids(ids: list[types.TypeInputMessage]) -> list[int]:
    return [m.id for m in ids if isinstance(m, types.InputMessageID)]


class MessageHandlers:
    """sendMessage, getHistory, getDialogs, getPeerDialogs, getMessages, readHistory,
    editMessage, deleteMessages, setTyping, forwardMessages, toggleDialogPin,
    reorderPinnedDialogs, getPinnedDialogs."""

    def __init__(self, services: MessagingServices) -> None:
        self._services = services
        self._users = services.accounts.users
        self._messages = services.messages

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

    async def _peer(self, me: int, peer: types.TypeInputPeer) -> int:
        return await input_peer_user_id(self._users, me, peer)

    async def _entities(
        self, me: int, entities: list[types.TypeMessageEntity] | None
    ) -> list[types.TypeMessageEntity] | None:
        """The entities as stored: ``inputMessageEntityMentionName`` becomes
        ``messageEntityMentionName`` (a mention of a user the sender may not name is dropped)."""
        if not entities:
            return None
        kept: list[types.TypeMessageEntity] = []
        for entity in entities:
            if isinstance(entity, types.InputMessageEntityMentionName):
                try:
                    user_id = await input_user_id(self._users, me, entity.user_id)
                except RpcError:
                    continue
                entity = types.MessageEntityMentionName(
                    offset=entity.offset, length=entity.length, user_id=user_id
                )
            kept.append(entity)
        return kept or None

    async def _users_of(
        self, me: int, records: list[MessageRecord] | tuple[MessageRecord, ...]
    ) -> list[types.TypeUser]:
        return await users_for(self._users, me, referenced_users(records))

    # -- sending ---------------------------------------------------------------------------------

    async def send_message(
        self, ctx: RequestContext, request: functions.messages.SendMessage
    ) -> types.UpdateShortSentMessage:
        """messages.sendMessage: stored on both sides, then answered."""
        me = require_user(ctx)
        peer = await self._peer(me, request.peer)
        entities = await self._entities(me, request.entities)
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

    async def forward_messages(
        self, ctx: RequestContext, request: functions.messages.ForwardMessages
    ) -> types.Updates:
        """messages.forwardMessages between private chats: new copies with a forward header."""
        me = require_user(ctx)
        source = await self._peer(me, request.from_peer)
        target = await self._peer(me, request.to_peer)
        if len(request.random_id) != len(request.id) or len(set(request.random_id)) != len(
            request.random_id
        ):
            raise bad_request(RANDOM_ID_INVALID)
        found = {r.id: r for r in await self._messages.get_messages(me, request.id)}
        updates: list[types.TypeUpdate] = []
        sent: list[MessageRecord] = []
        for message_id, random_id in zip(request.id, request.random_id, strict=True):
            original = found.get(message_id)
            if original is None or original.peer_id != source:
                continue
            header = (
                original.fwd_from
                or types.MessageFwdHeader(
                    from_id=types.PeerUser(user_id=original.from_id), date=original.date
                ).to_bytes()
            )
            result = await self._messages.send(
                me,
                target,
                original.text,
                entities=original.entities,
                media=original.media,
                fwd_from=header,
                random_id=random_id,
                origin=origin_of(ctx),
            )
            copy = result.message
            sent.append(copy)
            updates.append(types.UpdateMessageID(id=copy.id, random_id=random_id))
            updates.append(
                types.UpdateNewMessage(message=tl_message(copy), pts=copy.pts, pts_count=1)
            )
        if not sent:
            raise bad_request("MESSAGE_ID_INVALID")
        return types.Updates(
            updates=updates,
            users=await self._users_of(me, sent),
            chats=[],
            date=self._messages.now(),
            seq=0,
        )

    # -- reading ---------------------------------------------------------------------------------

    async def _messages_result(
        self, me: int, records: tuple[MessageRecord, ...], count: int
    ) -> TLObject:
        messages: list[types.TypeMessage] = [tl_message(r) for r in records]
        users = await self._users_of(me, records)
        if count > len(records):
            return types.messages.MessagesSlice(
                count=count, messages=messages, topics=[], chats=[], users=users
            )
        return types.messages.Messages(messages=messages, topics=[], chats=[], users=users)

    async def get_history(
        self, ctx: RequestContext, request: functions.messages.GetHistory
    ) -> TLObject:
        """messages.getHistory with Telegram's offsets."""
        me = require_user(ctx)
        peer = await self._peer(me, request.peer)
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
        return await self._messages_result(me, page.messages, page.count)

    async def get_messages(
        self, ctx: RequestContext, request: functions.messages.GetMessages
    ) -> TLObject:
        """messages.getMessages: the asked ids in order, ``messageEmpty`` for missing ones."""
        me = require_user(ctx)
        if len(request.id) > 100:
            raise bad_request("LIMIT_INVALID")
        ids = _message_ids(request.id)
        records = await self._messages.get_messages(me, ids)
        by_id = {r.id: r for r in records}
        messages: list[types.TypeMessage] = [
            tl_message(by_id[i]) if i in by_id else types.MessageEmpty(id=i) for i in ids
        ]
        users = await self._users_of(me, records)
        return types.messages.Messages(messages=messages, topics=[], chats=[], users=users)

    async def _dialogs_parts(
        self, me: int, dialogs: list[tuple[DialogRecord, MessageRecord | None]]
    ) -> tuple[list[types.TypeDialog], list[types.TypeMessage], list[types.TypeUser]]:
        tops = [m for _, m in dialogs if m is not None]
        ids = [d.peer_id for d, _ in dialogs] + referenced_users(tops)
        return (
            [tl_dialog(d) for d, _ in dialogs],
            [tl_message(m) for m in tops],
            await users_for(self._users, me, ids),
        )

    async def get_dialogs(
        self, ctx: RequestContext, request: functions.messages.GetDialogs
    ) -> TLObject:
        """messages.getDialogs: pinned first on the first page, then newest first."""
        me = require_user(ctx)
        offset_peer = 0
        if isinstance(request.offset_peer, types.InputPeerUser | types.InputPeerSelf):
            offset_peer = await self._peer(me, request.offset_peer)
        page = await self._messages.dialogs(
            me,
            offset_date=request.offset_date,
            offset_id=request.offset_id,
            offset_peer=offset_peer,
            limit=request.limit,
            exclude_pinned=request.exclude_pinned,
        )
        tops = {m.id: m for m in page.messages}
        pairs = [(d, tops.get(d.top_message)) for d in page.dialogs]
        dialogs, messages, users = await self._dialogs_parts(me, pairs)
        first = not (request.offset_date or request.offset_id or offset_peer)
        if first and page.count <= len(dialogs):
            return types.messages.Dialogs(dialogs=dialogs, messages=messages, chats=[], users=users)
        return types.messages.DialogsSlice(
            count=page.count, dialogs=dialogs, messages=messages, chats=[], users=users
        )

    async def get_peer_dialogs(
        self, ctx: RequestContext, request: functions.messages.GetPeerDialogs
    ) -> types.messages.PeerDialogs:
        """messages.getPeerDialogs: the dialogs with these peers."""
        me = require_user(ctx)
        peers: list[int] = []
        for item in request.peers:
            if not isinstance(item, types.InputDialogPeer):
                raise bad_request(PEER_ID_INVALID)
            peers.append(await self._peer(me, item.peer))
        return await self._peer_dialogs(me, await self._messages.peer_dialogs(me, peers))

    async def _peer_dialogs(
        self, me: int, found: list[tuple[DialogRecord, MessageRecord | None]]
    ) -> types.messages.PeerDialogs:
        dialogs, messages, users = await self._dialogs_parts(me, found)
        return types.messages.PeerDialogs(
            dialogs=dialogs,
            messages=messages,
            chats=[],
            users=users,
            state=tl_state(await self._services.difference.state(me)),
        )

    async def get_pinned_dialogs(
        self, ctx: RequestContext, request: functions.messages.GetPinnedDialogs
    ) -> types.messages.PeerDialogs:
        """messages.getPinnedDialogs: the pinned dialogs of a folder, the top one first."""
        me = require_user(ctx)
        if request.folder_id == _MAIN_FOLDER:
            return await self._peer_dialogs(me, await self._messages.pinned_dialogs(me))
        if request.folder_id == _ARCHIVE_FOLDER:
            return await self._peer_dialogs(me, [])
        raise bad_request(FOLDER_ID_INVALID)

    # -- changing --------------------------------------------------------------------------------

    async def read_history(
        self, ctx: RequestContext, request: functions.messages.ReadHistory
    ) -> types.messages.AffectedMessages:
        """messages.readHistory: the reader's pts; the sender sees its outbox read."""
        me = require_user(ctx)
        peer = await self._peer(me, request.peer)
        result = await self._messages.read_history(me, peer, request.max_id, origin=origin_of(ctx))
        return types.messages.AffectedMessages(pts=result.pts, pts_count=result.pts_count)

    async def edit_message(
        self, ctx: RequestContext, request: functions.messages.EditMessage
    ) -> types.Updates:
        """messages.editMessage of an outgoing text message; both sides are told."""
        me = require_user(ctx)
        peer = await self._peer(me, request.peer)
        current = await self._messages.store.get_message(me, request.id)
        text = request.message if request.message is not None else (current.text if current else "")
        result = await self._messages.edit(
            me,
            peer,
            request.id,
            text,
            entities=encode_objects(await self._entities(me, request.entities)),
            origin=origin_of(ctx),
        )
        edited = result.message
        return types.Updates(
            updates=[
                types.UpdateEditMessage(
                    message=tl_message(edited), pts=result.entry.pts, pts_count=1
                )
            ],
            users=await self._users_of(me, [edited]),
            chats=[],
            date=self._messages.now(),
            seq=0,
        )

    async def delete_messages(
        self, ctx: RequestContext, request: functions.messages.DeleteMessages
    ) -> types.messages.AffectedMessages:
        """messages.deleteMessages (``revoke``: for the other side too)."""
        me = require_user(ctx)
        result = await self._messages.delete(
            me, request.id, revoke=request.revoke, origin=origin_of(ctx)
        )
        return types.messages.AffectedMessages(pts=result.pts, pts_count=result.pts_count)

    async def toggle_dialog_pin(
        self, ctx: RequestContext, request: functions.messages.ToggleDialogPin
    ) -> bytes:
        """messages.toggleDialogPin: the user's other sessions get ``updateDialogPinned``."""
        me = require_user(ctx)
        if not isinstance(request.peer, types.InputDialogPeer):
            raise bad_request(PEER_ID_INVALID)
        peer = await self._peer(me, request.peer.peer)
        await self._messages.toggle_pin(me, peer, request.pinned, origin=origin_of(ctx))
        return pack_bool(True)

    async def reorder_pinned_dialogs(
        self, ctx: RequestContext, request: functions.messages.ReorderPinnedDialogs
    ) -> bytes:
        """messages.reorderPinnedDialogs (``force``: unpin the dialogs not in ``order``); the
        user's other sessions get ``updatePinnedDialogs``."""
        me = require_user(ctx)
        if request.folder_id != _MAIN_FOLDER:
            raise bad_request(FOLDER_ID_INVALID)
        peers: list[int] = []
        for item in request.order:
            if not isinstance(item, types.InputDialogPeer):
                raise bad_request(PEER_ID_INVALID)
            peers.append(await self._peer(me, item.peer))
        await self._messages.reorder_pinned(me, peers, force=request.force, origin=origin_of(ctx))
        return pack_bool(True)

    async def set_typing(self, ctx: RequestContext, request: functions.messages.SetTyping) -> bytes:
        """messages.setTyping: relayed to the peer's online sessions, never stored."""
        me = require_user(ctx)
        peer = await self._peer(me, request.peer)
        await self._messages.typing(me, peer, request.action.to_bytes())
        return pack_bool(True)
