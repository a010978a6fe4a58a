"""Unmodified Kurigram 2.2 against tgserver: only the address and the server key patched in."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tgcore.crypto import RsaPublicKey
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import Client, raw  # noqa: E402
from pyrogram.connection import Connection  # noqa: E402
from pyrogram.connection.transport import (  # noqa: E402
    TCPAbridgedO,
    TCPFull,
    TCPIntermediate,
    TCPIntermediateO,
    TCPIntermediatePadded,
)
from pyrogram.crypto import rsa as pyrogram_rsa  # noqa: E402


def _local_connection(port: int) -> type[Connection]:
    """Kurigram's own Connection, told to dial this server instead of Telegram's DC 2."""

    class LocalConnection(Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["server_address"] = "127.0.0.1"
            kwargs["port"] = port
            super().__init__(*args, **kwargs)

    return LocalConnection


@pytest.fixture
def trusted(running_server: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> ServerInfo:
    """Kurigram trusts the server key (its table maps fingerprint -> (n, e))."""
    key = RsaPublicKey.from_pem(running_server.public_key_pem)
    monkeypatch.setitem(
        pyrogram_rsa.server_public_keys,
        running_server.fingerprint,
        pyrogram_rsa.PublicKey(m=key.n, e=key.e),
    )
    return running_server


def test_connect_and_get_config(trusted: ServerInfo) -> None:
    """Kurigram's defaults (abridged transport), nothing else set."""
    config = asyncio.run(_connect_and_get_config(trusted))
    assert isinstance(config, raw.types.Config)
    assert config.this_dc == 2
    assert [(o.id, o.ip_address, o.port) for o in config.dc_options] == [
        (2, "127.0.0.1", trusted.port)
    ]


@pytest.mark.parametrize(
    "protocol",
    [TCPAbridgedO, TCPFull, TCPIntermediate, TCPIntermediateO, TCPIntermediatePadded],
    ids=lambda p: p.__name__,
)
def test_every_kurigram_transport(trusted: ServerInfo, protocol: Any) -> None:
    config = asyncio.run(_connect_and_get_config(trusted, protocol_factory=protocol))
    assert isinstance(config, raw.types.Config)


async def _connect_and_get_config(info: ServerInfo, **options: Any) -> Any:
    client = Client(
        "interop",
        api_id=1,
        api_hash="0" * 32,
        in_memory=True,
        connection_factory=_local_connection(info.port),
        **options,
    )
    authorized = await client.connect()
    try:
        assert authorized is False  # a fresh key, nobody logged in
        return await client.invoke(raw.functions.help.GetConfig())
    finally:
        await client.disconnect()
