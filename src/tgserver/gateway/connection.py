"""One client connection: read, frame, handshake or route, dispatch, write.

A connection runs two tasks of its own, a reader (this module's loop) and a writer
(:meth:`Outlet.run_writer`); RPC calls run in the gateway's nursery so that an answer still
reaches the client when it comes back on a new connection. Every error of a connection ends
that connection only.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import trio

from tgcore.errors import ProtocolError, SecurityError, TransportError
from tgcore.mtproto.envelope import peek_auth_key_id
from tgcore.mtproto.handshake import ServerHandshake
from tgcore.mtproto.session import (
    BadMessage,
    MalformedMessage,
    RpcCall,
    SessionDestroyed,
)
from tgcore.mtproto.transport import ERROR_MALFORMED, Frame, ServerTransport, strip_padding
from tgserver.gateway.outlet import Outlet, SendError, SendQuickAck
from tgserver.gateway.quickack import payload_quick_ack_token
from tgserver.gateway.sessions import SessionLink
from tgserver.gateway.streams import ByteStream
from tgserver.rpc import ConnectionInfo

if TYPE_CHECKING:
    from tgserver.gateway.server import Gateway

__all__ = ["Connection"]

log = logging.getLogger(__name__)

_RECEIVE_SIZE = 64 * 1024
_ERROR_TOO_MANY = -429


class Connection:
    """Serves one client over ``stream`` until it leaves, times out or misbehaves.

    Args:
        gateway: The gateway (keys, sessions, dispatcher, limits).
        stream: The client's byte stream (TCP or WebSocket).
        peer: The client's address, for logs and handlers.
        websocket: Whether ``stream`` is a WebSocket.
    """

    def __init__(self, gateway: Gateway, stream: ByteStream, peer: str, *, websocket: bool) -> None:
        self._gateway = gateway
        self._stream = stream
        self._peer = peer
        self._websocket = websocket
        limits = gateway.limits
        self._limits = limits
        self._transport = ServerTransport(max_frame_size=limits.max_frame_size, rng=gateway.rng)
        self.outlet = Outlet(limits.outgoing_queue)
        self._calls = trio.Semaphore(limits.max_calls_per_connection)
        self._handshake: ServerHandshake | None = None
        self._handshakes = 0
        self._authenticated = False
        self._links: set[SessionLink] = set()
        self._info: ConnectionInfo | None = None
        self._opened = trio.current_time()
        self._last_received = self._opened
        self._disconnect_at = math.inf
        self._scope = trio.CancelScope()

    @property
    def info(self) -> ConnectionInfo:
        """Where this connection comes from (what handlers see)."""
        if self._info is None:
            # Asked only once a frame arrived, so the framing is known by then.
            kind = self._transport.kind
            self._info = ConnectionInfo(
                peer=self._peer,
                transport=kind.value if kind is not None else "-",
                websocket=self._websocket,
            )
        return self._info

    async def run(self, received: bytes) -> None:
        """Serve the connection; ``received`` is what was already read from it."""
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self.outlet.run_writer, self._stream, self._transport)
                await self._read(received)
                # Let the writer send what is queued (a final transport error, last
                # answers), but not forever.
                self.outlet.close()
                nursery.cancel_scope.deadline = trio.current_time() + self._limits.close_timeout
        finally:
            self.outlet.close()
            for link in self._links:
                if link.outlet is self.outlet:
                    link.outlet = None
            self._links.clear()
        # Reached when the connection ended normally: close politely (a WebSocket sends its
        # close frame). The caller closes the socket forcefully in every case.
        with trio.move_on_after(self._limits.close_timeout):
            await self._stream.aclose()

    # -- reading ---------------------------------------------------------------------------------

    def _update_deadline(self) -> None:
        limits = self._limits
        deadline = min(self._last_received + limits.idle_timeout, self._disconnect_at)
        if not self._authenticated:
            deadline = min(deadline, self._opened + limits.handshake_timeout)
        self._scope.deadline = deadline

    async def _read(self, data: bytes) -> None:
        with self._scope:
            self._update_deadline()
            while True:
                if data:
                    self._last_received = trio.current_time()
                    if not await self._on_bytes(data):
                        return
                    self._update_deadline()
                data = bytes(await self._stream.receive_some(_RECEIVE_SIZE))
                if not data:
                    log.debug("%s: closed by the client", self._peer)
                    return
        if self._scope.cancelled_caught:
            log.debug("%s: timed out", self._peer)

    async def _fail(self, code: int, why: object) -> bool:
        """Send transport error ``code`` (if the framing is known) and end the connection."""
        log.debug("%s: transport error %d: %s", self._peer, code, why)
        if self._transport.framer is not None:
            await self.outlet.send(SendError(code))
        return False

    async def _on_bytes(self, data: bytes) -> bool:
        try:
            events = self._transport.feed(data)
        except TransportError as exc:
            return await self._fail(exc.code, exc)
        for event in events:
            if isinstance(event, Frame) and not await self._on_frame(event):
                return False
        return True

    async def _on_frame(self, frame: Frame) -> bool:
        payload = strip_padding(frame.payload) if self._transport.padded else frame.payload
        if len(payload) < 8:
            return await self._fail(ERROR_MALFORMED, f"payload of {len(payload)} bytes")
        key_id = peek_auth_key_id(payload)
        if key_id == 0:
            return await self._on_plain(payload)
        return await self._on_encrypted(payload, key_id, frame.quick_ack)

    # -- handshake -------------------------------------------------------------------------------

    async def _on_plain(self, payload: bytes) -> bool:
        gateway = self._gateway
        handshake = self._handshake
        if handshake is None or handshake.finished:
            if self._handshakes >= self._limits.max_handshakes_per_connection:
                return await self._fail(_ERROR_TOO_MANY, "too many handshakes")
            self._handshakes += 1
            handshake = self._handshake = ServerHandshake(
                gateway.server_keys,
                rng=gateway.rng,
                clock=gateway.clock,
                dc_id=gateway.dc_id,
                key_id_in_use=gateway.registry.key_id_in_use,
                # Clients only learn the server's time from this very handshake; replays are
                # defeated by the fresh server_nonce anyway.
                msg_id_window=None,
            )
        try:
            replies, created = handshake.receive(payload)
        except ProtocolError as exc:
            # SecurityError or a malformed/out-of-order message: drop the connection.
            log.debug("%s: handshake failed: %s", self._peer, exc)
            return False
        if created is not None:
            # Stored before dh_gen_ok leaves: the client may use the key right away.
            if not await gateway.registry.register(created):
                return False
            self._authenticated = True
        for reply in replies:
            await self.outlet.send(reply)
        return True

    # -- encrypted messages ----------------------------------------------------------------------

    async def _on_encrypted(self, payload: bytes, key_id: int, quick_ack: bool) -> bool:
        gateway = self._gateway
        state = await gateway.registry.load(key_id)
        if state is None:
            return await self._fail(ERROR_MALFORMED, f"unknown auth key {key_id}")
        try:
            routed = gateway.router.route(payload)
        except TransportError as exc:
            return await self._fail(exc.code, exc)
        except SecurityError as exc:
            log.debug("%s: dropping after a security check failed: %s", self._peer, exc)
            return False
        self._authenticated = True
        session = routed.session
        link = gateway.link(session, state)
        link.outlet = self.outlet
        self._links.add(link)
        accepted = True
        for event in routed.events:
            if isinstance(event, RpcCall):
                await self._start_call(link, event)
            elif isinstance(event, SessionDestroyed):
                log.debug("%s: session destroyed on request", self._peer)
            elif isinstance(event, BadMessage | MalformedMessage):
                accepted = False
                log.debug("%s: rejected message: %s", self._peer, event)
        if quick_ack and accepted:
            token = payload_quick_ack_token(session.auth_key, payload)
            await self.outlet.send(SendQuickAck(token))
        deadline = session.disconnect_deadline
        if deadline is not None:
            # ping_delay_disconnect: close unless pinged again before then.
            self._disconnect_at = trio.current_time() + (deadline - gateway.clock())
        await gateway.flush(link)
        await gateway.registry.used(state)
        return True

    async def _start_call(self, link: SessionLink, call: RpcCall) -> None:
        # Waiting here when the connection has too many calls running stops reading from it:
        # a flooding client slows itself down, nobody else.
        await self._calls.acquire()
        link.calls.tracker.started(call.msg_id)
        self._gateway.start_call(link, call, self.info, self._calls)
