"""Service queries that arrive wrapped, as RPC calls.

The session layer answers a bare ``ping`` itself. Wrapped in ``invokeWithoutUpdates`` (what
Telethon does with ``receive_updates=False``) or another wrapper it reaches the dispatcher
instead, and Telegram answers it like any call: ``pong`` as the rpc_result.
"""

from __future__ import annotations

from tgcore.tl import functions, types
from tgserver.rpc.context import RequestContext

__all__ = ["ping", "ping_delay_disconnect"]


async def ping(ctx: RequestContext, request: functions.Ping) -> types.Pong:
    """ping: pong with the call's msg_id."""
    return types.Pong(msg_id=ctx.msg_id, ping_id=request.ping_id)


async def ping_delay_disconnect(
    ctx: RequestContext, request: functions.PingDelayDisconnect
) -> types.Pong:
    """ping_delay_disconnect, wrapped: pong (the delay only applies to a bare one)."""
    return types.Pong(msg_id=ctx.msg_id, ping_id=request.ping_id)
