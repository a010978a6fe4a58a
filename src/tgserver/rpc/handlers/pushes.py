"""Bus events as the TL updates an online session of their user receives."""

from __future__ import annotations

from typing import cast

from tgcore.tl import Reader, types
from tgserver.rpc.handlers.render import referenced_users, tl_update, users_for
from tgserver.services.events import BoxEvent, DialogPinEvent, PinnedDialogsEvent, TypingEvent
from tgserver.services.messaging import MessagingServices

__all__ = ["EventRenderer"]


def _dialog_peer(peer_id: int) -> types.DialogPeer:
    return types.DialogPeer(peer=types.PeerUser(user_id=peer_id))


class EventRenderer:
    """Turns :mod:`tgserver.services.events` values into serialized ``Updates`` for a user.

    Box events become ``updates`` (the update plus the users it mentions, with the
    recipient's own access hashes); typing becomes ``updateShort``; pin changes become
    ``updates`` with ``updateDialogPinned`` / ``updatePinnedDialogs`` (no pts, as in Telegram).
    """

    def __init__(self, services: MessagingServices) -> None:
        self._services = services

    async def __call__(self, user_id: int, event: object) -> bytes | None:
        """The bytes to push to ``user_id``'s sessions, or None for nothing."""
        if isinstance(event, BoxEvent):
            return await self._box(user_id, event)
        if isinstance(event, TypingEvent):
            action = Reader(event.action).read_object()
            if action.SUBCLASS_OF_ID != types.SendMessageTypingAction.SUBCLASS_OF_ID:
                return None
            return types.UpdateShort(
                update=types.UpdateUserTyping(
                    user_id=event.from_id, action=cast(types.TypeSendMessageAction, action)
                ),
                date=event.date,
            ).to_bytes()
        if isinstance(event, DialogPinEvent):
            pin = types.UpdateDialogPinned(pinned=event.pinned, peer=_dialog_peer(event.peer_id))
            return await self._updates(user_id, pin, [event.peer_id], event.date)
        if isinstance(event, PinnedDialogsEvent):
            order = types.UpdatePinnedDialogs(order=[_dialog_peer(p) for p in event.order])
            return await self._updates(user_id, order, list(event.order), event.date)
        return None

    async def _updates(
        self, user_id: int, update: types.TypeUpdate, user_ids: list[int], date: int
    ) -> bytes:
        users = await users_for(self._services.accounts.users, user_id, user_ids)
        return types.Updates(updates=[update], users=users, chats=[], date=date, seq=0).to_bytes()

    async def _box(self, user_id: int, event: BoxEvent) -> bytes | None:
        messages = {m.id: m for m in event.messages}
        update = tl_update(event.entry, messages)
        if update is None:
            return None
        ids = referenced_users(event.messages, [event.entry])
        users = await users_for(self._services.accounts.users, user_id, ids)
        return types.Updates(
            updates=[update],
            users=users,
            chats=[],
            date=event.entry.date,
            seq=0,
        ).to_bytes()
