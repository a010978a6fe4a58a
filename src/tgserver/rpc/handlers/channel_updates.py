"""``updates.getChannelDifference``, and the channel news of ``updates.getDifference``.

A channel has its own pts; a client that missed posts (offline, or a gap) asks for them
with ``updates.getChannelDifference`` from the pts it has. The answer is
``channelDifferenceEmpty`` (nothing new), ``channelDifference`` (new messages plus edit and
delete updates; ``final`` unset when more remain past ``limit``) or
``channelDifferenceTooLong`` (the client is too far behind: the dialog and the latest
messages, and it resyncs from the dialog's pts). A returning client learns which channels
moved from its account difference: ``updateChannelTooLong`` with each channel's pts.
"""

from __future__ import annotations

from tgcore.tl import TLObject, functions, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.channel_common import (
    ChannelRendering,
    accepting_input_peers,
    input_channel_id,
)
from tgserver.rpc.handlers.channel_render import (
    tl_channel_dialog,
    tl_channel_message,
)
from tgserver.services.channels import ChannelServices, DifferenceKind
from tgserver.store.channels import ChannelEntry, ChannelEntryKind, ChannelMessage

__all__ = ["ChannelUpdateHandlers", "tl_channel_entry"]


def tl_channel_entry(
    channel_id: int, entry: ChannelEntry, edited: dict[int, ChannelMessage], viewer_id: int
) -> types.TypeUpdate | None:
    """The update of a channel log entry (None when the edited message is gone)."""
    if entry.kind == ChannelEntryKind.DELETE_MESSAGES:
        return types.UpdateDeleteChannelMessages(
            channel_id=channel_id,
            messages=list(entry.ids),
            pts=entry.pts,
            pts_count=entry.pts_count,
        )
    message = edited.get(entry.ids[0]) if entry.ids else None
    if message is None:
        return None
    return types.UpdateEditChannelMessage(
        message=tl_channel_message(message, viewer_id), pts=entry.pts, pts_count=entry.pts_count
    )


class ChannelUpdateHandlers:
    """updates.getChannelDifference and the channel news of updates.getDifference."""

    def __init__(self, services: ChannelServices) -> None:
        self._services = services
        self._messaging = services.messaging
        self.render = ChannelRendering(services)

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(
            accepting_input_peers(functions.updates.GetChannelDifference),
            self.get_channel_difference,
        )

    async def get_channel_difference(
        self, ctx: RequestContext, request: functions.updates.GetChannelDifference
    ) -> TLObject:
        """updates.getChannelDifference from ``pts`` (at most ``limit`` new messages)."""
        me = require_user(ctx)
        channel_id = input_channel_id(self._services, me, request.channel)
        found = await self._messaging.difference(
            me, channel_id, request.pts, limit=request.limit or 100
        )
        if found.kind == DifferenceKind.EMPTY:
            return types.updates.ChannelDifferenceEmpty(
                final=True, pts=found.pts, timeout=found.timeout
            )
        if found.kind == DifferenceKind.TOO_LONG:
            assert found.dialog is not None
            channel = found.dialog.channel
            return types.updates.ChannelDifferenceTooLong(
                final=True,
                timeout=found.timeout,
                dialog=tl_channel_dialog(found.dialog),
                messages=[tl_channel_message(m, me) for m in found.messages],
                chats=[await self.render.chat(me, channel)],
                users=await self.render.message_users(me, found.messages),
            )
        diff = found.diff
        assert diff is not None
        other: list[types.TypeUpdate] = []
        for entry in diff.entries:
            update = tl_channel_entry(channel_id, entry, diff.edited, me)
            if update is not None:
                other.append(update)
        return types.updates.ChannelDifference(
            final=found.final,
            pts=found.pts,
            timeout=found.timeout,
            new_messages=[tl_channel_message(m, me) for m in diff.messages],
            other_updates=other,
            chats=[await self.render.chat(me, diff.channel)],
            users=await self.render.message_users(me, [*diff.messages, *diff.edited.values()]),
        )

    async def channel_news(
        self, user_id: int, date: int
    ) -> tuple[list[types.TypeUpdate], list[types.TypeChat]]:
        """``updateChannelTooLong`` (with the channel's pts) for each of the user's channels
        that changed at or after ``date``, and those channels as the user sees them."""
        moved = await self._messaging.changed_since(user_id, date)
        updates: list[types.TypeUpdate] = [
            types.UpdateChannelTooLong(channel_id=c.id, pts=c.pts) for c in moved
        ]
        return updates, await self.render.chats(user_id, moved)
