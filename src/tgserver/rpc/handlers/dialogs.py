"""The dialog list: ``messages.getDialogs`` / ``getPeerDialogs`` / pins, over every kind of peer.

Private chats and basic groups are dialogs of the user's box in the message store; channel
dialogs come from the channel handlers (:class:`~tgserver.rpc.handlers.routing.ChannelRoutes`).
``getDialogs`` merges both by (top message date, top message id, peer key), newest first,
with the pinned ones on top of the first page, and applies the same offsets to both, so
Telethon's ``iter_dialogs`` pages through all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

import attrs

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.peerids import channel_key, chat_key
from tgserver.rpc.context import RequestContext
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.answers import Answers
from tgserver.rpc.handlers.render import tl_dialog, tl_message
from tgserver.rpc.handlers.routing import ChannelDialog, ChannelRoutes
from tgserver.rpc.handlers.updates import tl_state
from tgserver.services import PEER_ID_INVALID, bad_request
from tgserver.services.events import Origin
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import DialogRecord, MessageRecord

__all__ = ["FOLDER_ID_INVALID", "DialogHandlers"]

FOLDER_ID_INVALID: Final = "FOLDER_ID_INVALID"
#: The main dialog list and the archive (which nothing can be moved to yet).
_MAIN_FOLDER: Final = 0
_ARCHIVE_FOLDER: Final = 1
_DEFAULT_PAGE: Final = 20
_MAX_PAGE: Final = 100
#: Above any top message id: a cursor with only a date bounds nothing else.
_NO_BOUND: Final = 1 << 62

#: Resolves a user or basic-group input peer to its peer key.
PeerKey = Callable[[int, types.TypeInputPeer], Awaitable[int]]


@attrs.frozen
class _Row:
    """One dialog of a merged page: where it sorts and what renders it."""

    key: int
    top_date: int
    top_message: int
    pinned: bool
    local: tuple[DialogRecord, MessageRecord | None] | None = None
    channel: ChannelDialog | None = None

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.top_date, self.top_message, self.key)


def _local_rows(found: list[tuple[DialogRecord, MessageRecord | None]]) -> list[_Row]:
    return [_Row(d.peer_id, d.top_date, d.top_message, d.pinned, local=(d, m)) for d, m in found]


def _channel_rows(found: list[ChannelDialog]) -> list[_Row]:
    return [_Row(c.peer_key, c.top_date, c.top_message, c.pinned, channel=c) for c in found]


def _cursor(offset_date: int, offset_id: int, offset_peer: int) -> tuple[int, ...] | None:
    """The bound of a page after the first, as the message store applies it."""
    if offset_date:
        return (offset_date, offset_id or _NO_BOUND, offset_peer)
    if offset_id:
        return (offset_id, offset_peer)
    return None


def _after(row: _Row, cursor: tuple[int, ...]) -> bool:
    if len(cursor) == 3:
        return row.order < cursor
    return (row.top_message, row.key) < cursor


class DialogHandlers:
    """getDialogs, getPeerDialogs, getPinnedDialogs, toggleDialogPin, reorderPinnedDialogs.

    Args:
        services: The messaging services (the box's dialogs, pins).
        answers: Builds users and chats.
        peer_key: Resolves user and basic-group input peers for a user.
        channels: Returns the channel handlers, when there are any.
    """

    def __init__(
        self,
        services: MessagingServices,
        answers: Answers,
        peer_key: PeerKey,
        channels: Callable[[], ChannelRoutes | None],
    ) -> None:
        self._services = services
        self._messages = services.messages
        self._answers = answers
        self._peer_key = peer_key
        self._channels = channels

    async def _offset_peer(self, me: int, peer: types.TypeInputPeer) -> int:
        # Only an ordering bound: no access check is needed for it.
        if isinstance(peer, types.InputPeerUser | types.InputPeerSelf):
            return await self._peer_key(me, peer)
        if isinstance(peer, types.InputPeerChat) and peer.chat_id > 0:
            return chat_key(peer.chat_id)
        if isinstance(peer, types.InputPeerChannel) and peer.channel_id > 0:
            return channel_key(peer.channel_id)
        return 0

    async def _render(
        self, me: int, rows: list[_Row]
    ) -> tuple[
        list[types.TypeDialog], list[types.TypeMessage], list[types.TypeChat], list[types.TypeUser]
    ]:
        dialogs: list[types.TypeDialog] = []
        messages: list[types.TypeMessage] = []
        tops: list[MessageRecord] = []
        keys: list[int] = []
        extra_chats: list[types.TypeChat] = []
        extra_users: list[types.TypeUser] = []
        for row in rows:
            if row.local is not None:
                dialog, top = row.local
                dialogs.append(tl_dialog(dialog))
                keys.append(dialog.peer_id)
                if top is not None:
                    messages.append(tl_message(top))
                    tops.append(top)
            elif row.channel is not None:
                dialogs.append(row.channel.dialog)
                if row.channel.message is not None:
                    messages.append(row.channel.message)
                extra_chats.extend(row.channel.chats)
                extra_users.extend(row.channel.users)
        users, chats = await self._answers.mentioned(
            me,
            tops,
            user_ids=[k for k in keys if k > 0],
            peer_keys=[k for k in keys if k < 0],
        )
        return dialogs, messages, chats + extra_chats, users + extra_users

    async def get_dialogs(
        self, ctx: RequestContext, request: functions.messages.GetDialogs
    ) -> TLObject:
        """messages.getDialogs: pinned first on the first page, then newest first, private
        chats, basic groups and channels together."""
        me = require_user(ctx)
        if request.folder_id not in (None, _MAIN_FOLDER):
            return types.messages.Dialogs(dialogs=[], messages=[], chats=[], users=[])
        offset_peer = await self._offset_peer(me, request.offset_peer)
        page = await self._messages.dialogs(
            me,
            offset_date=request.offset_date,
            offset_id=request.offset_id,
            offset_peer=offset_peer,
            limit=request.limit,
            exclude_pinned=request.exclude_pinned,
        )
        tops = {m.id: m for m in page.messages}
        local = _local_rows([(d, tops.get(d.top_message)) for d in page.dialogs])
        channels = self._channels()
        channel_rows = _channel_rows(await channels.dialogs_for(me)) if channels else []
        count = page.count + len(channel_rows)
        cursor = _cursor(max(0, request.offset_date), max(0, request.offset_id), offset_peer)
        first = cursor is None
        if cursor is not None:
            bound = cursor
            channel_rows = [r for r in channel_rows if not r.pinned and _after(r, bound)]
        elif request.exclude_pinned:
            channel_rows = [r for r in channel_rows if not r.pinned]
        pinned = [r for r in local if r.pinned] + [r for r in channel_rows if r.pinned]
        rest = [r for r in local if not r.pinned] + [r for r in channel_rows if not r.pinned]
        rest.sort(key=lambda r: r.order, reverse=True)
        # The store's page rule (0 or less: the default page; at most 100); every store
        # dialog past its page sorts after the page's last one, so cutting here is exact.
        limit = _DEFAULT_PAGE if request.limit <= 0 else min(request.limit, _MAX_PAGE)
        rows = (pinned + rest)[:limit]
        dialogs, messages, chats, users = await self._render(me, rows)
        if first and count <= len(dialogs):
            return types.messages.Dialogs(
                dialogs=dialogs, messages=messages, chats=chats, users=users
            )
        return types.messages.DialogsSlice(
            count=count, dialogs=dialogs, messages=messages, chats=chats, users=users
        )

    async def _peer_dialogs(self, me: int, rows: list[_Row]) -> types.messages.PeerDialogs:
        dialogs, messages, chats, users = await self._render(me, rows)
        return types.messages.PeerDialogs(
            dialogs=dialogs,
            messages=messages,
            chats=chats,
            users=users,
            state=tl_state(await self._services.difference.state(me)),
        )

    async def get_peer_dialogs(
        self, ctx: RequestContext, request: functions.messages.GetPeerDialogs
    ) -> types.messages.PeerDialogs:
        """messages.getPeerDialogs: the dialogs with these peers (any kind)."""
        me = require_user(ctx)
        keys: list[int] = []
        channel_peers: list[types.TypeInputPeer] = []
        for item in request.peers:
            if not isinstance(item, types.InputDialogPeer):
                raise bad_request(PEER_ID_INVALID)
            if isinstance(item.peer, types.InputPeerChannel):
                channel_peers.append(item.peer)
            else:
                keys.append(await self._peer_key(me, item.peer))
        rows = _local_rows(await self._messages.peer_dialogs(me, keys))
        channels = self._channels()
        if channel_peers and channels is not None:
            rows.extend(_channel_rows(await channels.peer_dialogs(me, channel_peers)))
        return await self._peer_dialogs(me, rows)

    async def get_pinned_dialogs(
        self, ctx: RequestContext, request: functions.messages.GetPinnedDialogs
    ) -> types.messages.PeerDialogs:
        """messages.getPinnedDialogs: the pinned dialogs of a folder, the top one first."""
        me = require_user(ctx)
        if request.folder_id == _MAIN_FOLDER:
            rows = _local_rows(await self._messages.pinned_dialogs(me))
            channels = self._channels()
            if channels is not None:
                rows.extend(r for r in _channel_rows(await channels.dialogs_for(me)) if r.pinned)
            return await self._peer_dialogs(me, rows)
        if request.folder_id == _ARCHIVE_FOLDER:
            return await self._peer_dialogs(me, [])
        raise bad_request(FOLDER_ID_INVALID)

    async def toggle_dialog_pin(
        self, ctx: RequestContext, request: functions.messages.ToggleDialogPin
    ) -> bytes:
        """messages.toggleDialogPin: the user's other sessions get ``updateDialogPinned``."""
        me = require_user(ctx)
        if not isinstance(request.peer, types.InputDialogPeer):
            raise bad_request(PEER_ID_INVALID)
        peer = request.peer.peer
        origin = Origin(ctx.auth_key_id, ctx.session_id)
        if isinstance(peer, types.InputPeerChannel):
            channels = self._channels()
            if channels is None:
                raise bad_request(PEER_ID_INVALID)
            await channels.toggle_dialog_pin(ctx, peer, request.pinned)
            return pack_bool(True)
        key = await self._peer_key(me, peer)
        await self._messages.toggle_pin(me, key, request.pinned, origin=origin)
        return pack_bool(True)

    async def reorder_pinned_dialogs(
        self, ctx: RequestContext, request: functions.messages.ReorderPinnedDialogs
    ) -> bytes:
        """messages.reorderPinnedDialogs (``force``: unpin the dialogs not in ``order``); the
        user's other sessions get ``updatePinnedDialogs``. Channel dialogs keep their pins."""
        me = require_user(ctx)
        if request.folder_id != _MAIN_FOLDER:
            raise bad_request(FOLDER_ID_INVALID)
        keys: list[int] = []
        for item in request.order:
            if not isinstance(item, types.InputDialogPeer):
                raise bad_request(PEER_ID_INVALID)
            if not isinstance(item.peer, types.InputPeerChannel):
                keys.append(await self._peer_key(me, item.peer))
        origin = Origin(ctx.auth_key_id, ctx.session_id)
        await self._messages.reorder_pinned(me, keys, force=request.force, origin=origin)
        return pack_bool(True)
