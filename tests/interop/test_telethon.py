"""Unmodified Telethon 1.45 against tgserver: handshake, help.getConfig, ping, restarts."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
from telethon import TelegramClient
from telethon.crypto import rsa as telethon_rsa
from telethon.network.connection import (
    ConnectionTcpAbridged,
    ConnectionTcpFull,
    ConnectionTcpIntermediate,
    ConnectionTcpObfuscated,
)
from telethon.sessions import MemorySession
from telethon.tl import functions, types

from tgserver.app import DATABASE_FILE, ServerInfo
from tgserver.config import ServerConfig
from tgserver.testing import BackgroundServer

CONNECTIONS = [
    ConnectionTcpFull,
    ConnectionTcpIntermediate,
    ConnectionTcpAbridged,
    ConnectionTcpObfuscated,
]

log = logging.getLogger(__name__)


def _trust(info: ServerInfo) -> None:
    telethon_rsa.add_key(info.public_key_pem.decode(), old=False)


def _client(
    info: ServerInfo, connection: Any, session: Any = None, *, receive_updates: bool = True
) -> TelegramClient:
    session = session if session is not None else MemorySession()
    client = TelegramClient(
        session,
        api_id=1,
        api_hash="0" * 32,
        connection=connection,
        connection_retries=0,
        retry_delay=0,
        timeout=10,
        receive_updates=receive_updates,
    )
    client.session.set_dc(2, "127.0.0.1", info.port)
    return client


def _key_count(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / DATABASE_FILE)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM auth_keys").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("connection", CONNECTIONS, ids=lambda c: c.__name__)
def test_connect_get_config_and_ping(running_server: ServerInfo, connection: Any) -> None:
    _trust(running_server)

    async def main() -> None:
        client = _client(running_server, connection)
        await client.connect()
        try:
            config = await client(functions.help.GetConfigRequest())
            assert isinstance(config, types.Config)
            assert config.this_dc == 2
            assert [(o.id, o.ip_address, o.port) for o in config.dc_options] == [
                (2, "127.0.0.1", running_server.port)
            ]
            pong = await client(functions.PingRequest(ping_id=1234))
            assert isinstance(pong, types.Pong) and pong.ping_id == 1234
            nearest = await client(functions.help.GetNearestDcRequest())
            assert nearest.this_dc == 2
            assert await client.get_me() is None  # users.getUsers -> AUTH_KEY_UNREGISTERED
            assert not await client.is_user_authorized()
        finally:
            await client.disconnect()

    asyncio.run(main())


def test_without_updates(running_server: ServerInfo) -> None:
    """receive_updates=False wraps every call, pings too, in invokeWithoutUpdates."""
    _trust(running_server)

    async def main() -> None:
        client = _client(running_server, ConnectionTcpIntermediate, receive_updates=False)
        await client.connect()
        try:
            pong = await client(functions.PingRequest(ping_id=77))
            assert pong.ping_id == 77
            assert isinstance(await client(functions.help.GetConfigRequest()), types.Config)
        finally:
            await client.disconnect()

    asyncio.run(main())


@pytest.mark.slow
def test_300_fresh_handshakes(running_server: ServerInfo, server_config: ServerConfig) -> None:
    _trust(running_server)
    count = 300

    async def main() -> float:
        started = time.perf_counter()
        for i in range(count):
            client = _client(running_server, CONNECTIONS[i % len(CONNECTIONS)])
            await client.connect()
            try:
                if i % 25 == 0:
                    pong = await client(functions.PingRequest(ping_id=i))
                    assert pong.ping_id == i
            finally:
                await client.disconnect()
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    log.warning("%d Telethon handshakes in %.1f s", count, elapsed)
    # Every handshake left exactly one key (a 255-byte key's unused twin is dropped on use).
    assert _key_count(server_config.data_dir) == count


def test_reconnect_with_the_stored_key_after_a_restart(
    server_config: ServerConfig, tmp_path: Path
) -> None:
    session_file = str(tmp_path / "telethon")
    first = BackgroundServer(server_config)
    info = first.start()
    _trust(info)

    async def connect_and_call() -> bytes:
        client = _client(info, ConnectionTcpAbridged, session_file)
        await client.connect()
        try:
            config = await client(functions.help.GetConfigRequest())
            assert isinstance(config, types.Config)
            return bytes(client.session.auth_key.key)
        finally:
            await client.disconnect()

    try:
        key = asyncio.run(connect_and_call())
    finally:
        first.stop()
    assert _key_count(server_config.data_dir) == 1
    # Same data directory and port: the client only knows the address it had.
    second = BackgroundServer(attrs.evolve(server_config, port=info.port))
    info = second.start()
    try:
        assert asyncio.run(connect_and_call()) == key
    finally:
        second.stop()
    assert _key_count(server_config.data_dir) == 1  # no new handshake
