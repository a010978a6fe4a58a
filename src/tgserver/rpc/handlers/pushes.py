"""Bus events as the TL updates an online session of their user receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from tgcore.tl import Reader, types
from tgserver.peerids import chat_key
from tgserver.rpc.handlers.chats_render import ChatRenderer
from tgserver.rpc.handlers.render import (
    referenced_peers,
    referenced_users,
    tl_peer,
    tl_update,
    users_for,
)
from tgserver.services.chats_events import ChatChangedEvent, ChatTypingEvent
from tgserver.services.events import BoxEvent, DialogPinEvent, PinnedDialogsEvent, TypingEvent
from tgserver.services.messaging import MessagingServices

__all__ = ["EventRenderer"]


def _dialog_peer(peer_id: int) -> types.DialogPeer:
    return types.DialogPeer(peer=tl_peer(peer_id))


def _typing_action(action: bytes) -> types.TypeSendMessageAction | None:
    decoded = Reader(action).read_object()
    if decoded.SUBCLASS_OF_ID != types.SendMessageTypingAction.SUBCLASS_OF_ID:
        return None
    return cast(types.TypeSendMessageAction, decoded)


class EventRenderer:
    """Turns :mod:`tgserver.services.events` values into serialized ``Updates`` for a user.

    Box events become ``updates`` (the update plus the users it mentions, with the
    recipient's own access hashes); typing becomes ``updateShort``; pin changes become
    ``updates`` with ``updateDialogPinned`` / ``updatePinnedDialogs`` (no pts, as in Telegram).
    """

    def __init__(self, services: MessagingServices, chats: ChatRenderer | None = None) -> None:
        self._services = services
        #: Renders the groups and channels an update mentions (None: ``chats`` stays empty).
        self.chats = chats
        self._channels: Callable[[int, object], Awaitable[bytes | None]] | None = None

    def set_channel_renderer(
        self, render: Callable[[int, object], Awaitable[bytes | None]]
    ) -> None:
        """Render the events this class does not know (channel events) with ``render``."""
        self._channels = render

    async def __call__(self, user_id: int, event: object) -> bytes | None:
        """The bytes to push to ``user_id``'s sessions, or None for nothing."""
        if isinstance(event, BoxEvent):
            return await self._box(user_id, event)
        if isinstance(event, TypingEvent):
            action = _typing_action(event.action)
            if action is None:
                return None
            return types.UpdateShort(
                update=types.UpdateUserTyping(user_id=event.from_id, action=action),
                date=event.date,
            ).to_bytes()
        if isinstance(event, ChatTypingEvent):
            action = _typing_action(event.action)
            if action is None:
                return None
            typing = types.UpdateChatUserTyping(
                chat_id=event.chat_id, from_id=types.PeerUser(user_id=event.from_id), action=action
            )
            return await self._updates(
                user_id, typing, [event.from_id], event.date, [chat_key(event.chat_id)]
            )
        if isinstance(event, ChatChangedEvent):
            changed = types.UpdateChat(chat_id=event.chat_id)
            return await self._updates(user_id, changed, [], event.date, [chat_key(event.chat_id)])
        if isinstance(event, DialogPinEvent):
            pin = types.UpdateDialogPinned(pinned=event.pinned, peer=_dialog_peer(event.peer_id))
            return await self._updates(user_id, pin, [event.peer_id], event.date, [event.peer_id])
        if isinstance(event, PinnedDialogsEvent):
            order = types.UpdatePinnedDialogs(order=[_dialog_peer(p) for p in event.order])
            keys = list(event.order)
            return await self._updates(user_id, order, keys, event.date, keys)
        if self._channels is not None:
            return await self._channels(user_id, event)
        return None

    async def _chats(self, user_id: int, keys: list[int]) -> list[types.TypeChat]:
        if self.chats is None or not any(k < 0 for k in keys):
            return []
        return await self.chats.chats_for(user_id, keys)

    async def _updates(
        self,
        user_id: int,
        update: types.TypeUpdate,
        keys: list[int],
        date: int,
        peer_keys: tuple[int, ...] | list[int] = (),
    ) -> bytes:
        users = await users_for(self._services.accounts.users, user_id, [k for k in keys if k > 0])
        chats = await self._chats(user_id, list(peer_keys))
        return types.Updates(
            updates=[update], users=users, chats=chats, date=date, seq=0
        ).to_bytes()

    async def _box(self, user_id: int, event: BoxEvent) -> bytes | None:
        messages = {m.id: m for m in event.messages}
        update = tl_update(event.entry, messages)
        if update is None:
            return None
        ids = referenced_users(event.messages, [event.entry])
        users = await users_for(self._services.accounts.users, user_id, ids)
        chats = await self._chats(user_id, referenced_peers(event.messages, [event.entry]))
        return types.Updates(
            updates=[update],
            users=users,
            chats=chats,
            date=event.entry.date,
            seq=0,
        ).to_bytes()
