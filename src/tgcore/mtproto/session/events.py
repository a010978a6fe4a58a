"""Events returned by :meth:`ServerSession.receive` and :meth:`ClientSession.receive`.

Each is an immutable value. A session hands back a list of them per received payload, in the
order the messages were processed; the caller reacts (dispatches an RPC, completes a future)
and then drains :meth:`data_to_send`.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

from tgcore.errors import TgError

__all__ = [
    "Acked",
    "BadMessage",
    "ClientEvent",
    "DestroySessionRequested",
    "HttpWaitReceived",
    "MalformedMessage",
    "NewSession",
    "PingReceived",
    "RpcCall",
    "RpcErrorReceived",
    "RpcResult",
    "SaltChanged",
    "ServerEvent",
    "SessionDestroyed",
    "UpdateReceived",
]


# -- both roles ---------------------------------------------------------------------------------


@attrs.frozen
class Acked:
    """The peer acknowledged these of our msg_ids (msgs_ack).

    On the client the ids are the ones :meth:`ClientSession.send` returned, even if the request
    went out again under a newer msg_id.
    """

    msg_ids: tuple[int, ...]


@attrs.frozen
class BadMessage:
    """A message was rejected with bad_msg_notification ``code``.

    Server side: we rejected the client's message ``msg_id`` (already answered, nothing to do
    but log). Client side: the server rejected our request ``msg_id`` (the id ``send`` returned)
    with a code the session cannot recover from (18, 19, 20, 34, 35, 64): fail that request.
    """

    msg_id: int
    code: int
    request: object = None


@attrs.frozen
class MalformedMessage:
    """A message passed the security checks but its service body could not be read; dropped."""

    msg_id: int
    reason: str


@attrs.frozen
class PingReceived:
    """A ping arrived; the pong is already queued.

    ``disconnect_delay`` is set for ping_delay_disconnect: the gateway closes the connection
    that many seconds later unless another such ping comes first (see
    :attr:`ServerSession.disconnect_deadline`).
    """

    msg_id: int
    ping_id: int
    disconnect_delay: int | None = None


# -- server role --------------------------------------------------------------------------------


@attrs.frozen
class RpcCall:
    """A client query for the dispatcher: the raw ``body`` (gzip_packed already undone).

    Answer it with :meth:`ServerSession.answer` or :meth:`ServerSession.answer_error`, passing
    ``msg_id``.
    """

    msg_id: int
    body: bytes


@attrs.frozen
class DestroySessionRequested:
    """destroy_session: the client asks to forget its other session ``session_id``.

    The session cannot see its siblings; the owner of all sessions of the auth key (the
    :class:`SessionRouter` or the gateway) drops the target and then calls
    :meth:`ServerSession.answer_destroy_session`.
    """

    msg_id: int
    session_id: int


@attrs.frozen
class SessionDestroyed:
    """The session ``session_id`` of the auth key ``auth_key_id`` was destroyed and forgotten."""

    auth_key_id: int
    session_id: int


@attrs.frozen
class HttpWaitReceived:
    """http_wait: long-poll parameters (milliseconds) for the HTTP transport."""

    msg_id: int
    max_delay: int
    wait_after: int
    max_wait: int


# -- client role --------------------------------------------------------------------------------


@attrs.frozen
class RpcResult:
    """The answer to our request ``req_msg_id`` (the id :meth:`ClientSession.send` returned).

    ``body`` is the serialized result (gzip_packed undone). ``result`` is that body decoded
    through ``request.read_result`` when the request was a TL object; if decoding failed,
    ``result`` is None and ``decode_error`` says why. Pong, future_salts and
    destroy_session_ok/none, which the server sends outside rpc_result, arrive here as well.
    """

    req_msg_id: int
    body: bytes
    request: object = None
    result: Any = None
    decode_error: TgError | None = None


@attrs.frozen
class RpcErrorReceived:
    """The server answered our request ``req_msg_id`` with rpc_error ``code`` ``name``."""

    req_msg_id: int
    code: int
    name: str
    request: object = None


@attrs.frozen
class UpdateReceived:
    """A message the server sent on its own (an update): raw ``body`` and, if it could be
    decoded, the TL object ``obj``."""

    msg_id: int
    body: bytes
    obj: Any = None


@attrs.frozen
class SaltChanged:
    """The client adopted a new server salt (from bad_server_salt or new_session_created)."""

    salt: int


@attrs.frozen
class NewSession:
    """new_session_created: the server (re)started our session.

    Messages sent before ``first_msg_id`` were lost and have been queued again; updates may
    have been missed, so the client should fetch the difference.
    """

    first_msg_id: int
    unique_id: int
    server_salt: int


ServerEvent: TypeAlias = (
    RpcCall
    | Acked
    | PingReceived
    | DestroySessionRequested
    | SessionDestroyed
    | HttpWaitReceived
    | BadMessage
    | MalformedMessage
)
ClientEvent: TypeAlias = (
    RpcResult
    | RpcErrorReceived
    | UpdateReceived
    | Acked
    | SaltChanged
    | NewSession
    | BadMessage
    | MalformedMessage
    | PingReceived
)
