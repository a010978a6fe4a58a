"""Kurigram 2.2 as an oracle: its ``Auth.create()`` against our ServerHandshake, in memory.

``pyrogram.session.auth.Auth`` opens its connection through ``client.connection_factory``; the
fake connection below hands each plain message straight to our server and returns its answer.
Kurigram uses the legacy RSA scheme with the dc-less p_q_inner_data, p and q in 4 bytes, the
256-byte auth key, and does not check new_nonce_hash1 at all.

Skipped unless Kurigram is importable (it is not a dependency of the test extra yet).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from handshake_support import ScriptedRandom, dh_int, short_key_secrets

from tgcore.crypto import RsaPrivateKey
from tgcore.mtproto.handshake import AuthKeyCreated, RsaScheme, ServerHandshake

kurigram_auth = pytest.importorskip("pyrogram.session.auth")
kurigram_rsa = pytest.importorskip("pyrogram.crypto.rsa")


class FakeConnection:
    """Kurigram's Connection interface (connect/send/recv/close), wired to our server."""

    def __init__(self, server: ServerHandshake) -> None:
        self.server = server
        self.answers: list[bytes] = []
        self.done: AuthKeyCreated | None = None

    async def connect(self) -> None:
        pass

    async def send(self, data: bytes) -> None:
        replies, done = self.server.receive(data)
        self.done = self.done or done
        self.answers += replies

    async def recv(self) -> bytes:
        return self.answers.pop(0)

    async def close(self) -> None:
        pass


class FakeClient:
    """The attributes of ``pyrogram.Client`` that ``Auth`` reads."""

    ipv6 = False
    proxy = None
    protocol_factory = None

    def __init__(self, connection: FakeConnection) -> None:
        self.loop: Any = None
        self._connection = connection

    def connection_factory(self, **_: Any) -> FakeConnection:
        return self._connection

    @property
    def server_time(self) -> float:
        return time.time()


def kurigram_connect(server: ServerHandshake) -> tuple[bytes, AuthKeyCreated]:
    connection = FakeConnection(server)

    async def create() -> bytes:
        client = FakeClient(connection)
        client.loop = asyncio.get_running_loop()
        auth = kurigram_auth.Auth(client, 2, "127.0.0.1", 443, False)
        auth.MAX_RETRIES = 0  # fail at once instead of sleeping and retrying
        key: bytes = await auth.create()
        return key

    key = asyncio.run(create())
    assert connection.done is not None
    return key, connection.done


@pytest.fixture
def kurigram_trusts(key: RsaPrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    public = kurigram_rsa.PublicKey(key.public_key.n, key.public_key.e)
    monkeypatch.setattr(kurigram_rsa, "server_public_keys", {key.fingerprint: public})


@pytest.mark.usefixtures("kurigram_trusts")
def test_kurigram_creates_a_key_with_our_server(key: RsaPrivateKey) -> None:
    server = ServerHandshake([key], clock=time.time, dc_id=2)
    auth_key, done = kurigram_connect(server)
    assert auth_key == done.auth_key.key
    assert done.rsa_scheme is RsaScheme.LEGACY
    assert done.dc_id is None


@pytest.mark.usefixtures("kurigram_trusts")
def test_kurigram_short_key(key: RsaPrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = short_key_secrets(1)
    monkeypatch.setattr(kurigram_auth, "urandom", ScriptedRandom(77, {256: [dh_int(b)]}))
    server = ServerHandshake([key], rng=ScriptedRandom(3, {256: [dh_int(a)]}), clock=time.time)
    auth_key, done = kurigram_connect(server)
    # Kurigram keeps 256 bytes (and ignores new_nonce_hash1, which we computed Telethon's way).
    assert auth_key == done.auth_key.key
    assert auth_key[0] == 0
    assert done.alt_auth_key is not None
