"""Unmodified Kurigram 2.2 signs a test number up and in, and sees its own account."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tgcore.crypto import RsaPublicKey
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import Client, raw  # noqa: E402
from pyrogram.connection import Connection  # noqa: E402
from pyrogram.crypto import rsa as pyrogram_rsa  # noqa: E402

PHONE = "9996627001"


def _local_connection(port: int) -> type[Connection]:
    class LocalConnection(Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["server_address"] = "127.0.0.1"
            kwargs["port"] = port
            super().__init__(*args, **kwargs)

    return LocalConnection


@pytest.fixture
def trusted(running_server: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> ServerInfo:
    key = RsaPublicKey.from_pem(running_server.public_key_pem)
    monkeypatch.setitem(
        pyrogram_rsa.server_public_keys,
        running_server.fingerprint,
        pyrogram_rsa.PublicKey(m=key.n, e=key.e),
    )
    return running_server


def _client(info: ServerInfo, name: str) -> Client:
    return Client(
        name,
        api_id=1,
        api_hash="0" * 32,
        in_memory=True,
        connection_factory=_local_connection(info.port),
    )


def test_sign_up_then_sign_in(trusted: ServerInfo) -> None:
    async def main() -> None:
        first = _client(trusted, "first")
        assert await first.connect() is False
        try:
            sent = await first.send_phone_number_code("+" + PHONE)
            result = await first.sign_in("+" + PHONE, sent.phone_code_hash, "22222")
            assert result is False  # sign-up required, no terms of service
            user = await first.sign_up("+" + PHONE, sent.phone_code_hash, "Kuri", "Gram")
            assert (user.first_name, user.last_name, user.phone_number) == ("Kuri", "Gram", PHONE)
            me = await first.get_me()
            assert me.id == user.id and me.is_self
            state = await first.invoke(raw.functions.updates.GetState())
            assert state.pts == 1
        finally:
            await first.disconnect()

        second = _client(trusted, "second")
        await second.connect()
        try:
            sent = await second.send_phone_number_code(PHONE)
            signed_in = await second.sign_in(PHONE, sent.phone_code_hash, "22222")
            assert signed_in.id == user.id and signed_in.first_name == "Kuri"
            sessions = await second.invoke(raw.functions.account.GetAuthorizations())
            assert len(sessions.authorizations) == 2
            assert sum(a.current for a in sessions.authorizations) == 1
        finally:
            await second.disconnect()

    asyncio.run(main())
