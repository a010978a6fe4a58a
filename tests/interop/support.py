"""Helpers the reference-client interop tests share: Telethon and Kurigram clients that talk
to a :class:`~tgserver.testing.BackgroundServer`, their sign-up, queues of the events a client
sees, clients that catch up from a saved session, and a signed-in Kurigram + Telethon pair.

Kurigram is optional (the Kurigram tests skip without it), so it is imported only by the
helpers that need it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from telethon import TelegramClient, errors, events
from telethon.crypto import rsa as telethon_rsa
from telethon.sessions import MemorySession, SQLiteSession
from telethon.tl import functions, types

from tgcore.crypto import RsaPublicKey
from tgserver.app import ServerInfo

if TYPE_CHECKING:
    from pyrogram import Client

__all__ = [
    "EVENT_TIMEOUT",
    "TEST_CODE",
    "KurigramAndTelethon",
    "catching_up_client",
    "connected",
    "event_queue",
    "kurigram_and_telethon",
    "kurigram_client",
    "kurigram_sign_in",
    "next_event",
    "reconnect_and_catch_up",
    "sign_up",
    "signed_up_clients",
    "telethon_client",
    "trust_for_kurigram",
]

#: The login code of Telegram's test numbers (99966XYYYY) on DC 2.
TEST_CODE = "22222"

#: Seconds :func:`next_event` waits by default.
EVENT_TIMEOUT = 10.0


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


def catching_up_client(info: ServerInfo, session_file: str) -> TelegramClient:
    """A Telethon client that keeps its update state in ``session_file`` and catches up from
    it (not connected yet)."""
    return telethon_client(info, SQLiteSession(session_file), catch_up=True)


@asynccontextmanager
async def connected(*clients: TelegramClient) -> AsyncIterator[None]:
    """Connect the Telethon clients, in order; disconnect them all on the way out."""
    try:
        for client in clients:
            await client.connect()
        yield
    finally:
        for client in clients:
            await client.disconnect()


async def signed_up_clients(info: ServerInfo, *numbers: str) -> list[TelegramClient]:
    """One connected Telethon client a test number, signed up as ``User<i>``."""
    clients = []
    for i, phone in enumerate(numbers):
        client = telethon_client(info)
        await client.connect()
        await sign_up(client, phone, f"User{i}")
        clients.append(client)
    return clients


def event_queue(client: TelegramClient, event: Any = None) -> asyncio.Queue[Any]:
    """Every ``event`` the Telethon client sees (default: incoming new messages) goes to the
    returned queue."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def put(e: Any) -> None:
        await queue.put(e)

    client.add_event_handler(put, events.NewMessage(incoming=True) if event is None else event)
    return queue


async def next_event(queue: asyncio.Queue[Any], seconds: float = EVENT_TIMEOUT) -> Any:
    """The next item of ``queue``, waiting at most ``seconds``."""
    return await asyncio.wait_for(queue.get(), seconds)


async def reconnect_and_catch_up(
    info: ServerInfo, session_file: str
) -> tuple[TelegramClient, asyncio.Queue[Any]]:
    """Reconnect the account saved in ``session_file`` and catch up; returns the connected
    client and the queue of its incoming new messages (set up before the catch-up)."""
    client = catching_up_client(info, session_file)
    received = event_queue(client)
    await client.connect()
    try:
        await client.catch_up()
    except BaseException:
        await client.disconnect()
        raise
    return client, received


async def kurigram_sign_in(client: Client, phone: str, first: str) -> None:
    """Sign a test number in with Kurigram, signing it up first if it is new."""
    sent = await client.send_phone_number_code("+" + phone)
    if await client.sign_in("+" + phone, sent.phone_code_hash, TEST_CODE) is False:
        await client.sign_up("+" + phone, sent.phone_code_hash, first)


@attrs.frozen
class KurigramAndTelethon:
    """A signed-in Kurigram user and Telethon user (see :func:`kurigram_and_telethon`)."""

    kuri: Client
    tele: TelegramClient
    #: The Telethon user's ``User``.
    tele_me: Any
    #: Every incoming ``NewMessage`` event of the Telethon client.
    tele_got: asyncio.Queue[Any]
    #: Every message Kurigram's handler gets.
    kuri_got: asyncio.Queue[Any] = attrs.Factory(asyncio.Queue)
    #: The ids of the messages Kurigram's handler got, in order (to spot a message twice).
    kuri_delivered: list[int] = attrs.Factory(list)


@asynccontextmanager
async def kurigram_and_telethon(
    info: ServerInfo,
    *,
    name: str,
    kuri_phone: str,
    kuri_username: str,
    tele_phone: str,
    tele_username: str | None = None,
    kuri_filter: Any = None,
) -> AsyncIterator[KurigramAndTelethon]:
    """A Kurigram user (client ``name``, username ``kuri_username``) and a Telethon user,
    both connected, signed in and listening; Kurigram's handler takes the messages that pass
    ``kuri_filter`` (default: incoming ones). Both disconnect on exit."""
    from pyrogram import filters, raw
    from pyrogram.handlers import MessageHandler

    kuri = kurigram_client(info, name)
    tele = telethon_client(info)
    await kuri.connect()
    await tele.connect()
    try:
        await kurigram_sign_in(kuri, kuri_phone, "Kuri")
        await kuri.invoke(raw.functions.account.UpdateUsername(username=kuri_username))
        tele_me = await sign_up(tele, tele_phone, "Tele")
        if tele_username is not None:
            await tele(functions.account.UpdateUsernameRequest(tele_username))
        pair = KurigramAndTelethon(kuri, tele, tele_me, event_queue(tele))

        async def on_kuri(client: Any, message: Any) -> None:
            pair.kuri_delivered.append(message.id)
            await pair.kuri_got.put(message)

        kuri.add_handler(
            MessageHandler(on_kuri, filters.incoming if kuri_filter is None else kuri_filter)
        )
        await kuri.initialize()
        try:
            yield pair
        finally:
            await kuri.terminate()
    finally:
        await kuri.disconnect()
        await tele.disconnect()
