"""MTProto over WebSocket, as web clients speak it.

The client opens ``GET /apiws`` with the ``binary`` subprotocol, then sends binary messages
whose concatenated payloads are exactly the byte stream a TCP client would send (in practice
obfuscated2). Message boundaries mean nothing: a frame may span messages and a message may
hold several frames. :class:`WebSocketStream` therefore turns the WebSocket back into a plain
byte stream, so the connection code does not care where its bytes come from.
"""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from tgserver.gateway.streams import ByteStream

__all__ = ["WS_PATH", "WS_SUBPROTOCOL", "WebSocketStream", "accept_websocket"]

log = logging.getLogger(__name__)

#: The request path web clients connect to.
WS_PATH = "/apiws"
#: The subprotocol they ask for.
WS_SUBPROTOCOL = "binary"

_RECEIVE_SIZE = 64 * 1024
# wsproto refuses an upgrade request larger than h11's 16 KiB limit on its own; this bounds
# what a client that never finishes its request can make us read before the timeout.
_MAX_REQUEST_BYTES = 16 * 1024


class WebSocketStream:
    """A byte stream over an accepted server-side WebSocket (wsproto, sans-IO).

    :meth:`send_all` wraps the bytes in one binary message; :meth:`receive_some` returns the
    payload bytes of binary messages as they arrive (partial frames included, so nothing is
    buffered beyond what the socket delivered). Pings are answered, a close is answered and
    ends the stream, a text message ends it as a protocol violation.
    """

    def __init__(self, stream: ByteStream, ws: WSConnection, pending: list[bytes]) -> None:
        """Use :func:`accept_websocket`; this wraps an already open connection."""
        self._stream = stream
        self._ws = ws
        self._pending = pending
        self._eof = False
        # The writer task sends messages while the reader answers pings and closes.
        self._send_lock = trio.Lock()

    async def _write(self, event: Event) -> None:
        try:
            data = self._ws.send(event)
        except LocalProtocolError as exc:
            raise trio.ClosedResourceError(f"the WebSocket is closed: {exc}") from None
        async with self._send_lock:
            await self._stream.send_all(data)

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data`` as one binary message."""
        if self._ws.state is not ConnectionState.OPEN:
            raise trio.ClosedResourceError("the WebSocket is closed")
        if data:
            await self._write(BytesMessage(data=bytes(data)))

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        """The next payload bytes; ``b""`` once the WebSocket is closed."""
        while not self._pending:
            if self._eof:
                return b""
            data = await self._stream.receive_some(max_bytes or _RECEIVE_SIZE)
            try:
                self._ws.receive_data(bytes(data) if data else None)
                await self._handle(list(self._ws.events()))
            except RemoteProtocolError as exc:
                log.debug("WebSocket protocol error: %s", exc)
                self._eof = True
            if not data:
                self._eof = True
        data = b"".join(self._pending)
        self._pending.clear()
        return data

    async def _handle(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, BytesMessage):
                self._pending.append(bytes(event.data))
            elif isinstance(event, Ping):
                await self._write(event.response())
            elif isinstance(event, CloseConnection):
                if self._ws.state is ConnectionState.REMOTE_CLOSING:
                    await self._write(event.response())
                elif self._ws.state is ConnectionState.OPEN:
                    # wsproto reports a broken frame as a close with the code to send.
                    await self._write(CloseConnection(code=event.code, reason=event.reason))
                self._eof = True
            elif isinstance(event, TextMessage):
                # MTProto is binary; 1003 = "unsupported data".
                await self._write(CloseConnection(code=1003, reason="binary messages only"))
                self._eof = True

    async def aclose(self) -> None:
        """Send a close frame (best effort) and close the underlying stream."""
        try:
            if self._ws.state is ConnectionState.OPEN:
                with trio.move_on_after(1):
                    await self._write(CloseConnection(code=1000))
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass
        finally:
            await self._stream.aclose()


async def accept_websocket(stream: ByteStream, received: bytes) -> WebSocketStream | None:
    """Complete the HTTP upgrade of a WebSocket client on ``stream``.

    Args:
        stream: The TCP stream.
        received: What was already read from it (the start of the request).

    Returns:
        The byte stream, or None if the request was refused (wrong path, not an upgrade) or
        the client went away; the caller then closes ``stream``.
    """
    ws = WSConnection(ConnectionType.SERVER)
    total = len(received)
    data: bytes | None = received
    while True:
        try:
            ws.receive_data(data)
            events = list(ws.events())
        except RemoteProtocolError as exc:
            log.debug("bad WebSocket upgrade request: %s", exc)
            if exc.event_hint is not None:
                await _send_quietly(stream, ws.send(exc.event_hint))
            return None
        request = next((e for e in events if isinstance(e, Request)), None)
        if request is not None:
            break
        if data is None or total > _MAX_REQUEST_BYTES:
            return None
        data = bytes(await stream.receive_some(_RECEIVE_SIZE)) or None
        total += len(data or b"")
    if urlsplit(request.target).path != WS_PATH:
        await _send_quietly(stream, ws.send(RejectConnection(status_code=404)))
        return None
    subprotocol = WS_SUBPROTOCOL if WS_SUBPROTOCOL in request.subprotocols else None
    await stream.send_all(ws.send(AcceptConnection(subprotocol=subprotocol)))
    websocket = WebSocketStream(stream, ws, [])
    # Binary messages sent right behind the request arrived with it.
    await websocket._handle(list(ws.events()))
    return websocket


async def _send_quietly(stream: ByteStream, data: bytes) -> None:
    with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        await stream.send_all(data)
