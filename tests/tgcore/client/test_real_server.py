"""The client against the real tgserver (``tgserver.app.open_server``) over sockets on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from tgcore.client import (
    BadRequestError,
    Client,
    ClientConfig,
    ReconnectPolicy,
    RequestTimeoutError,
    TransportConfig,
    UnauthorizedError,
)
from tgcore.storage import SessionData, SqliteSessionStore
from tgcore.tl import functions, types

app = pytest.importorskip("tgserver.app")
from tgserver.config import ServerConfig  # noqa: E402

FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.2)


async def until(predicate: Callable[[], object]) -> None:
    """Poll state the test does not own; the caller bounds it with trio.fail_after."""
    while not predicate():  # noqa: ASYNC110
        await trio.sleep(0.01)


@pytest.fixture
async def real_server(tmp_path: Path) -> AsyncIterator[Any]:
    async with app.open_server(ServerConfig(data_dir=tmp_path / "data", port=0)) as info:
        yield info


def make_client(info: Any, session: Any = None, **config: Any) -> Client:
    config.setdefault("reconnect", FAST)
    return Client(
        info.host,
        info.port,
        public_key=info.public_key_pem,
        session=session,
        config=ClientConfig(**config),
    )


def _stored_keys(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / app.DATABASE_FILE) as conn:
        count: int = conn.execute("SELECT COUNT(*) FROM auth_keys").fetchone()[0]
    return count


@pytest.mark.parametrize("transport", TransportConfig.NAMES)
async def test_every_transport(transport: str, real_server: Any) -> None:
    config = TransportConfig.from_name(transport)
    async with make_client(real_server, transport=config) as client:
        got = await client(functions.help.GetConfig())
        assert isinstance(got, types.Config)
        assert got.this_dc == 2
        assert any(o.port == real_server.port for o in got.dc_options)
        pong = await client(functions.Ping(ping_id=1234))
        assert isinstance(pong, types.Pong) and pong.ping_id == 1234
        nearest = await client(functions.help.GetNearestDc())
        assert isinstance(nearest, types.NearestDc) and nearest.this_dc == 2


async def test_get_users_before_login(real_server: Any) -> None:
    async with make_client(real_server) as client:
        with pytest.raises(UnauthorizedError) as info:
            await client(functions.users.GetUsers(id=[types.InputUserSelf()]))
    assert (info.value.code, info.value.name) == (401, "AUTH_KEY_UNREGISTERED")


async def test_not_implemented_method(real_server: Any) -> None:
    async with make_client(real_server) as client:
        await client(functions.help.GetConfig())
        with pytest.raises(BadRequestError) as info:
            await client(functions.account.GetPassword())
        assert info.value.code == 400
        assert info.value.name.startswith("INPUT_METHOD_INVALID")
        # The session carries on.
        assert isinstance(await client(functions.Ping(ping_id=1)), types.Pong)


async def test_concurrent_calls(real_server: Any) -> None:
    async with make_client(real_server) as client:
        results: list[int] = []

        async def ping(i: int) -> None:
            pong = await client(functions.Ping(ping_id=i))
            results.append(pong.ping_id)

        async with trio.open_nursery() as nursery:
            for i in range(200):
                nursery.start_soon(ping, i)
    assert sorted(results) == list(range(200))


async def test_key_reloaded_from_sqlite_session(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    path = tmp_path / "me.session"
    async with app.open_server(ServerConfig(data_dir=data_dir, port=0)) as info:
        async with make_client(info, SqliteSessionStore(path)) as client:
            await client(functions.help.GetConfig())
            key = client.auth_key
            assert client.sender.handshakes == 1
        async with make_client(info, SqliteSessionStore(path)) as client:
            assert client.auth_key == key
            assert isinstance(await client(functions.help.GetConfig()), types.Config)
            assert client.sender.handshakes == 0
    assert _stored_keys(data_dir) == 1


class Proxy:
    """A TCP relay in front of the real server that can stall or cut connections."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.stalled = False  # drop what the server sends
        self._scopes: set[trio.CancelScope] = set()

    def cut(self) -> None:
        for scope in self._scopes:
            scope.cancel()

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            listeners = await nursery.start(trio.serve_tcp, self._relay, 0)
            self.port = listeners[0].socket.getsockname()[1]
            task_status.started()

    async def _relay(self, downstream: trio.SocketStream) -> None:
        try:
            upstream = await trio.open_tcp_stream("127.0.0.1", self.target_port)
        except OSError:  # the server is down: so is this connection
            await downstream.aclose()
            return
        with trio.CancelScope() as scope:
            self._scopes.add(scope)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._pump, downstream, upstream, False, scope)
                nursery.start_soon(self._pump, upstream, downstream, True, scope)
        self._scopes.discard(scope)
        await trio.aclose_forcefully(upstream)
        await trio.aclose_forcefully(downstream)

    async def _pump(
        self, src: trio.SocketStream, dst: trio.SocketStream, stallable: bool, scope: Any
    ) -> None:
        try:
            while data := await src.receive_some(65536):
                if not (stallable and self.stalled):
                    await dst.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        scope.cancel()


