"""The RPC layer: decode a query, peel its wrappers, run its handler, map errors.

Services plug in as ``async def handler(ctx: RequestContext, request) -> TLObject`` registered
on a :class:`Dispatcher` by the request's class; they never see a transport. Errors are raised
as :class:`tgcore.errors.RpcError` with Telegram's names (see :mod:`tgserver.rpc.errors`).
"""

from __future__ import annotations

from tgserver.rpc.calls import CallTracker, SessionCalls
from tgserver.rpc.context import ConnectionInfo, RequestContext
from tgserver.rpc.dispatcher import Call, ClientInfoSink, Dispatcher, Handler, UserLookup
from tgserver.rpc.errors import (
    AUTH_KEY_UNREGISTERED,
    INPUT_CONSTRUCTOR_INVALID,
    INPUT_FETCH_ERROR,
    INTERNAL,
    auth_key_unregistered,
    input_method_invalid,
)
from tgserver.rpc.handlers import (
    CONFIG_EXPIRES,
    DcAddress,
    HelpHandlers,
    register_account_handlers,
    register_builtin_handlers,
    register_messaging_handlers,
    require_user,
)
from tgserver.rpc.wrappers import MAX_WRAPPERS, Unwrapped, unwrap

__all__ = [
    "AUTH_KEY_UNREGISTERED",
    "CONFIG_EXPIRES",
    "Call",
    "CallTracker",
    "ClientInfoSink",
    "ConnectionInfo",
    "DcAddress",
    "Dispatcher",
    "Handler",
    "HelpHandlers",
    "INPUT_CONSTRUCTOR_INVALID",
    "INPUT_FETCH_ERROR",
    "INTERNAL",
    "MAX_WRAPPERS",
    "RequestContext",
    "SessionCalls",
    "Unwrapped",
    "UserLookup",
    "auth_key_unregistered",
    "input_method_invalid",
    "register_account_handlers",
    "register_builtin_handlers",
    "register_messaging_handlers",
    "require_user",
    "unwrap",
]
