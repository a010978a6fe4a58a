"""serve() / open_server(): ports, listeners and the background sweeper."""

from __future__ import annotations

import socket

import attrs
import pytest
import trio
from gateway_client import connect_and_login, run_gateway

from tgcore.crypto import RsaPrivateKey
from tgcore.tl import functions
from tgserver.app import ServerInfo, open_server
from tgserver.config import ServerConfig
from tgserver.gateway import GatewayLimits
from tgserver.rpc import Dispatcher
from tgserver.store import AuthKeyRecord, MemoryAuthKeyStore


def test_websocket_url() -> None:
    info = ServerInfo(host="::1", port=1, ws_port=None, fingerprint=0, public_key_pem=b"")
    assert info.websocket_url == "ws://[::1]:1/apiws"
    assert "public_key_pem" not in repr(info)


async def test_server_info(server: ServerInfo, server_key: RsaPrivateKey) -> None:
    assert server.port > 0 and server.ws_port is None
    assert server.fingerprint == server_key.fingerprint
    assert server.public_key_pem == server_key.public_key.to_pem()


async def test_a_taken_websocket_port_fails_cleanly(server_config: ServerConfig) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = attrs.evolve(server_config, ws_port=taken.getsockname()[1])
        with pytest.RaisesGroup(OSError, flatten_subgroups=True):
            async with open_server(config):
                pass


async def test_localhost_gets_one_port(server_config: ServerConfig) -> None:
    try:
        socket.getaddrinfo("localhost", 0)
    except OSError:  # pragma: no cover
        pytest.skip("no resolver for localhost")
    async with open_server(attrs.evolve(server_config, host="localhost")) as info:
        assert info.port > 0


async def test_sweeper_runs_in_the_background(server_key: RsaPrivateKey) -> None:
    store = MemoryAuthKeyStore()
    await store.add(
        AuthKeyRecord(key_id=1, key=b"\x01" * 256, created_at=0.0, is_temp=True, expires_at=1)
    )
    limits = GatewayLimits(sweep_interval=0.02, session_ttl=0.05)
    async with run_gateway(Dispatcher(), server_key, store=store, limits=limits) as (port, gw):
        client, created = await connect_and_login(port, server_key.public_key)
        async with client:
            await client.call(functions.Ping(ping_id=1))
        key_id = created.auth_key.key_id
        with trio.fail_after(5):
            while gw.router.sessions(key_id) or gw.registry.cached(key_id):  # noqa: ASYNC110
                await trio.sleep(0.02)
        assert await store.get(1) is None  # the expired temporary key was deleted
        assert await store.get(key_id) is not None
