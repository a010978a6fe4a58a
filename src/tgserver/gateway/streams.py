"""The byte stream a connection reads and writes, whatever carries it (TCP or WebSocket)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["ByteStream"]


class ByteStream(Protocol):
    """The part of ``trio.abc.Stream`` the gateway uses.

    ``trio.SocketStream`` is one; :class:`~tgserver.gateway.websocket.WebSocketStream` is
    another, carrying the same bytes inside WebSocket messages.
    """

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        """Write all of ``data``."""
        ...

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        """Read some bytes; ``b""`` at the end of the stream."""
        ...

    async def aclose(self) -> None:
        """Close the stream."""
        ...
