"""Encrypted MTProto 2.0 sessions, sans-IO, in both roles.

:class:`ServerSession` and :class:`ClientSession` take decrypted or encrypted payloads and
return events; their output is drained with ``data_to_send()``. :class:`SessionRouter` maps
server payloads to sessions by auth key and session_id. Salts come from a
:class:`SaltProvider` such as :class:`SaltSchedule`.
"""

from __future__ import annotations

from tgcore.mtproto.session.checks import (
    STATE_ACKNOWLEDGED,
    STATE_ANSWERED,
    STATE_NO_ACK_NEEDED,
    STATE_NOT_RECEIVED,
    STATE_RECEIVED,
    STATE_RPC,
    STATE_TOO_HIGH,
    STATE_UNKNOWN,
    MsgIdStatus,
    ReceivedWindow,
    check_msg_id_time,
)
from tgcore.mtproto.session.client import ClientSession, PendingRequest
from tgcore.mtproto.session.config import SessionConfig
from tgcore.mtproto.session.containers import (
    CONTAINER_OVERHEAD,
    MESSAGE_OVERHEAD,
    ContainerError,
    Message,
    gzip_pack,
    gzip_unpack,
    maybe_gzip,
    pack_container,
    pack_rpc_result,
    unpack_container,
    unpack_rpc_result,
)
from tgcore.mtproto.session.events import (
    Acked,
    BadMessage,
    ClientEvent,
    DestroySessionRequested,
    HttpWaitReceived,
    MalformedMessage,
    NewSession,
    PingReceived,
    RpcCall,
    RpcErrorReceived,
    RpcResult,
    SaltChanged,
    ServerEvent,
    SessionDestroyed,
    UpdateReceived,
)
from tgcore.mtproto.session.gzipshare import SharedGzip, common_prefix_length
from tgcore.mtproto.session.router import Routed, SessionRouter
from tgcore.mtproto.session.salts import SaltProvider, SaltSchedule, ServerSalt
from tgcore.mtproto.session.seqno import SeqNoGenerator
from tgcore.mtproto.session.server import ServerSession

__all__ = [
    "Acked",
    "BadMessage",
    "CONTAINER_OVERHEAD",
    "ClientEvent",
    "ClientSession",
    "ContainerError",
    "DestroySessionRequested",
    "HttpWaitReceived",
    "MESSAGE_OVERHEAD",
    "MalformedMessage",
    "Message",
    "MsgIdStatus",
    "NewSession",
    "PendingRequest",
    "PingReceived",
    "ReceivedWindow",
    "Routed",
    "RpcCall",
    "RpcErrorReceived",
    "RpcResult",
    "STATE_ACKNOWLEDGED",
    "STATE_ANSWERED",
    "STATE_NOT_RECEIVED",
    "STATE_NO_ACK_NEEDED",
    "STATE_RECEIVED",
    "STATE_RPC",
    "STATE_TOO_HIGH",
    "STATE_UNKNOWN",
    "SaltChanged",
    "SaltProvider",
    "SaltSchedule",
    "SeqNoGenerator",
    "ServerEvent",
    "ServerSalt",
    "ServerSession",
    "SessionConfig",
    "SessionDestroyed",
    "SessionRouter",
    "SharedGzip",
    "UpdateReceived",
    "check_msg_id_time",
    "common_prefix_length",
    "gzip_pack",
    "gzip_unpack",
    "maybe_gzip",
    "pack_container",
    "pack_rpc_result",
    "unpack_container",
    "unpack_rpc_result",
]
