"""The MTProto gateway: TCP and WebSocket listeners, one task pair per connection.

Bytes from a client go through transport detection (:class:`~tgcore.mtproto.transport.
ServerTransport`), then either to a per-connection auth-key handshake or, encrypted, to the
gateway-wide :class:`~tgcore.mtproto.session.SessionRouter`; RPC calls go to the
:class:`~tgserver.rpc.Dispatcher`, and answers to the connection that carries the session now.
See ``docs/gateway.md``.
"""

from __future__ import annotations

from tgserver.gateway.connection import Connection
from tgserver.gateway.keys import KeyRegistry, KeyState, TrackedSalts
from tgserver.gateway.limits import GatewayLimits
from tgserver.gateway.outlet import Outgoing, Outlet, SendError, SendQuickAck
from tgserver.gateway.push import OnlineIndex, Renderer
from tgserver.gateway.quickack import payload_quick_ack_token
from tgserver.gateway.server import Gateway
from tgserver.gateway.sessions import SessionLink, SessionTable
from tgserver.gateway.streams import ByteStream
from tgserver.gateway.websocket import WS_PATH, WS_SUBPROTOCOL, WebSocketStream, accept_websocket

__all__ = [
    "ByteStream",
    "Connection",
    "Gateway",
    "GatewayLimits",
    "KeyRegistry",
    "KeyState",
    "OnlineIndex",
    "Outgoing",
    "Outlet",
    "Renderer",
    "SendError",
    "SendQuickAck",
    "SessionLink",
    "SessionTable",
    "TrackedSalts",
    "WS_PATH",
    "WS_SUBPROTOCOL",
    "WebSocketStream",
    "accept_websocket",
    "payload_quick_ack_token",
]
