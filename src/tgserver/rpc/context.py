"""What a handler knows about the request it serves, without knowing any transport."""

from __future__ import annotations

import attrs

from tgserver.store.records import ClientInfo

__all__ = ["ConnectionInfo", "RequestContext"]


@attrs.frozen
class ConnectionInfo:
    """Where a request came from (for logs, rate limits, ``help.getNearestDc``).

    Attributes:
        peer: The client's address as ``host:port`` (``"-"`` when unknown).
        transport: The framing the client uses (``"abridged"``, ``"obfuscated2"``, ...).
        websocket: Whether the bytes arrived inside WebSocket messages.
    """

    peer: str = "-"
    transport: str = "-"
    websocket: bool = False


@attrs.frozen
class RequestContext:
    """The typed context every RPC handler receives with its request.

    Attributes:
        auth_key_id: The auth key the request was encrypted with.
        session_id: The client's session.
        msg_id: The msg_id of the call (of the outermost wrapper, which is what the answer
            refers to).
        layer: The TL layer the client announced with ``invokeWithLayer`` on this session or
            an earlier one of the same key (the server's own layer when it never did).
        client: What the client sent in ``initConnection`` (None if it never did).
        connection: Where the request came from.
        user_id: The account logged in with this auth key; None before login.
        without_updates: The call came inside ``invokeWithoutUpdates``: the handler should
            not push updates caused by it to this session.
    """

    auth_key_id: int
    session_id: int
    msg_id: int
    layer: int
    client: ClientInfo | None = None
    connection: ConnectionInfo = attrs.field(factory=ConnectionInfo)
    user_id: int | None = None
    without_updates: bool = False
