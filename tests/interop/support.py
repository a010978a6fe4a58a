"""Helpers the reference-client interop tests share: Telethon and Kurigram clients that talk
to a :class:`~tgserver.testing.BackgroundServer`, and Telethon's sign-up.

Kurigram is optional (the Kurigram tests skip without it), so it is imported only by the
helpers that need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from telethon import TelegramClient, errors
from telethon.crypto import rsa as telethon_rsa
from telethon.sessions import MemorySession
from telethon.tl import functions, types

from tgcore.crypto import RsaPublicKey
from tgserver.app import ServerInfo

if TYPE_CHECKING:
    from pyrogram import Client

__all__ = ["TEST_CODE", "kurigram_client", "sign_up", "telethon_client", "trust_for_kurigram"]

#: The login code of Telegram's test numbers (99966XYYYY) on DC 2.
TEST_CODE = "22222"


def telethon_client(
    info: ServerInfo, session: Any = None, *, catch_up: bool = False
) -> TelegramClient:
    """A Telethon client of the server at ``info`` (not connected yet).

    Args:
        info: The running server (its port and RSA key, which Telethon is told to trust).
        session: A Telethon session (default: a fresh in-memory one).
        catch_up: Telethon's ``catch_up``: replay what was missed from the session's state.
    """
    telethon_rsa.add_key(info.public_key_pem.decode(), old=False)
    client = TelegramClient(
        session or MemorySession(),
        api_id=1,
        api_hash="0" * 32,
        connection_retries=0,
        retry_delay=0,
        timeout=10,
        catch_up=catch_up,
    )
    client.session.set_dc(2, "127.0.0.1", info.port)
    return client


async def sign_up(client: TelegramClient, phone: str, first: str, last: str = "") -> Any:
    """Sign a test number in with Telethon, signing it up first if it is new.

    Telethon's own ``sign_in`` is used; its ``sign_up`` helper refuses test numbers, so the
    raw ``auth.signUp`` for that. Returns the account's ``User``.
    """
    sent = await client.send_code_request(phone)
    assert isinstance(sent.type, types.auth.SentCodeTypeSms)
    try:
        return await client.sign_in(phone, TEST_CODE)
    except errors.PhoneNumberUnoccupiedError:
        pass
    result = await client(
        functions.auth.SignUpRequest(
            phone_number=phone,
            phone_code_hash=sent.phone_code_hash,
            first_name=first,
            last_name=last,
        )
    )
    # What Telethon itself does after a login (getState + getDifference).
    return await client._on_login(result.user)


def trust_for_kurigram(info: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> ServerInfo:
    """Make Kurigram trust the server's RSA key (for this test only); returns ``info``."""
    from pyrogram.crypto import rsa as pyrogram_rsa

    key = RsaPublicKey.from_pem(info.public_key_pem)
    monkeypatch.setitem(
        pyrogram_rsa.server_public_keys,
        info.fingerprint,
        pyrogram_rsa.PublicKey(m=key.n, e=key.e),
    )
    return info


def kurigram_client(info: ServerInfo, name: str) -> Client:
    """An in-memory Kurigram client named ``name`` that connects to 127.0.0.1:``info.port``
    (call :func:`trust_for_kurigram` first)."""
    from pyrogram import Client
    from pyrogram.connection import Connection

    class LocalConnection(Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["server_address"] = "127.0.0.1"
            kwargs["port"] = info.port
            super().__init__(*args, **kwargs)

    return Client(
        name,
        api_id=1,
        api_hash="0" * 32,
        in_memory=True,
        connection_factory=LocalConnection,
    )