@pytest.fixture
async def proxy(real_server: Any) -> AsyncIterator[Proxy]:
    relay = Proxy(real_server.port)
    async with trio.open_nursery() as nursery:
        await nursery.start(relay.serve)
        yield relay
        nursery.cancel_scope.cancel()


def via(proxy: Proxy, info: Any, session: Any = None, **config: Any) -> Client:
    config.setdefault("reconnect", FAST)
    return Client(
        "127.0.0.1",
        proxy.port,
        public_key=info.public_key_pem,
        session=session,
        config=ClientConfig(**config),
    )


async def test_server_restart_pending_requests_complete(tmp_path: Path) -> None:
    """Requests in flight when the server stops, and requests made while it is down, all
    complete once it is back (same data dir, same port), under the same auth key."""
    data_dir = tmp_path / "data"
    session = tmp_path / "me.session"
    stop_first = trio.Event()
    first_stopped = trio.Event()
    async with trio.open_nursery() as nursery:

        async def first_server(*, task_status: trio.TaskStatus[Any]) -> None:
            async with app.open_server(ServerConfig(data_dir=data_dir, port=0)) as info:
                task_status.started(info)
                await stop_first.wait()
            first_stopped.set()

        info = await nursery.start(first_server)
        relay = Proxy(info.port)
        await nursery.start(relay.serve)
        results: list[object] = []

        async def call(i: int) -> None:
            results.append(await client(functions.Ping(ping_id=i)))
            results.append(await client(functions.help.GetNearestDc()))

        async with via(relay, info, session=SqliteSessionStore(session)) as client:
            await client(functions.help.GetConfig())
            key = client.auth_key
            relay.stalled = True  # answers get lost from here on
            async with trio.open_nursery() as calls:
                for i in range(3):
                    calls.start_soon(call, i)
                await trio.sleep(0.1)
                assert results == []
                stop_first.set()  # the server goes away with the requests unanswered
                await first_stopped.wait()
                relay.stalled = False
                for i in range(3, 5):
                    calls.start_soon(call, i)
                await trio.sleep(0.3)  # the client retries while the port is closed
                async with app.open_server(ServerConfig(data_dir=data_dir, port=info.port)):
                    with trio.fail_after(10):
                        await until(lambda: len(results) >= 10)
            assert client.auth_key == key  # the server kept the key: no new handshake
            assert client.sender.handshakes == 1
            assert client.sender.connections >= 2
        nursery.cancel_scope.cancel()
    pongs = [r for r in results if isinstance(r, types.Pong)]
    assert sorted(p.ping_id for p in pongs) == [0, 1, 2, 3, 4]
    assert _stored_keys(data_dir) == 1


async def test_request_timeout(proxy: Proxy, real_server: Any) -> None:
    async with via(proxy, real_server, request_timeout=0.3) as client:
        await client(functions.help.GetConfig())
        proxy.stalled = True
        with pytest.raises(RequestTimeoutError):
            await client(functions.help.GetConfig())
        proxy.stalled = False
        assert isinstance(await client(functions.help.GetConfig()), types.Config)


async def test_connection_cut_pending_requests_complete(proxy: Proxy, real_server: Any) -> None:
    async with via(proxy, real_server) as client:
        await client(functions.help.GetConfig())
        proxy.stalled = True
        results: list[object] = []

        async def call(i: int) -> None:
            results.append(await client(functions.Ping(ping_id=i)))

        async with trio.open_nursery() as nursery:
            for i in range(10):
                nursery.start_soon(call, i)
            await trio.sleep(0.1)
            assert results == []  # answers were swallowed by the stalled proxy
            proxy.stalled = False
            proxy.cut()
        assert sorted(r.ping_id for r in results) == list(range(10))  # type: ignore[attr-defined]
        assert client.sender.connections == 2


async def test_keepalive_against_the_real_server(proxy: Proxy, real_server: Any) -> None:
    async with via(proxy, real_server, ping_interval=0.05, ping_timeout=0.2) as client:
        await trio.sleep(0.3)  # several pings answered
        assert client.sender.connections == 1
        proxy.stalled = True  # pongs no longer arrive: the connection is replaced
        with trio.fail_after(3):
            await until(lambda: client.sender.connections >= 2)
        proxy.stalled = False
        assert isinstance(await client(functions.help.GetConfig()), types.Config)


async def test_stored_key_unknown_to_the_server(real_server: Any, tmp_path: Path) -> None:
    # A session file from another server (or from before the data dir was wiped).
    store = SqliteSessionStore(tmp_path / "stale.session")
    stale = SessionData(
        dc_id=2, host=real_server.host, port=real_server.port, auth_key=bytes(range(256))
    )
    await store.save(stale)
    async with make_client(real_server, store) as client:
        # The server answers -404; the client makes a new key and sends the request again.
        assert isinstance(await client(functions.help.GetConfig()), types.Config)
        assert client.sender.handshakes == 1
        assert client.auth_key is not None and client.auth_key.key != stale.auth_key
    saved = await store.load()
    assert saved is not None and saved.auth_key == client.auth_key.key
