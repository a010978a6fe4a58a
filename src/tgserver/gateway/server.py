"""The gateway: listeners, connection admission, session routing and RPC call tasks."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from functools import partial

import trio

from tgcore.crypto import RsaPrivateKey
from tgcore.errors import LocalProtocolError, RpcError, TransportError
from tgcore.mtproto.session import RpcCall, ServerSession, SessionConfig, SessionRouter
from tgcore.mtproto.transport import ServerTransport
from tgserver.gateway.connection import Connection
from tgserver.gateway.keys import KeyRegistry, KeyState
from tgserver.gateway.limits import GatewayLimits
from tgserver.gateway.sessions import SessionLink, SessionTable
from tgserver.gateway.streams import ByteStream
from tgserver.gateway.websocket import accept_websocket
from tgserver.rpc import Call, ConnectionInfo, Dispatcher, SessionCalls

__all__ = ["Gateway"]

log = logging.getLogger(__name__)

_RECEIVE_SIZE = 64 * 1024
_ERROR_TOO_MANY = -429
_HTTP_GET = b"GET "
# Drop temporary keys that expired once an hour (not on every sweep).
_EXPIRY_EVERY = 3600.0


def _peer_name(stream: object) -> str:
    socket = getattr(stream, "socket", None)
    try:
        host, port, *_ = socket.getpeername()  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError, TypeError):
        return "-"
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


class Gateway:
    """The MTProto gateway of one server: everything between sockets and the dispatcher.

    Run it with :meth:`serve`; it owns one nursery for its connections, their RPC calls and a
    sweeper that forgets idle sessions.

    Args:
        server_keys: The server's RSA keys (the handshake offers all).
        registry: The auth keys (cache over the store); its clock and rng should be the
            same as the ones given here.
        dispatcher: Answers RPC calls.
        dc_id: This server's DC id (checked in the handshake).
        limits: Timeouts and bounds.
        rng: Randomness (``os.urandom``).
        clock: Unix time (``time.time``).
        session_config: Limits of the encrypted sessions.
    """

    def __init__(
        self,
        *,
        server_keys: Sequence[RsaPrivateKey],
        registry: KeyRegistry,
        dispatcher: Dispatcher,
        dc_id: int,
        limits: GatewayLimits | None = None,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
        session_config: SessionConfig | None = None,
    ) -> None:
        self.server_keys = list(server_keys)
        self.dispatcher = dispatcher
        self.dc_id = dc_id
        self.limits = limits or GatewayLimits()
        self.rng = rng
        self.clock = clock
        self.registry = registry
        self.router = SessionRouter(
            auth_keys=self.registry.auth_key,
            salts=self.registry.salts_for,
            rng=rng,
            clock=clock,
            config=session_config,
        )
        self.sessions = SessionTable()
        #: Connections being served now.
        self.connections = 0
        self._rejecting = 0
        self._nursery: trio.Nursery | None = None

    # -- running ---------------------------------------------------------------------------------

    async def serve(
        self,
        listeners: Sequence[trio.SocketListener],
        websocket_listeners: Sequence[trio.SocketListener] = (),
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Accept connections on the listeners until cancelled.

        ``listeners`` take every framing, and WebSocket clients recognised by their ``GET``;
        ``websocket_listeners`` take WebSocket clients only.
        """
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._sweep)
            plain = partial(self.handle_stream, websocket_only=False)
            await nursery.start(
                partial(trio.serve_listeners, plain, list(listeners), handler_nursery=nursery)
            )
            if websocket_listeners:
                ws = partial(self.handle_stream, websocket_only=True)
                await nursery.start(
                    partial(
                        trio.serve_listeners, ws, list(websocket_listeners), handler_nursery=nursery
                    )
                )
            task_status.started()

    def _require_nursery(self) -> trio.Nursery:
        if self._nursery is None:
            raise LocalProtocolError("the gateway is not running (call serve())")
        return self._nursery

    # -- connections -----------------------------------------------------------------------------

    async def handle_stream(self, stream: ByteStream, *, websocket_only: bool = False) -> None:
        """Serve one accepted connection to its end; never raises (except Cancelled)."""
        peer = _peer_name(stream)
        try:
            if self.connections >= self.limits.max_connections:
                await self._refuse(stream, peer)
                return
            self.connections += 1
            try:
                await self._serve_stream(stream, peer, websocket_only)
            finally:
                self.connections -= 1
        except* (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as group:
            log.debug("%s: connection lost: %r", peer, group.exceptions[0])
        except* Exception:
            # A bug in the gateway: log it, and the other connections go on.
            log.exception("%s: connection failed", peer)
        finally:
            await trio.aclose_forcefully(stream)  # type: ignore[arg-type]

    async def _first_bytes(self, stream: ByteStream) -> bytes:
        """Read until the framing can be told from WebSocket: ``b""`` if the client left."""
        data = b""
        # Only an HTTP request starts with "G" (0x47): no framing's first byte can be one.
        while not data or (data[:1] == b"G" and len(data) < len(_HTTP_GET)):
            chunk = bytes(await stream.receive_some(_RECEIVE_SIZE))
            if not chunk:
                return b""
            data += chunk
        return data

    async def _serve_stream(self, stream: ByteStream, peer: str, websocket_only: bool) -> None:
        limits = self.limits
        data = b""
        websocket = False
        with trio.move_on_after(min(limits.handshake_timeout, limits.idle_timeout)):
            data = await self._first_bytes(stream)
            websocket = data.startswith(_HTTP_GET)
            if websocket_only and not websocket:
                log.debug("%s: not a WebSocket upgrade on the WebSocket port", peer)
                return
            if websocket:
                ws = await accept_websocket(stream, data)
                if ws is None:
                    return
                stream, data = ws, b""
        if not data and not websocket:
            log.debug("%s: left or timed out before sending anything", peer)
            return
        await Connection(self, stream, peer, websocket=websocket).run(data)

    async def _refuse(self, stream: ByteStream, peer: str) -> None:
        """Tell an over-limit client -429 in its own framing, then close."""
        log.info("%s: refused, %d connections already", peer, self.connections)
        if self._rejecting >= self.limits.max_rejecting:
            return
        self._rejecting += 1
        try:
            transport = ServerTransport(max_frame_size=self.limits.max_frame_size, rng=self.rng)
            with trio.move_on_after(self.limits.reject_timeout):
                while transport.framer is None:
                    data = bytes(await stream.receive_some(_RECEIVE_SIZE))
                    if not data:
                        return
                    try:
                        transport.feed(data)
                    except TransportError:
                        return
                await stream.send_all(transport.pack_error(_ERROR_TOO_MANY))
        finally:
            self._rejecting -= 1

    # -- sessions and calls ----------------------------------------------------------------------

    def link(self, session: ServerSession, state: KeyState) -> SessionLink:
        """The link of a routed session, created with its key's client info if new."""
        link = self.sessions.get(session)
        if link is None:
            record = state.record
            calls = SessionCalls(
                auth_key_id=session.auth_key.key_id,
                session_id=session.session_id,
                layer=record.layer,
                client=record.client,
            )
            link = SessionLink(session, calls)
            self.sessions.add(link)
        return link

    async def flush(self, link: SessionLink) -> None:
        """Send what a session has queued to the connection carrying it now.

        With no live connection the output stays in the session until the client is back.
        """
        outlet = link.live_outlet
        if outlet is None:
            return
        for payload in link.session.data_to_send():
            if not await outlet.send(payload):
                break

    def start_flush(self, link: SessionLink) -> None:
        """Flush ``link`` in the gateway's nursery (pushed updates: the pusher never waits
        for a slow client)."""
        self._require_nursery().start_soon(self.flush, link)

    def start_call(
        self, link: SessionLink, call: RpcCall, info: ConnectionInfo, slots: trio.Semaphore
    ) -> None:
        """Run ``call`` in the gateway's nursery; ``slots`` (already acquired) is released
        once it is answered and flushed."""
        self._require_nursery().start_soon(self._run_call, link, call, info, slots)

    async def _run_call(
        self, link: SessionLink, call: RpcCall, info: ConnectionInfo, slots: trio.Semaphore
    ) -> None:
        session = link.session
        try:
            try:
                result = await self.dispatcher.dispatch(
                    Call(call.msg_id, call.body, link.calls, info)
                )
                session.answer(call.msg_id, result)
            except RpcError as exc:
                session.answer_error(call.msg_id, exc.code, exc.name)
            finally:
                link.calls.tracker.finished(call.msg_id)
            await self.flush(link)
        except LocalProtocolError as exc:
            log.warning("cannot answer msg %d: %s", call.msg_id, exc)
        except Exception:
            log.exception("answering msg %d failed", call.msg_id)
        finally:
            slots.release()

    # -- housekeeping ----------------------------------------------------------------------------

    async def _sweep(self) -> None:
        next_expiry = 0.0
        while True:
            await trio.sleep(self.limits.sweep_interval)
            self.sweep()
            now = self.clock()
            if now >= next_expiry:
                next_expiry = now + _EXPIRY_EVERY
                try:
                    await self.registry.store.delete_expired(now)
                except Exception:
                    log.warning("could not delete expired auth keys", exc_info=True)

    def sweep(self) -> int:
        """Forget sessions idle without a connection for ``session_ttl`` and keys left without
        sessions; returns how many sessions were dropped."""
        now = self.clock()
        ttl = self.limits.session_ttl
        dropped = 0
        for key_id in self.registry.key_ids():
            for session in self.router.sessions(key_id):
                link = self.sessions.get(session)
                if link is not None and link.live_outlet is not None:
                    continue
                if now - session.last_received > ttl:
                    self.router.drop(key_id, session.session_id)
                    dropped += 1
            state = self.registry.cached(key_id)
            if state is not None and not self.router.sessions(key_id):
                expired = state.record.expires_at is not None and state.record.expires_at <= now
                if expired or now - state.last_used > ttl:
                    self.registry.evict(key_id)
        return dropped
