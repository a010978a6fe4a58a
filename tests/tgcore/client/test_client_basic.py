"""The client against the in-test server: transports, invoking, errors, sessions, lifecycle."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import trio

from tgcore.client import (
    BadRequestError,
    Client,
    ClientClosedError,
    ClientConfig,
    ConnectError,
    ConnectionLostError,
    InternalServerError,
    RequestTimeoutError,
    TransportConfig,
    UnauthorizedError,
)
from tgcore.crypto import RsaPrivateKey
from tgcore.errors import FloodWait, LocalProtocolError, RpcError, SecurityError, StorageError
from tgcore.storage import MemorySessionStore, SessionData, SqliteSessionStore
from tgcore.tl import LAYER, TLDecodeError, functions, types

if TYPE_CHECKING:
    from .conftest import MiniServer

NEAREST = types.NearestDc(country="NL", this_dc=2, nearest_dc=2)


async def until(predicate: Callable[[], object]) -> None:
    """Poll state the test does not own; the caller bounds it with trio.fail_after."""
    while not predicate():  # noqa: ASYNC110
        await trio.sleep(0.01)


def make_client(
    server: MiniServer, key: RsaPrivateKey, *, session: Any = None, **config: Any
) -> Client:
    return Client(
        "127.0.0.1",
        server.port,
        public_key=key.public_key,
        session=session,
        config=ClientConfig(**config),
    )


@pytest.mark.parametrize("transport", TransportConfig.NAMES)
async def test_every_transport(
    transport: str, server: MiniServer, server_key: RsaPrivateKey
) -> None:
    config = TransportConfig.from_name(transport)
    async with make_client(server, server_key, transport=config) as client:
        assert client.connected
        assert await client(functions.help.GetNearestDc()) == NEAREST
        pong = await client(functions.Ping(ping_id=7))
        assert isinstance(pong, types.Pong) and pong.ping_id == 7
        # Enough concurrent calls to travel in containers.
        async with trio.open_nursery() as nursery:
            for _ in range(20):
                nursery.start_soon(client, functions.help.GetNearestDc())
    assert server.handshakes == 1
    assert not client.connected


async def test_first_request_wrapped_in_init_connection(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    config: dict[str, Any] = {
        "api_id": 12345,
        "device_model": "pytest",
        "system_version": "Trio",
        "app_version": "9.9",
        "lang_code": "nl",
        "system_lang_code": "nl-NL",
    }
    async with make_client(server, server_key, **config) as client:
        await client(functions.Ping(ping_id=1))  # service functions are never wrapped
        await client(functions.help.GetNearestDc())
        await client(functions.help.GetNearestDc())
    # The ping was answered by the server's session layer: not an RPC.
    first, second = server.received
    assert isinstance(first, functions.InvokeWithLayer)
    assert first.layer == LAYER
    init = first.query
    assert isinstance(init, functions.InitConnection)
    assert (init.api_id, init.device_model, init.system_version, init.app_version) == (
        12345,
        "pytest",
        "Trio",
        "9.9",
    )
    assert (init.system_lang_code, init.lang_pack, init.lang_code) == ("nl-NL", "", "nl")
    assert isinstance(init.query, functions.help.GetNearestDc)
    assert isinstance(second, functions.help.GetNearestDc)


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        (400, "PEER_ID_INVALID", BadRequestError),
        (401, "AUTH_KEY_UNREGISTERED", UnauthorizedError),
        (500, "INTERNAL", InternalServerError),
        (777, "WHATEVER", RpcError),
    ],
)
async def test_rpc_errors(
    code: int, name: str, expected: type[RpcError], server: MiniServer, server_key: RsaPrivateKey
) -> None:
    def fail(request: object) -> types.NearestDc:
        raise RpcError(code, name)

    server.handlers[functions.help.GetNearestDc] = fail
    async with make_client(server, server_key) as client:
        with pytest.raises(expected) as info:
            await client(functions.help.GetNearestDc())
        assert type(info.value) is expected
        assert (info.value.code, info.value.name) == (code, name)
        # The connection is still fine.
        assert (await client(functions.Ping(ping_id=3))).ping_id == 3


async def test_flood_wait(server: MiniServer, server_key: RsaPrivateKey) -> None:
    def flood(request: object) -> types.NearestDc:
        raise RpcError(420, "FLOOD_WAIT_17")

    server.handlers[functions.help.GetNearestDc] = flood
    async with make_client(server, server_key) as client:
        with pytest.raises(FloodWait) as info:
            await client(functions.help.GetNearestDc())
    assert info.value.seconds == 17


async def test_unimplemented_method(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key) as client:
        with pytest.raises(BadRequestError, match="METHOD_NOT_IMPLEMENTED"):
            await client(functions.help.GetConfig())


async def test_undecodable_result(server: MiniServer, server_key: RsaPrivateKey) -> None:
    server.handlers[functions.help.GetNearestDc] = lambda r: types.Pong(msg_id=1, ping_id=2)
    async with make_client(server, server_key) as client:
        with pytest.raises(TLDecodeError):
            await client(functions.help.GetNearestDc())


async def test_request_timeout(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async def never(request: object) -> types.NearestDc:
        await trio.sleep_forever()
        raise AssertionError

    server.handlers[functions.help.GetNearestDc] = never
    async with make_client(server, server_key, request_timeout=0.2) as client:
        with pytest.raises(RequestTimeoutError, match="GetNearestDc"):
            await client(functions.help.GetNearestDc())
        session = client.sender.session
        assert session is not None and session.pending() == []
        assert (await client(functions.Ping(ping_id=4))).ping_id == 4


async def test_cancelled_call_is_forgotten(server: MiniServer, server_key: RsaPrivateKey) -> None:
    release = trio.Event()

    async def slow(request: object) -> types.NearestDc:
        await release.wait()
        return NEAREST

    server.handlers[functions.help.GetNearestDc] = slow
    async with make_client(server, server_key) as client:
        with trio.move_on_after(0.1) as scope:
            await client(functions.help.GetNearestDc())
        assert scope.cancelled_caught
        session = client.sender.session
        assert session is not None and session.pending() == []
        release.set()  # the late answer arrives and is ignored
        assert (await client(functions.Ping(ping_id=5))).ping_id == 5


async def test_not_a_request(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key) as client:
        with pytest.raises(TypeError):
            await client(types.Pong(msg_id=1, ping_id=1))  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await client.sender.invoke(object(), limit=None)  # type: ignore[arg-type]


# -- sessions ---------------------------------------------------------------------------------


async def test_memory_session_reused(server: MiniServer, server_key: RsaPrivateKey) -> None:
    store = MemorySessionStore()
    async with make_client(server, server_key, session=store) as client:
        await client(functions.help.GetNearestDc())
        key = client.auth_key
        assert client.sender.handshakes == 1
    data = await store.load()
    assert data is not None and key is not None
    assert (data.dc_id, data.host, data.port, data.auth_key) == (
        2,
        "127.0.0.1",
        server.port,
        key.key,
    )
    assert data.user_id is None
    async with make_client(server, server_key, session=store) as client:
        assert client.auth_key == key
        assert client.sender.handshakes == 0
        await client(functions.help.GetNearestDc())
    assert server.handshakes == 1


async def test_sqlite_session_reused(
    server: MiniServer, server_key: RsaPrivateKey, tmp_path: Path
) -> None:
    path = tmp_path / "me.session"
    async with make_client(server, server_key, session=SqliteSessionStore(path)) as client:
        await client(functions.help.GetNearestDc())
        key = client.auth_key
    async with make_client(server, server_key, session=SqliteSessionStore(path)) as client:
        assert client.auth_key == key
        assert await client(functions.help.GetNearestDc()) == NEAREST
    assert server.handshakes == 1


async def test_wrong_salt_is_learned_and_saved(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    store = MemorySessionStore()
    async with make_client(server, server_key, session=store) as client:
        await client(functions.help.GetNearestDc())
    data = await store.load()
    assert data is not None
    good_salt = data.salt
    await store.save(attrs.evolve(data, salt=12345))
    async with make_client(server, server_key, session=store) as client:
        # bad_server_salt, then the request goes out again with the right salt.
        assert await client(functions.help.GetNearestDc()) == NEAREST
    data = await store.load()
    assert data is not None and data.salt == good_salt


async def test_stored_key_of_another_dc_is_not_used(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    other = SessionData(dc_id=5, host="10.0.0.1", port=443, auth_key=b"\x01" * 256)
    store = MemorySessionStore(other)
    async with make_client(server, server_key, session=store) as client:
        await client(functions.help.GetNearestDc())
    assert client.sender.handshakes == 1
    data = await store.load()
    assert data is not None and data.dc_id == 2


# -- connecting and closing -------------------------------------------------------------------


async def test_connect_refused() -> None:
    with trio.socket.socket() as sock:
        await sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        client = Client("127.0.0.1", port, public_key=RsaPrivateKey.generate().public_key)
        with pytest.raises(ConnectError, match="could not connect") as info:
            async with client:
                raise AssertionError("unreachable")
    assert isinstance(info.value.__cause__, OSError)


async def test_connect_timeout(server_key: RsaPrivateKey) -> None:
    async def mute(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(trio.serve_tcp, mute, 0)
        port = listeners[0].socket.getsockname()[1]
        client = Client(
            "127.0.0.1",
            port,
            public_key=server_key.public_key,
            config=ClientConfig(connect_timeout=0.2),
        )
        with pytest.raises(ConnectError, match="timed out"):
            async with client:
                raise AssertionError("unreachable")
        nursery.cancel_scope.cancel()


async def test_untrusted_server_key(server: MiniServer) -> None:
    other = RsaPrivateKey.generate()
    with pytest.raises(SecurityError):
        async with Client("127.0.0.1", server.port, public_key=other.public_key.to_pem()):
            raise AssertionError("unreachable")


async def test_public_key_forms(server: MiniServer, server_key: RsaPrivateKey) -> None:
    for form in (server_key.public_key.to_pem(), server_key.public_key.to_pem().decode()):
        async with Client("127.0.0.1", server.port, public_key=form) as client:
            assert await client(functions.help.GetNearestDc()) == NEAREST
    async with Client("127.0.0.1", server.port, public_key=[server_key.public_key]) as client:
        assert client.dc_id == 2
    with pytest.raises(TypeError):
        Client("127.0.0.1", server.port, public_key=[])
    with pytest.raises(TypeError):
        Client("127.0.0.1", server.port, public_key=[b"x"])  # type: ignore[list-item]


async def test_disconnect_fails_waiting_calls(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    async def never(request: object) -> types.NearestDc:
        await trio.sleep_forever()
        raise AssertionError

    server.handlers[functions.help.GetNearestDc] = never
    errors: list[BaseException] = []

    async def call(client: Client) -> None:
        try:
            await client(functions.help.GetNearestDc())
        except ClientClosedError as exc:
            errors.append(exc)

    async with make_client(server, server_key) as client:
        assert client.session_id is not None
        assert client.session_store is not None
        assert client.config.transport.name == "abridged"
        async with trio.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(call, client)
            await trio.sleep(0.1)
            await client.disconnect()
        assert len(errors) == 3
        assert not client.connected
        await client.disconnect()  # idempotent
        with pytest.raises(ClientClosedError):
            await client(functions.help.GetNearestDc())
    with pytest.raises(ClientClosedError):
        await client(functions.help.GetNearestDc())
    with pytest.raises(LocalProtocolError):
        async with client:
            pass


async def test_not_entered(server_key: RsaPrivateKey) -> None:
    client = Client("127.0.0.1", 1, public_key=server_key.public_key)
    assert client.auth_key is None and client.session_id is None
    await client.disconnect()
    with pytest.raises(ClientClosedError, match="async with"):
        await client(functions.help.GetNearestDc())


async def test_body_exception_propagates_unwrapped(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    with pytest.raises(KeyError):
        async with make_client(server, server_key):
            raise KeyError("mine")


# -- updates, acks, pings ---------------------------------------------------------------------


async def test_updates_are_delivered_and_acknowledged(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    async with make_client(server, server_key, ack_delay=0.05) as client:
        await client(functions.help.GetNearestDc())
        update = types.UpdatesTooLong()
        await server.push(update)
        with trio.fail_after(2):
            assert await client.updates.receive() == update
        # The update needs an acknowledgment; with nothing else to send, it goes alone.
        with trio.fail_after(2):
            await until(lambda: server.acked)
    # The channel ends with the client.
    assert [u async for u in client.updates] == []


async def test_updates_overflow_drops_the_oldest(
    server: MiniServer, server_key: RsaPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_client(server, server_key, updates_capacity=2) as client:
        await client(functions.help.GetNearestDc())
        for pts in range(4):
            await server.push(types.UpdateShort(update=types.UpdateConfig(), date=pts))
        with trio.fail_after(2):
            await until(lambda: client.updates.dropped >= 2)
        got = [client.updates.receive_nowait(), client.updates.receive_nowait()]
    assert [u.date for u in got] == [2, 3]  # type: ignore[attr-defined]
    assert "updates queue full" in caplog.text


async def test_keepalive_pings(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key, ping_interval=0.05) as client:
        with trio.fail_after(2):
            await until(lambda: len(server.pings) >= 2)
        assert client.connected
    assert all(p.disconnect_delay == 75 for p in server.pings)
    assert client.sender.connections == 1


async def test_unanswered_ping_replaces_the_connection(
    server: MiniServer, server_key: RsaPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "tgcore.client")
    async with make_client(server, server_key, ping_interval=0.05, ping_timeout=0.1) as client:
        await client(functions.help.GetNearestDc())
        server.silent = True
        with trio.fail_after(3):
            await until(lambda: client.sender.connections >= 2)
        server.silent = False
        assert await client(functions.help.GetNearestDc()) == NEAREST
    assert "no answer to PingDelayDisconnect" in caplog.text


async def test_server_key_changed_is_fatal(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key) as client:
        await client(functions.help.GetNearestDc())
        server.key = RsaPrivateKey.generate()  # an impostor, or a reinstalled server
        server.forget_keys()
        with pytest.raises(ConnectionLostError, match="security check failed"):
            await client(functions.help.GetNearestDc())
        assert client.sender.closed


async def test_websocket_to_a_plain_tcp_server(server_key: RsaPrivateKey) -> None:
    async def hang_up(stream: trio.SocketStream) -> None:
        await stream.receive_some()
        await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(trio.serve_tcp, hang_up, 0)
        port = listeners[0].socket.getsockname()[1]
        config = ClientConfig(transport=TransportConfig.from_name("websocket"))
        with pytest.raises(ConnectError):
            async with Client("127.0.0.1", port, public_key=server_key.public_key, config=config):
                raise AssertionError("unreachable")
        nursery.cancel_scope.cancel()


class FailingStore(MemorySessionStore):
    async def save(self, data: SessionData) -> None:
        await trio.lowlevel.checkpoint()
        raise StorageError("disk full")


async def test_failing_store_is_logged_not_fatal(
    server: MiniServer, server_key: RsaPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    store = FailingStore()
    async with make_client(server, server_key, session=store) as client:
        assert await client(functions.help.GetNearestDc()) == NEAREST
    assert "could not save the session: disk full" in caplog.text


async def test_no_request_timeout(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key, request_timeout=None) as client:
        assert await client(functions.help.GetNearestDc()) == NEAREST
