"""The send side of a connection: a bounded queue drained by one writer task.

Framing happens in the writer, not in the tasks that queue payloads: obfuscated2 encrypts
with a running CTR stream and the full transport numbers its frames, so frames must be packed
in exactly the order they are written.
"""

from __future__ import annotations

import logging
from typing import TypeAlias

import attrs
import trio

from tgcore.errors import LocalProtocolError
from tgcore.mtproto.transport import ServerTransport
from tgserver.gateway.streams import ByteStream

__all__ = ["Outgoing", "Outlet", "SendError", "SendQuickAck"]

log = logging.getLogger(__name__)

# Payloads are coalesced into one send_all up to this many bytes (fewer syscalls and
# TCP segments when answers pile up).
_COALESCE_BYTES = 64 * 1024


@attrs.frozen
class SendError:
    """A transport error code (-404, -429) to send."""

    code: int


@attrs.frozen
class SendQuickAck:
    """A quick-ack token to send."""

    token: int


Outgoing: TypeAlias = bytes | SendError | SendQuickAck
"""What can be queued on an :class:`Outlet`: an MTProto payload or a transport signal."""


class Outlet:
    """The bounded outgoing queue of one connection.

    Producers (the reader, RPC call tasks of the connection's sessions) await :meth:`send`,
    which blocks while the queue is full: a client that does not read slows down only the
    producers writing to it. After :meth:`close`, :meth:`send` returns False at once.

    Args:
        capacity: Queued items before :meth:`send` blocks.
    """

    def __init__(self, capacity: int) -> None:
        self._send, self._receive = trio.open_memory_channel[Outgoing](capacity)
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether the connection stopped taking output."""
        return self._closed

    async def send(self, item: Outgoing) -> bool:
        """Queue ``item``; False if the connection is closed (the item is dropped)."""
        if self._closed:
            return False
        try:
            await self._send.send(item)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            return False
        return True

    def send_nowait(self, item: Outgoing) -> bool | None:
        """Queue ``item`` if there is room now: True if queued, False if the connection is
        closed (the item is dropped), None if the queue is full (nothing was queued).

        Never yields, so a fan-out can queue thousands of updates without a task each. Order
        is kept: while producers wait in :meth:`send` the queue is full, so this fails.
        """
        if self._closed:
            return False
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            return None
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            return False
        return True

    def close(self) -> None:
        """Take no more items; the writer sends what is queued and stops."""
        self._closed = True
        self._send.close()

    async def run_writer(self, stream: ByteStream, transport: ServerTransport) -> None:
        """Frame and write queued items until :meth:`close` (the connection's single writer).

        Raises what the stream raises when the peer is gone (the connection then ends).
        """
        receive = self._receive
        async with receive:
            async for item in receive:
                chunks = [_pack(transport, item)]
                size = len(chunks[0])
                while size < _COALESCE_BYTES:
                    try:
                        item = receive.receive_nowait()
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                    chunks.append(_pack(transport, item))
                    size += len(chunks[-1])
                await stream.send_all(b"".join(chunks))


def _pack(transport: ServerTransport, item: Outgoing) -> bytes:
    try:
        if isinstance(item, bytes):
            return transport.pack(item)
        if isinstance(item, SendError):
            return transport.pack_error(item.code)
        return transport.pack_quick_ack(item.token)
    except LocalProtocolError as exc:
        # E.g. a payload over max_frame_size: a server bug, not a reason to kill the link.
        log.error("cannot frame an outgoing %s: %s", type(item).__name__, exc)
        return b""
