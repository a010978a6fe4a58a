"""The Trio client of tgcore.

:class:`Client` connects to a server over a chosen transport (TCP or WebSocket), creates or
loads its auth key through a :class:`~tgcore.storage.SessionStore`, invokes typed requests
(``await client(functions.help.GetConfig())``), keeps the connection alive and re-establishes
it when it drops, re-sending what was not answered. Underneath, small modules do one job
each: :mod:`~tgcore.client.connection` (stream + framer), :mod:`~tgcore.client.ws`
(WebSocket stream), :mod:`~tgcore.client.handshake` (auth key over a connection),
:mod:`~tgcore.client.sender` (session, waiting requests, reconnects, pings) and
:mod:`~tgcore.client.updates` (the updates channel). File transfer is a set of functions that
take a client: :mod:`~tgcore.client.files` (``upload_file``, ``download_file``) and
:mod:`~tgcore.client.media` (``send_file``, ``media_location``); logging in is
:mod:`~tgcore.client.login` (``log_in``, ``get_me``).
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
from tgcore.client.files import (
    DEFAULT_PARTS_IN_FLIGHT,
    UPLOAD_STATE_MAX_AGE,
    Progress,
    TransferError,
    download_file,
    file_resume_key,
    upload_file,
)
from tgcore.client.handshake import create_auth_key
from tgcore.client.login import CodeSource, get_me, log_in
from tgcore.client.media import media_location, send_file, sent_message
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
    "CodeSource",
    "ConnectError",
    "Connection",
    "ConnectionLostError",
    "DEFAULT_PARTS_IN_FLIGHT",
    "ForbiddenError",
    "Framing",
    "InternalServerError",
    "NotAcceptableError",
    "NotFoundError",
    "Progress",
    "ReconnectPolicy",
    "Request",
    "RequestTimeoutError",
    "SeeOtherError",
    "Sender",
    "TransferError",
    "TransportConfig",
    "UPLOAD_STATE_MAX_AGE",
    "UnauthorizedError",
    "UpdateQueue",
    "WebSocketStream",
    "create_auth_key",
    "download_file",
    "file_resume_key",
    "get_me",
    "log_in",
    "media_location",
    "open_connection",
    "open_websocket_stream",
    "rpc_error",
    "send_file",
    "sent_message",
    "upload_file",
]
