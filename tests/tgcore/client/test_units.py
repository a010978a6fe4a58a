"""The client's small parts on their own: config values, error mapping, updates, streams."""

from __future__ import annotations

import logging
import re

import pytest
import trio
import trio.testing
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import generate_accept_token

from tgcore.client import (
    BadMessageError,
    BadRequestError,
    ClientClosedError,
    ClientConfig,
    Connection,
    ForbiddenError,
    Framing,
    InternalServerError,
    NotAcceptableError,
    NotFoundError,
    ReconnectPolicy,
    RequestTimeoutError,
    SeeOtherError,
    Sender,
    TransportConfig,
    UnauthorizedError,
    UpdateQueue,
    WebSocketStream,
    open_connection,
    rpc_error,
)
from tgcore.client._calls import Call, Calls
from tgcore.crypto import AuthKey
from tgcore.errors import FloodWait, RemoteProtocolError, RpcError, TransportError
from tgcore.mtproto.session import (
    BadMessage,
    ClientSession,
    MalformedMessage,
    NewSession,
    RpcErrorReceived,
    RpcResult,
    SaltChanged,
    UpdateReceived,
)
from tgcore.mtproto.transport import (
    Abridged,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    Role,
    ServerTransport,
)
from tgcore.storage import MemorySessionStore
from tgcore.testing import SeededRandom
from tgcore.tl import functions, types

# -- config -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TransportConfig.NAMES)
def test_transport_names_round_trip(name: str) -> None:
    config = TransportConfig.from_name(name)
    assert config.name == name
    framer = config.make_framer()
    assert framer.role is Role.CLIENT
    assert isinstance(framer, Obfuscated2) == config.obfuscated
    if config.websocket:
        assert config.obfuscated and config.ws_path == "/apiws"


def test_transport_framers() -> None:
    expected = {
        Framing.ABRIDGED: Abridged,
        Framing.INTERMEDIATE: Intermediate,
        Framing.PADDED: PaddedIntermediate,
        Framing.FULL: Full,
    }
    for framing, cls in expected.items():
        assert type(TransportConfig(framing).make_framer()) is cls
    obfuscated = TransportConfig(Framing.PADDED, obfuscated=True).make_framer()
    assert isinstance(obfuscated, Obfuscated2) and obfuscated.codec is PaddedIntermediate


@pytest.mark.parametrize("name", ["", "tcp", "obfuscated-full", "websocket-full", "http"])
def test_unknown_transport_names(name: str) -> None:
    with pytest.raises(ValueError, match="unknown transport"):
        TransportConfig.from_name(name)


def test_transport_validation() -> None:
    with pytest.raises(ValueError, match="full"):
        TransportConfig(Framing.FULL, obfuscated=True)
    with pytest.raises(ValueError, match="obfuscated=True"):
        TransportConfig(websocket=True)
    with pytest.raises(ValueError, match="ws_path"):
        TransportConfig(obfuscated=True, websocket=True, ws_path="apiws")


def test_client_config_defaults_and_validation() -> None:
    config = ClientConfig()
    assert config.transport == TransportConfig()
    assert config.ping_interval == 60 and config.ping_disconnect_delay == 75
    assert config.app_version and config.system_version
    assert "api_hash" not in repr(ClientConfig(api_hash="secret"))
    for bad in ({"request_timeout": 0}, {"ping_interval": -1}, {"updates_capacity": 0}):
        with pytest.raises(ValueError):
            ClientConfig(**bad)  # type: ignore[arg-type]
    assert ClientConfig(request_timeout=None).request_timeout is None


def test_reconnect_policy_delays() -> None:
    policy = ReconnectPolicy(initial_delay=1.0, max_delay=5.0, multiplier=2.0, jitter=0.0)
    assert [policy.delay(n) for n in range(6)] == [0.0, 1.0, 2.0, 4.0, 5.0, 5.0]
    jittered = ReconnectPolicy(initial_delay=1.0, jitter=0.5)
    rng = SeededRandom(1)
    delays = [jittered.delay(1, rng) for _ in range(50)]
    assert all(0.5 <= d <= 1.0 for d in delays) and len(set(delays)) > 1
    with pytest.raises(ValueError):
        ReconnectPolicy(jitter=2.0)
    with pytest.raises(ValueError):
        ReconnectPolicy(initial_delay=0)


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "cls"),
    [
        (303, "USER_MIGRATE_4", SeeOtherError),
        (400, "PEER_ID_INVALID", BadRequestError),
        (401, "AUTH_KEY_UNREGISTERED", UnauthorizedError),
        (403, "CHAT_WRITE_FORBIDDEN", ForbiddenError),
        (404, "NOT_FOUND", NotFoundError),
        (406, "FRESH_RESET_AUTHORISATION_FORBIDDEN", NotAcceptableError),
        (500, "INTERNAL", InternalServerError),
        (503, "TIMEOUT", InternalServerError),
        (420, "FLOOD_WAIT_31", FloodWait),
        (420, "SOMETHING", RpcError),
        (-503, "Timeout", RpcError),
    ],
)
def test_rpc_error_classes(code: int, name: str, cls: type[RpcError]) -> None:
    error = rpc_error(code, name)
    assert type(error) is cls
    assert (error.code, error.name) == (code, name)


