"""One connection to the server: a byte stream (TCP or WebSocket) and the framer on top.

:func:`open_connection` opens the stream the :class:`~tgcore.client.TransportConfig` asks for;
:class:`Connection` turns MTProto payloads into framed bytes and back. It knows nothing of
sessions or handshakes: those sit above it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import trio

from tgcore.client.config import TransportConfig
from tgcore.client.ws import open_websocket_stream
from tgcore.errors import TransportError
from tgcore.mtproto.transport import (
    DEFAULT_MAX_FRAME_SIZE,
    Frame,
    Framer,
    TransportErrorReceived,
    strip_padding,
)

__all__ = ["Connection", "open_connection"]

_READ_SIZE = 65536


class Connection(trio.abc.AsyncResource):
    """Frames MTProto payloads over a Trio stream (client side).

    Only one task may :meth:`send` at a time and only one may :meth:`receive`; the two can run
    concurrently.

    Args:
        stream: A connected byte stream (a TCP stream or a
            :class:`~tgcore.client.WebSocketStream`).
        framer: A fresh client-role framer for this stream.
    """

    def __init__(self, stream: trio.abc.Stream, framer: Framer) -> None:
        self._stream = stream
        self._framer = framer

    @property
    def stream(self) -> trio.abc.Stream:
        """The underlying byte stream."""
        return self._stream

    async def send(self, payloads: Sequence[bytes]) -> None:
        """Frame ``payloads`` and write them in one go.

        Raises:
            trio.BrokenResourceError: the stream broke.
        """
        if payloads:
            await self._stream.send_all(b"".join(map(self._framer.pack, payloads)))

    async def receive(self) -> list[bytes]:
        """Wait for the next complete payloads (at least one), padding removed.

        Quick acks are ignored.

        Raises:
            trio.BrokenResourceError: the stream broke or the server closed it.
            tgcore.errors.TransportError: the server sent a transport error (``code``, e.g.
                -404 for an unknown auth key), or broke the framing.
        """
        framer = self._framer
        while True:
            data = await self._stream.receive_some(_READ_SIZE)
            if not data:
                raise trio.BrokenResourceError("the server closed the connection")
            payloads = []
            for event in framer.feed(bytes(data)):
                if isinstance(event, Frame):
                    payload = event.payload
                    payloads.append(strip_padding(payload) if framer.padded else payload)
                elif isinstance(event, TransportErrorReceived):
                    raise TransportError(
                        event.code, f"the server sent transport error {event.code}"
                    )
            if payloads:
                return payloads

    async def aclose(self) -> None:
        """Close the stream."""
        await self._stream.aclose()


async def open_connection(
    host: str,
    port: int,
    transport: TransportConfig | None = None,
    *,
    rng: Callable[[int], bytes] = os.urandom,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
) -> Connection:
    """Connect to ``host:port`` with ``transport`` (abridged over TCP by default).

    Raises:
        OSError: the TCP connection failed.
        tgcore.errors.RemoteProtocolError: the WebSocket upgrade failed.
    """
    transport = transport or TransportConfig()
    stream: trio.abc.Stream
    if transport.websocket:
        stream = await open_websocket_stream(host, port, path=transport.ws_path)
    else:
        stream = await trio.open_tcp_stream(host, port)
    return Connection(stream, transport.make_framer(rng=rng, max_frame_size=max_frame_size))
