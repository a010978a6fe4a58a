"""``updates.getState`` and ``updates.getDifference`` over the message store's update log."""

from __future__ import annotations

from tgcore.tl import TLObject, functions, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.render import referenced_users, tl_message, tl_update, users_for
from tgserver.services.difference import BoxDifference, UpdatesState
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import UpdateKind

__all__ = ["UpdateHandlers", "tl_difference", "tl_state"]


def tl_state(state: UpdatesState) -> types.updates.State:
    """The ``updates.state`` of an update state."""
    return types.updates.State(
        pts=state.pts,
        qts=state.qts,
        date=state.date,
        seq=state.seq,
        unread_count=state.unread_count,
    )


async def tl_difference(
    services: MessagingServices, me: int, diff: BoxDifference
) -> types.updates.TypeDifference:
    """The ``updates.Difference`` constructor of a box difference, for ``me``."""
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
    if diff.more:
        return types.updates.DifferenceSlice(
            new_messages=new_messages,
            new_encrypted_messages=[],
            other_updates=other,
            chats=[],
            users=users,
            intermediate_state=state,
        )
    return types.updates.Difference(
        new_messages=new_messages,
        new_encrypted_messages=[],
        other_updates=other,
        chats=[],
        users=users,
        state=state,
    )


class UpdateHandlers:
    """updates.getState and updates.getDifference (replacing the 401-only built-in getState)."""

    def __init__(self, services: MessagingServices) -> None:
        self._services = services

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
        return await tl_difference(self._services, me, diff)