def test_flood_wait_seconds() -> None:
    error = rpc_error(420, "FLOOD_WAIT_5")
    assert isinstance(error, FloodWait) and error.seconds == 5


def test_client_error_types() -> None:
    assert isinstance(RequestTimeoutError("x"), TimeoutError)
    error = BadMessageError(64)
    assert error.code == 64 and "64" in str(error)


# -- updates ----------------------------------------------------------------------------------


async def test_update_queue_receive_and_close() -> None:
    queue = UpdateQueue(3)
    assert queue.capacity == 3 and not queue.closed and len(queue) == 0
    with pytest.raises(trio.WouldBlock):
        queue.receive_nowait()
    got: list[object] = []

    async def reader() -> None:
        async for update in queue:
            got.append(update)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        await trio.testing.wait_all_tasks_blocked()
        queue.put(types.UpdatesTooLong())
        await trio.testing.wait_all_tasks_blocked()
        assert got == [types.UpdatesTooLong()]
        queue.close()
    queue.put(types.UpdatesTooLong())  # ignored once closed
    assert queue.closed and len(queue) == 0
    with pytest.raises(trio.EndOfChannel):
        await queue.receive()
    with pytest.raises(trio.EndOfChannel):
        queue.receive_nowait()


async def test_update_queue_drops_oldest(caplog: pytest.LogCaptureFixture) -> None:
    queue = UpdateQueue(2)
    with caplog.at_level(logging.WARNING, "tgcore.client"):
        for date in range(5):
            queue.put(types.UpdateShort(update=types.UpdateConfig(), date=date))
    assert queue.dropped == 3
    assert caplog.text.count("updates queue full") == 1  # one warning per run of drops
    assert [queue.receive_nowait().date for _ in range(2)] == [3, 4]  # type: ignore[attr-defined]
    queue.close()
    with pytest.raises(ValueError):
        UpdateQueue(0)


async def test_update_queue_receive_is_a_checkpoint() -> None:
    queue = UpdateQueue(1)
    queue.put(types.UpdatesTooLong())
    with trio.CancelScope() as scope:
        scope.cancel()
        await queue.receive()
    assert scope.cancelled_caught
    assert len(queue) == 1  # not consumed by the cancelled receive


# -- connection -------------------------------------------------------------------------------


async def test_connection_frames_and_transport_errors() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    connection = Connection(client_stream, Intermediate(Role.CLIENT))
    assert connection.stream is client_stream
    server = ServerTransport()
    await connection.send([b"\x00" * 20, b"\x01" * 24])
    await connection.send([])
    frames = server.feed(bytes(await server_stream.receive_some()))
    assert [f.payload for f in frames] == [b"\x00" * 20, b"\x01" * 24]  # type: ignore[union-attr]
    await server_stream.send_all(server.pack(b"\x02" * 28))
    assert await connection.receive() == [b"\x02" * 28]
    await server_stream.send_all(server.pack_error(-404))
    with pytest.raises(TransportError) as info:
        await connection.receive()
    assert info.value.code == -404
    await server_stream.aclose()
    with pytest.raises(trio.BrokenResourceError):
        await connection.receive()
    await connection.aclose()


async def test_connection_strips_padding() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    connection = Connection(client_stream, PaddedIntermediate(Role.CLIENT))
    server = ServerTransport()
    await connection.send([bytes(8) + b"\x00" * 12 + b"\x00" * 4])  # wake detection
    server.feed(bytes(await server_stream.receive_some()))
    encrypted = b"\x07" * (24 + 32)
    await server_stream.send_all(server.pack(encrypted))
    assert await connection.receive() == [encrypted]


async def test_open_connection_refused() -> None:
    with trio.socket.socket() as sock:
        await sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(OSError):
            await open_connection("127.0.0.1", port)


# -- WebSocket --------------------------------------------------------------------------------


async def _ws_server(
    stream: trio.abc.Stream, answer: object, after: list[object] | None = None
) -> WSConnection:
    ws = WSConnection(ConnectionType.SERVER)
    while True:
        ws.receive_data(bytes(await stream.receive_some()))
        if any(isinstance(e, Request) for e in ws.events()):
            break
    data = ws.send(answer)  # type: ignore[arg-type]
    for event in after or []:
        data += ws.send(event)  # type: ignore[arg-type]
    await stream.send_all(data)
    return ws


async def test_websocket_stream_round_trip() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        server_ws: list[WSConnection] = []

        async def serve() -> None:
            server_ws.append(
                await _ws_server(
                    server_stream,
                    AcceptConnection(subprotocol="binary"),
                    [BytesMessage(data=b"early"), Ping(payload=b"p")],
                )
            )

        nursery.start_soon(serve)
        ws = await WebSocketStream.connect(client_stream, host="h:1")
    server = server_ws[0]
    assert await ws.receive_some(3) == b"ear"
    assert await ws.receive_some() == b"ly"
    await ws.send_all(b"hello")
    await ws.wait_send_all_might_not_block()
    server.receive_data(bytes(await server_stream.receive_some()))
    events = list(server.events())
    assert isinstance(events[0], Pong)  # the ping was answered
    assert any(isinstance(e, BytesMessage) and e.data == b"hello" for e in events)
    # The server closes: the stream ends, the close is answered.
    await server_stream.send_all(server.send(CloseConnection(code=1000)))
    assert await ws.receive_some() == b""
    assert await ws.receive_some() == b""
    with pytest.raises(trio.ClosedResourceError):
        await ws.send_all(b"late")
    await ws.aclose()


