"""The Trio client of tgcore.

:class:`Client` connects to a server over a chosen transport (TCP or WebSocket), creates or
loads its auth key through a :class:`~tgcore.storage.SessionStore`, invokes typed requests
(``await client(functions.help.GetConfig())``), keeps the connection alive and re-establishes
it when it drops, re-sending what was not answered. Underneath, small modules do one job
each: :mod:`~tgcore.client.connection` (stream + framer), :mod:`~tgcore.client.ws`
(WebSocket stream), :mod:`~tgcore.client.handshake` (auth key over a connection),
:mod:`~tgcore.client.sender` (session, waiting requests, reconnects, pings) and
:mod:`~tgcore.client.updates` (the updates channel).
"""

from __future__ import annotations

from tgcore.client.client import Client, Request
from tgcore.client.config import ClientConfig, Framing, ReconnectPolicy, TransportConfig
from tgcore.client.connection import Connection, open_connection
from tgcore.client.errors import (
    BadMessageError,
    BadRequestError,
    ClientClosedError,
    ClientError,
    ConnectError,
    ConnectionLostError,
    ForbiddenError,
    InternalServerError,
    NotAcceptableError,
    NotFoundError,
    RequestTimeoutError,
    SeeOtherError,
    UnauthorizedError,
    rpc_error,
)
from tgcore.client.handshake import create_auth_key
from tgcore.client.sender import Sender
from tgcore.client.updates import UpdateQueue
from tgcore.client.ws import WebSocketStream, open_websocket_stream

__all__ = [
    "BadMessageError",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ClientConfig",
    "ClientError",
    "ConnectError",
    "Connection",
    "ConnectionLostError",
    "ForbiddenError",
    "Framing",
    "InternalServerError",
    "NotAcceptableError",
    "NotFoundError",
    "ReconnectPolicy",
    "Request",
    "RequestTimeoutError",
    "SeeOtherError",
    "Sender",
    "TransportConfig",
    "UnauthorizedError",
    "UpdateQueue",
    "WebSocketStream",
    "create_auth_key",
    "open_connection",
    "open_websocket_stream",
    "rpc_error",
]
