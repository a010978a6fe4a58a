"""A tiny MTProto server for the client tests, built from tgcore's sans-IO server pieces.

ServerTransport + ServerHandshake + SessionRouter over real sockets on 127.0.0.1 (and a
minimal wsproto server for the WebSocket transport). Sessions outlive connections, so an
answer computed while the client was away goes out on its next connection, as on a real
server. Tests steer it: per-method handlers, dropping connections, forgetting sessions
("restart") or keys.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Request

from tgcore.crypto import AuthKey, RsaPrivateKey
from tgcore.errors import RpcError, SecurityError, TransportError
from tgcore.mtproto.envelope import peek_auth_key_id
from tgcore.mtproto.handshake import ServerHandshake
from tgcore.mtproto.session import (
    Acked,
    PingReceived,
    RpcCall,
    SaltSchedule,
    ServerSession,
    SessionRouter,
)
from tgcore.mtproto.transport import Frame, ServerTransport, strip_padding
from tgcore.tl import TLObject, functions, read_object, types

KEY_PEM = Path(__file__).parents[1] / "mtproto" / "handshake" / "test_key_1.pem"

Handler = Callable[[Any], TLObject | bytes | Awaitable[TLObject | bytes]]


class _ServerWebSocket(trio.abc.Stream):
    """Server side of the MTProto WebSocket, just enough for the tests."""

    def __init__(self, stream: trio.abc.Stream, ws: WSConnection, pending: bytes) -> None:
        self._stream, self._ws, self._pending = stream, ws, bytearray(pending)
        self._lock = trio.Lock()
        self._eof = False

    @classmethod
    async def accept(cls, stream: trio.abc.Stream, head: bytes) -> _ServerWebSocket:
        ws = WSConnection(ConnectionType.SERVER)
        ws.receive_data(head)
        while True:
            for event in ws.events():
                if isinstance(event, Request):
                    assert event.target == "/apiws"
                    assert "binary" in event.subprotocols
                    await stream.send_all(ws.send(AcceptConnection(subprotocol="binary")))
                    # Bytes after the request are WebSocket frames already.
                    self = cls(stream, ws, b"")
                    self._collect()
                    return self
            data = await stream.receive_some(65536)
            if not data:
                raise trio.BrokenResourceError
            ws.receive_data(bytes(data))

    def _collect(self) -> None:
        for event in self._ws.events():
            if isinstance(event, BytesMessage):
                self._pending += event.data
            elif isinstance(event, CloseConnection):
                self._eof = True

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        while not self._pending and not self._eof:
            data = await self._stream.receive_some(65536)
            self._ws.receive_data(bytes(data) or None)
            self._collect()
            if not data:
                self._eof = True
        chunk = bytes(self._pending)
        self._pending.clear()
        await trio.lowlevel.checkpoint()
        return chunk

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        async with self._lock:
            await self._stream.send_all(self._ws.send(BytesMessage(data=bytes(data))))

    async def wait_send_all_might_not_block(self) -> None:
        await self._stream.wait_send_all_might_not_block()

    async def aclose(self) -> None:
        await self._stream.aclose()


class _Conn:
    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.transport = ServerTransport()
        self.lock = trio.Lock()
        self.scope = trio.CancelScope()

    async def send(self, payloads: list[bytes], *, mute: bool = False) -> None:
        if payloads and not mute:
            async with self.lock:
                await self.stream.send_all(b"".join(map(self.transport.pack, payloads)))


class MiniServer:
    """The in-test server. ``handlers`` maps a TL function class to a handler."""

    def __init__(self, key: RsaPrivateKey) -> None:
        self.key = key
        self.port = 0
        self.auth_keys: dict[int, AuthKey] = {}
        self._salts: dict[int, SaltSchedule] = {}
        self.router = self._new_router()
        self.handlers: dict[type, Handler] = {
            functions.help.GetNearestDc: lambda r: types.NearestDc(
                country="NL", this_dc=2, nearest_dc=2
            ),
            functions.Ping: lambda r: types.Pong(msg_id=0, ping_id=r.ping_id),
        }
        self.received: list[TLObject] = []  # every RPC as sent (wrappers included)
        self.handshakes = 0
        self.acked: list[int] = []
        self.pings: list[PingReceived] = []
        self.connections_made = 0
        self.live: set[_Conn] = set()
        self._bound: dict[tuple[int, int], _Conn] = {}
        self._nursery: trio.Nursery | None = None
        self.refuse = False  # close new connections at once
        self.silent = False  # read everything, process nothing
        self.mute = False  # process everything, send nothing (answers are lost)

    def _new_router(self) -> SessionRouter:
        return SessionRouter(auth_keys=self.auth_keys.get, salts=self._salts_for)

    def _salts_for(self, key: AuthKey) -> SaltSchedule:
        return self._salts.setdefault(key.key_id, SaltSchedule())

    # -- test controls ---------------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Abort every live connection (the client sees the socket close)."""
        for conn in list(self.live):
            # Out of `live` at once: nothing more may be written to it.
            self.live.discard(conn)
            conn.scope.cancel()

    def restart(self) -> None:
        """Forget every session (keys and salts stay, as on a server with a store)."""
        self.drop_connections()
        self.router = self._new_router()
        self._bound.clear()

    def forget_keys(self) -> None:
        """Forget every auth key (the client gets -404 and must make a new one)."""
        self.auth_keys.clear()
        self.restart()

    async def push(self, update: TLObject) -> None:
        """Send ``update`` to every session with a live connection."""
        for (key_id, session_id), conn in list(self._bound.items()):
            session = self.router.get(key_id, session_id)
            if session is not None and conn in self.live:
                session.push(update)
                await conn.send(session.data_to_send())

    # -- serving ---------------------------------------------------------------------------------

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            listeners = await trio.open_tcp_listeners(self.port, host="127.0.0.1")
            self.port = listeners[0].socket.getsockname()[1]
            task_status.started()
            await trio.serve_listeners(self._handle, listeners, handler_nursery=nursery)

    async def _handle(self, stream: trio.SocketStream) -> None:
        self.connections_made += 1
        if self.refuse:
            await stream.aclose()
            return
        first = await stream.receive_some(65536)
        if not first:
            await stream.aclose()
            return
        wrapped: trio.abc.Stream = stream
        if first.startswith(b"GET "):
            wrapped = await _ServerWebSocket.accept(stream, bytes(first))
            first = b""
        conn = _Conn(wrapped)
        self.live.add(conn)
        try:
            with conn.scope:
                await self._serve_conn(conn, bytes(first))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            self.live.discard(conn)
            await trio.aclose_forcefully(wrapped)

    async def _serve_conn(self, conn: _Conn, data: bytes) -> None:
        handshake = ServerHandshake([self.key], dc_id=2)
        while True:
            if data:
                try:
                    events = conn.transport.feed(data)
                except TransportError:
                    return
                for event in events:
                    if not isinstance(event, Frame):
                        continue
                    payload = event.payload
                    if conn.transport.padded:
                        payload = strip_padding(payload)
                    if peek_auth_key_id(payload) == 0:
                        replies, done = handshake.receive(payload)
                        if done is not None:
                            self.handshakes += 1
                            for key in done.auth_keys:
                                self.auth_keys[key.key_id] = key
                            self._salts_for(done.auth_key).set_current(done.first_salt, time.time())
                        await conn.send(replies)
                        continue
                    if self.silent:
                        continue
                    try:
                        routed = self.router.route(payload)
                    except TransportError as exc:
                        async with conn.lock:
                            await conn.stream.send_all(conn.transport.pack_error(exc.code))
                        return
                    except SecurityError:
                        continue
                    session = routed.session
                    self._bound[(session.auth_key.key_id, session.session_id)] = conn
                    for ev in routed.events:
                        if isinstance(ev, Acked):
                            self.acked.extend(ev.msg_ids)
                        elif isinstance(ev, PingReceived):
                            self.pings.append(ev)
                        elif isinstance(ev, RpcCall):
                            assert self._nursery is not None
                            self._nursery.start_soon(self._dispatch, session, ev)
                    await conn.send(session.data_to_send(), mute=self.mute)
            data = bytes(await conn.stream.receive_some(65536))
            if not data:
                return

    async def _dispatch(self, session: ServerSession, call: RpcCall) -> None:
        request = read_object(call.body)
        self.received.append(request)
        query: Any = request
        while isinstance(query, functions.InvokeWithLayer | functions.InitConnection):
            query = query.query
        handler = self.handlers.get(type(query))
        try:
            if handler is None:
                raise RpcError(400, "METHOD_NOT_IMPLEMENTED")
            result = handler(query)
            if inspect.isawaitable(result):
                result = await result
        except RpcError as exc:
            session.answer_error(call.msg_id, exc.code, exc.name)
        else:
            session.answer(call.msg_id, result)
        await self._flush(session)

    async def _flush(self, session: ServerSession) -> None:
        conn = self._bound.get((session.auth_key.key_id, session.session_id))
        if conn is not None and conn in self.live:
            with suppress(trio.BrokenResourceError, trio.ClosedResourceError):
                await conn.send(session.data_to_send(), mute=self.mute)


@pytest.fixture(scope="session")
def server_key() -> RsaPrivateKey:
    return RsaPrivateKey.from_pem(KEY_PEM.read_bytes())


@asynccontextmanager
async def _running(server: MiniServer) -> AsyncIterator[MiniServer]:
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve)
        yield server
        nursery.cancel_scope.cancel()


@pytest.fixture
async def server(server_key: RsaPrivateKey) -> AsyncIterator[MiniServer]:
    async with _running(MiniServer(server_key)) as running:
        yield running
