"""MTProto over WebSocket, as web clients speak it: a Trio stream adapter on wsproto.

Web clients open ``ws://host:port/apiws`` with subprotocol ``binary`` and send the obfuscated2
byte stream in binary messages; the message boundaries carry no meaning. A
:class:`WebSocketStream` hides the WebSocket behind :class:`trio.abc.Stream`, so the rest of
the client treats it exactly like a TCP stream.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import ProtocolError as WsProtocolError

from tgcore.errors import RemoteProtocolError

__all__ = ["WebSocketStream", "open_websocket_stream"]

_SUBPROTOCOL = "binary"
_READ_SIZE = 65536


class WebSocketStream(trio.abc.Stream):
    """A byte stream carried in the binary messages of a WebSocket (client side).

    Made by :func:`open_websocket_stream` (or :meth:`connect` over a stream you opened).
    :meth:`send_all` sends one binary message; :meth:`receive_some` returns message bytes as
    they arrive, regardless of message boundaries, and ``b""`` once the server closed the
    WebSocket. Pings are answered. A text message or a broken frame raises
    :class:`~tgcore.errors.RemoteProtocolError`.
    """

    def __init__(self, stream: trio.abc.Stream, ws: WSConnection) -> None:
        self._stream = stream
        self._ws = ws
        self._incoming = bytearray()
        self._eof = False
        self._send_lock = trio.Lock()

    @classmethod
    async def connect(
        cls, stream: trio.abc.Stream, *, host: str, path: str = "/apiws"
    ) -> WebSocketStream:
        """Upgrade ``stream`` to a WebSocket (the HTTP/1.1 handshake) and wrap it.

        ``host`` is the Host header (``"host:port"``). Raises
        :class:`~tgcore.errors.RemoteProtocolError` if the server refuses the upgrade or
        picks a subprotocol other than ``binary``.
        """
        ws = WSConnection(ConnectionType.CLIENT)
        self = cls(stream, ws)
        await stream.send_all(ws.send(Request(host=host, target=path, subprotocols=[_SUBPROTOCOL])))
        while True:
            data = await stream.receive_some(_READ_SIZE)
            try:
                ws.receive_data(bytes(data) or None)
                events = list(ws.events())
            except WsProtocolError as exc:
                raise RemoteProtocolError(f"WebSocket upgrade failed: {exc}") from exc
            for index, event in enumerate(events):
                if isinstance(event, AcceptConnection):
                    # (wsproto refuses a subprotocol we did not offer.)
                    # Messages may follow the 101 answer in the same read.
                    await self._handle(events[index + 1 :])
                    return self
                if isinstance(event, RejectConnection | RejectData):
                    status = getattr(event, "status_code", "?")
                    raise RemoteProtocolError(f"the server refused the WebSocket ({status})")
            if not data:
                raise RemoteProtocolError("the server closed the connection during the upgrade")

    async def _handle(self, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, BytesMessage):
                self._incoming += event.data
            elif isinstance(event, Ping):
                await self._send_raw(self._ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self._eof = True
                if self._ws.state is ConnectionState.REMOTE_CLOSING:
                    await self._send_raw(self._ws.send(event.response()))
            elif isinstance(event, TextMessage):
                raise RemoteProtocolError("text message on an MTProto WebSocket")

    async def _send_raw(self, data: bytes) -> None:
        async with self._send_lock:
            await self._stream.send_all(data)

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data`` as one binary message."""
        if self._ws.state is not ConnectionState.OPEN:
            raise trio.ClosedResourceError("the WebSocket is closed")
        await self._send_raw(self._ws.send(BytesMessage(data=bytes(data))))

    async def wait_send_all_might_not_block(self) -> None:
        """Wait until the underlying stream can take data."""
        await self._stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        """Up to ``max_bytes`` received bytes; ``b""`` once the server closed the WebSocket."""
        while not self._incoming:
            if self._eof:
                await trio.lowlevel.checkpoint()
                return b""
            data = await self._stream.receive_some(_READ_SIZE)
            try:
                self._ws.receive_data(bytes(data) or None)
                events = list(self._ws.events())
            except WsProtocolError as exc:
                raise RemoteProtocolError(f"broken WebSocket frame: {exc}") from exc
            await self._handle(events)
            if not data:
                self._eof = True
        size = len(self._incoming) if max_bytes is None else max_bytes
        chunk = bytes(self._incoming[:size])
        del self._incoming[:size]
        return chunk

    async def aclose(self) -> None:
        """Send a close frame if the WebSocket is open (best effort), then close the stream."""
        try:
            if self._ws.state is ConnectionState.OPEN:
                with trio.move_on_after(1):
                    await self._send_raw(self._ws.send(CloseConnection(code=1000)))
        except (trio.BrokenResourceError, trio.ClosedResourceError, WsProtocolError):
            pass
        finally:
            await self._stream.aclose()


async def open_websocket_stream(host: str, port: int, *, path: str = "/apiws") -> WebSocketStream:
    """Open a TCP connection to ``host:port`` and upgrade it to an MTProto WebSocket."""
    stream = await trio.open_tcp_stream(host, port)
    host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        return await WebSocketStream.connect(stream, host=host_header, path=path)
    except BaseException:
        await trio.aclose_forcefully(stream)
        raise