async def test_websocket_text_message_is_refused() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        server_ws: list[WSConnection] = []

        async def serve() -> None:
            server_ws.append(await _ws_server(server_stream, AcceptConnection()))

        nursery.start_soon(serve)
        ws = await WebSocketStream.connect(client_stream, host="h:1")
    await server_stream.send_all(server_ws[0].send(TextMessage(data="hello")))
    with pytest.raises(RemoteProtocolError, match="text"):
        await ws.receive_some()
    await ws.aclose()


async def test_websocket_refused_upgrade() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_ws_server, server_stream, RejectConnection(status_code=404))
        with pytest.raises(RemoteProtocolError, match="404"):
            await WebSocketStream.connect(client_stream, host="h:1")


async def test_websocket_wrong_subprotocol() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()

    async def serve() -> None:
        request = await server_stream.receive_some()
        match = re.search(rb"Sec-WebSocket-Key: *([^\r]+)", request, re.IGNORECASE)
        assert match is not None
        accept = generate_accept_token(match.group(1))
        await server_stream.send_all(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n"
            b"Sec-WebSocket-Protocol: json\r\n\r\n"
        )

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        with pytest.raises(RemoteProtocolError):
            await WebSocketStream.connect(client_stream, host="h:1")


async def test_websocket_not_http() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()

    async def garbage() -> None:
        await server_stream.receive_some()
        await server_stream.send_all(b"\x00\x01garbage\r\n\r\n")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(garbage)
        with pytest.raises(RemoteProtocolError, match="upgrade failed"):
            await WebSocketStream.connect(client_stream, host="h:1")


async def test_websocket_closed_during_upgrade() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()

    async def hang_up() -> None:
        await server_stream.receive_some()
        await server_stream.aclose()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(hang_up)
        with pytest.raises(RemoteProtocolError):
            await WebSocketStream.connect(client_stream, host="h:1")


async def test_websocket_broken_frame_ends_the_stream() -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_ws_server, server_stream, AcceptConnection())
        ws = await WebSocketStream.connect(client_stream, host="h:1")
    # Reserved bits set and an unknown opcode: wsproto closes with 1002 (protocol error).
    await server_stream.send_all(b"\x7f\x00")
    with trio.fail_after(1):
        assert await ws.receive_some() == b""
    await ws.aclose()


# -- routing session events to waiting calls ---------------------------------------------------


async def test_sender_before_start() -> None:
    sender = Sender(
        host="h",
        port=1,
        dc_id=2,
        public_keys=[],
        store=MemorySessionStore(),
        config=ClientConfig(),
        updates=UpdateQueue(1),
    )
    assert sender.auth_key is None and sender.session is None and not sender.connected
    with pytest.raises(ClientClosedError):
        await sender.invoke(functions.Ping(ping_id=1), limit=None)


def test_calls_route_events(caplog: pytest.LogCaptureFixture) -> None:
    updates = UpdateQueue(4)
    salts: list[None] = []
    calls = Calls(updates, lambda: salts.append(None))
    session = ClientSession(AuthKey(bytes(range(256))), rng=SeededRandom(2))
    waiting = [Call(functions.Ping(ping_id=i), wrappable=False) for i in range(4)]
    for call in waiting:
        calls.send(session, call, call.request)
    assert len(calls) == 4
    first, second, third, fourth = waiting
    calls.dispatch(
        [
            RpcResult(first.key, b"", first.request, "done"),
            RpcErrorReceived(second.key, 400, "PEER_ID_INVALID"),
            BadMessage(third.key, 64),
            RpcErrorReceived(12345, 400, "UNKNOWN_CALL"),  # for nobody: ignored
            RpcResult(12345, b""),  # likewise
            UpdateReceived(3, b"\x00\x00\x00\x00", None),
            MalformedMessage(4, "truncated"),
            NewSession(5, 6, 7),
            SaltChanged(8),
            UpdateReceived(8, b"", types.UpdatesTooLong()),
        ]
    )
    assert first.result == "done"
    assert isinstance(second.error, BadRequestError)
    assert isinstance(third.error, BadMessageError) and third.error.code == 64
    assert not fourth.done.is_set() and len(calls) == 1
    assert salts == [None]
    assert "could not be decoded" in caplog.text and "truncated" in caplog.text
    assert updates.receive_nowait() == types.UpdatesTooLong()
    calls.forget(session, fourth)
    calls.forget(session, fourth)  # already forgotten: nothing happens
    assert len(calls) == 0
    assert fourth.key not in [p.msg_id for p in session.pending()]
    first.fail(ValueError())  # a completed call stays completed
    assert first.error is None
