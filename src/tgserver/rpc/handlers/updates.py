"""``updates.getState`` and ``updates.getDifference`` over the message store's update log."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from tgcore.tl import TLObject, functions, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.render import (
    referenced_peers,
    referenced_users,
    tl_message,
    tl_update,
    users_for,
)
from tgserver.services.difference import BoxDifference, UpdatesState
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import UpdateKind

__all__ = ["ChannelNews", "ChatsFor", "UpdateHandlers", "tl_difference", "tl_state"]


def tl_state(state: UpdatesState) -> types.updates.State:
    """The ``updates.state`` of an update state."""
    return types.updates.State(
        pts=state.pts,
        qts=state.qts,
        date=state.date,
        seq=state.seq,
        unread_count=state.unread_count,
    )


class ChatsFor(Protocol):
    """``async def chats_for(viewer_id, peer_keys) -> chats``: the groups and channels a
    difference mentions, as the viewer sees them (``ChatRenderer.chats_for``)."""

    def __call__(self, viewer_id: int, keys: list[int], /) -> Awaitable[list[types.TypeChat]]:
        """The ``Chat`` constructors of these peer keys for ``viewer_id``."""
        ...


async def tl_difference(
    services: MessagingServices, me: int, diff: BoxDifference, chats_for: ChatsFor | None = None
) -> types.updates.TypeDifference:
    """The ``updates.Difference`` constructor of a box difference, for ``me`` (with the
    chats its messages and entries mention when ``chats_for`` is given)."""
    state = tl_state(diff.state)
    if diff.too_long:
        return types.updates.DifferenceTooLong(pts=diff.state.pts)
    if not diff.entries:
        return types.updates.DifferenceEmpty(date=diff.state.date, seq=diff.state.seq)
    new_messages: list[types.TypeMessage] = []
    other: list[types.TypeUpdate] = []
    for entry in diff.entries:
        if entry.kind == UpdateKind.NEW_MESSAGE:
            record = diff.messages.get(entry.ids[0]) if entry.ids else None
            if record is not None:
                new_messages.append(tl_message(record))
            continue
        update = tl_update(entry, diff.messages)
        if update is not None:
            other.append(update)
    user_ids = referenced_users(diff.messages.values(), diff.entries)
    users = await users_for(services.accounts.users, me, user_ids)
    chats: list[types.TypeChat] = []
    if chats_for is not None:
        chats = await chats_for(me, referenced_peers(diff.messages.values(), diff.entries))
    if diff.more:
        return types.updates.DifferenceSlice(
            new_messages=new_messages,
            new_encrypted_messages=[],
            other_updates=other,
            chats=chats,
            users=users,
            intermediate_state=state,
        )
    return types.updates.Difference(
        new_messages=new_messages,
        new_encrypted_messages=[],
        other_updates=other,
        chats=chats,
        users=users,
        state=state,
    )


class ChannelNews(Protocol):
    """``async def news(user_id, date) -> (updates, chats)``: ``updateChannelTooLong`` of the
    user's channels whose pts moved since ``date``, and those channels (the channel handlers
    install it with :meth:`UpdateHandlers.set_channel_news`)."""

    def __call__(
        self, user_id: int, date: int, /
    ) -> Awaitable[tuple[list[types.TypeUpdate], list[types.TypeChat]]]: ...


def _with_channel_news(
    result: TLObject,
    state: types.updates.State,
    updates: list[types.TypeUpdate],
    chats: list[types.TypeChat],
) -> TLObject:
    """``result`` with the channel news added (an empty difference becomes a difference)."""
    if isinstance(result, types.updates.DifferenceEmpty):
        return types.updates.Difference(
            new_messages=[],
            new_encrypted_messages=[],
            other_updates=updates,
            chats=chats,
            users=[],
            state=state,
        )
    if isinstance(result, types.updates.Difference):
        result.other_updates = [*result.other_updates, *updates]
        result.chats = [*result.chats, *chats]
    return result


class UpdateHandlers:
    """updates.getState and updates.getDifference (replacing the 401-only built-in getState)."""

    def __init__(self, services: MessagingServices, chats_for: ChatsFor | None = None) -> None:
        self._services = services
        self._chats_for = chats_for
        self._channel_news: ChannelNews | None = None

    def set_channel_news(self, news: ChannelNews) -> None:
        """Add the user's channels with news to every final ``updates.difference``."""
        self._channel_news = news

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(functions.updates.GetState, self.get_state)
        dispatcher.add(functions.updates.GetDifference, self.get_difference)

    async def get_state(
        self, ctx: RequestContext, request: functions.updates.GetState
    ) -> types.updates.State:
        """updates.getState: the box's pts and unread count."""
        me = require_user(ctx)
        return tl_state(await self._services.difference.state(me))

    async def get_difference(
        self, ctx: RequestContext, request: functions.updates.GetDifference
    ) -> TLObject:
        """updates.getDifference: what the client missed since ``pts``."""
        me = require_user(ctx)
        limit = request.pts_total_limit or 100
        diff = await self._services.difference.difference(me, request.pts, max_messages=limit)
        result: TLObject = await tl_difference(self._services, me, diff, self._chats_for)
        if self._channel_news is not None and not diff.more and not diff.too_long:
            # Channels keep their own pts: tell the client which ones moved, and it fetches
            # them with updates.getChannelDifference (Telegram's updateChannelTooLong).
            updates, chats = await self._channel_news(me, request.date)
            if updates:
                result = _with_channel_news(result, tl_state(diff.state), updates, chats)
        return result
