"""A raw MTProto client for gateway tests, built from tgcore's sans-IO pieces over Trio sockets.

It speaks any framing, over TCP or WebSocket (wsproto, client side), and exposes the steps
(handshake, encrypted calls, raw bytes) so tests can also misbehave on purpose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    RejectConnection,
    Request,
)

from tgcore.crypto import AuthKey, RsaPrivateKey, RsaPublicKey
from tgcore.mtproto.handshake import AuthKeyCreated, ClientHandshake
from tgcore.mtproto.session import ClientSession, RpcErrorReceived, RpcResult
from tgcore.mtproto.transport import (
    Abridged,
    Frame,
    Framer,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    QuickAck,
    Role,
    TransportErrorReceived,
    TransportEvent,
    strip_padding,
)
from tgcore.tl import TLObject
from tgserver.gateway import Gateway, GatewayLimits, KeyRegistry
from tgserver.rpc import Dispatcher
from tgserver.store import AuthKeyStore, MemoryAuthKeyStore

FRAMERS: dict[str, Callable[[], Framer]] = {
    "abridged": lambda: Abridged(Role.CLIENT),
    "intermediate": lambda: Intermediate(Role.CLIENT),
    "padded": lambda: PaddedIntermediate(Role.CLIENT),
    "full": lambda: Full(Role.CLIENT),
    "obfuscated2": lambda: Obfuscated2(Role.CLIENT),
    "obfuscated2-intermediate": lambda: Obfuscated2(Role.CLIENT, Intermediate),
    "obfuscated2-padded": lambda: Obfuscated2(Role.CLIENT, PaddedIntermediate),
}


class Closed(Exception):
    """The server closed the connection."""


class WsClientStream:
    """Client side of MTProto over WebSocket: bytes in, binary messages out."""

    def __init__(self, stream: trio.SocketStream, ws: WSConnection, chunk: int | None) -> None:
        self._stream = stream
        self._ws = ws
        self._chunk = chunk
        self._pending = bytearray()
        self._closed = False

    @classmethod
    async def connect(
        cls, host: str, port: int, *, path: str = "/apiws", chunk: int | None = None
    ) -> WsClientStream:
        stream = await trio.open_tcp_stream(host, port)
        ws = WSConnection(ConnectionType.CLIENT)
        await stream.send_all(ws.send(Request(host=host, target=path, subprotocols=["binary"])))
        while True:
            data = await stream.receive_some(65536)
            if not data:
                raise Closed("closed during the upgrade")
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    assert event.subprotocol == "binary"
                    return cls(stream, ws, chunk)
                if isinstance(event, RejectConnection):
                    await stream.aclose()
                    raise Closed(f"upgrade rejected: {event.status_code}")

    async def send_all(self, data: bytes) -> None:
        # Split into odd-sized messages so frames and messages do not line up.
        step = self._chunk or len(data) or 1
        for start in range(0, len(data), step):
            message = self._ws.send(BytesMessage(data=data[start : start + step]))
            await self._stream.send_all(message)

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        while not self._pending:
            if self._closed:
                return b""
            data = await self._stream.receive_some(65536)
            if not data:
                return b""
            self._ws.receive_data(data)
            for event in self._ws.events():
                if isinstance(event, BytesMessage):
                    self._pending += event.data
                elif isinstance(event, CloseConnection):
                    self._closed = True
        data = bytes(self._pending)
        self._pending.clear()
        return data

    async def aclose(self) -> None:
        await self._stream.aclose()


class RawClient:
    """One connection: a framer over a stream, plus handshake and session helpers."""

    def __init__(self, stream: Any, framer: Framer) -> None:
        self.stream = stream
        self.framer = framer
        self.session: ClientSession | None = None
        self.events: list[TransportEvent] = []
        self.quick_acks: list[int] = []
        self.seen: list[object] = []

    @classmethod
    async def connect(
        cls,
        port: int,
        transport: str = "abridged",
        *,
        host: str = "127.0.0.1",
        websocket: bool = False,
        ws_chunk: int | None = None,
    ) -> RawClient:
        framer = FRAMERS[transport]()
        if websocket:
            stream: Any = await WsClientStream.connect(host, port, chunk=ws_chunk)
        else:
            stream = await trio.open_tcp_stream(host, port)
        return cls(stream, framer)

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- bytes and frames -----------------------------------------------------------------------

    async def send_raw(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def send(self, payload: bytes, *, quick_ack: bool = False) -> None:
        await self.stream.send_all(self.framer.pack(payload, quick_ack=quick_ack))

    async def receive_event(self) -> TransportEvent:
        """The next transport event; raises Closed at EOF."""
        while not self.events:
            data = await self.stream.receive_some(65536)
            if not data:
                raise Closed("the server closed the connection")
            self.events.extend(self.framer.feed(bytes(data)))
        return self.events.pop(0)

    async def receive_payload(self) -> bytes:
        event = await self.receive_event()
        if isinstance(event, TransportErrorReceived):
            raise AssertionError(f"transport error {event.code}")
        assert isinstance(event, Frame), event
        return strip_padding(event.payload) if self.framer.padded else event.payload

    async def expect_closed(self) -> list[TransportEvent]:
        """Read until EOF; returns the events received meanwhile (errors included)."""
        events: list[TransportEvent] = []
        try:
            while True:
                events.append(await self.receive_event())
        except (Closed, trio.BrokenResourceError):
            return events

    # -- MTProto --------------------------------------------------------------------------------

    async def handshake(self, public_key: RsaPublicKey, *, dc_id: int | None = 2) -> AuthKeyCreated:
        hs = ClientHandshake([public_key], dc_id=dc_id)
        await self.send(hs.start())
        while True:
            replies, done = hs.receive(await self.receive_payload())
            for reply in replies:
                await self.send(reply)
            if done is not None:
                return done

    def start_session(self, auth_key: AuthKey, salt: int = 0, **kwargs: Any) -> ClientSession:
        self.session = ClientSession(auth_key, salt, **kwargs)
        return self.session

    async def flush(self, *, quick_ack: bool = False) -> None:
        assert self.session is not None
        for payload in self.session.data_to_send():
            await self.send(payload, quick_ack=quick_ack)

    async def call(self, request: TLObject | bytes, *, quick_ack: bool = False) -> Any:
        """Send a request and return its result (raises RpcErrorReceived as an exception)."""
        assert self.session is not None
        msg_id = self.session.send(request)
        await self.flush(quick_ack=quick_ack)
        return await self.wait_answer(msg_id)

    async def wait_answer(self, msg_id: int) -> Any:
        assert self.session is not None
        while True:
            event = await self.receive_event()
            if isinstance(event, QuickAck):
                self.quick_acks.append(event.token)
                continue
            if isinstance(event, TransportErrorReceived):
                raise AssertionError(f"transport error {event.code}")
            payload = strip_padding(event.payload) if self.framer.padded else event.payload
            for got in self.session.receive(payload):
                self.seen.append(got)
                if isinstance(got, RpcResult) and got.req_msg_id == msg_id:
                    await self.flush()
                    return got.result if got.result is not None else got.body
                if isinstance(got, RpcErrorReceived) and got.req_msg_id == msg_id:
                    raise RpcFailed(got.code, got.name)
            await self.flush()


class RpcFailed(Exception):
    def __init__(self, code: int, name: str) -> None:
        super().__init__(f"{code} {name}")
        self.code = code
        self.name = name


async def connect_and_login(
    port: int, public_key: RsaPublicKey, transport: str = "abridged", **kwargs: Any
) -> tuple[RawClient, AuthKeyCreated]:
    """A connected client that finished a handshake and started a session."""
    client = await RawClient.connect(port, transport, **kwargs)
    try:
        created = await client.handshake(public_key)
    except BaseException:
        await client.aclose()
        raise
    client.start_session(created.auth_key, created.first_salt, time_offset=created.time_offset)
    return client, created


@asynccontextmanager
async def run_gateway(
    dispatcher: Dispatcher,
    server_key: RsaPrivateKey,
    *,
    store: AuthKeyStore | None = None,
    limits: GatewayLimits | None = None,
) -> AsyncIterator[tuple[int, Gateway]]:
    """A bare gateway (custom dispatcher, memory store) on a free port: (port, gateway)."""
    registry = KeyRegistry(store if store is not None else MemoryAuthKeyStore())
    gateway = Gateway(
        server_keys=[server_key], registry=registry, dispatcher=dispatcher, dc_id=2, limits=limits
    )
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.serve, listeners)
        yield port, gateway
        nursery.cancel_scope.cancel()
