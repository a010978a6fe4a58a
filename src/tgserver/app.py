"""Assembling a running server: key, store, dispatcher, gateway and listeners.

``serve(config)`` runs until cancelled; ``open_server(config)`` runs it for the duration of an
``async with`` block (tests, embedding). Port 0 picks free ports; :class:`ServerInfo` reports
the real ones.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import attrs
import trio

from tgserver.bus import MemoryBus
from tgserver.config import ServerConfig
from tgserver.gateway import WS_PATH, Gateway, GatewayLimits, KeyRegistry, OnlineIndex
from tgserver.keys import fingerprint_hex, load_or_create_server_key
from tgserver.rpc import (
    DcAddress,
    Dispatcher,
    register_account_handlers,
    register_builtin_handlers,
    register_messaging_handlers,
)
from tgserver.rpc.handlers import EventRenderer
from tgserver.services import AccountServices, MessagingServices
from tgserver.sms_config import sms_provider
from tgserver.store import SqliteAuthKeyStore
from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores
from tgserver.store.messages import SqliteMessageStore

__all__ = [
    "ACCOUNTS_FILE",
    "DATABASE_FILE",
    "MESSAGES_DIR",
    "ServerInfo",
    "open_server",
    "serve",
]

log = logging.getLogger(__name__)

#: Name of the SQLite metadata database inside the data directory.
DATABASE_FILE = "tgserver.sqlite3"
#: Directory of the message store's shard files inside the data directory.
MESSAGES_DIR = "messages"


@attrs.frozen
class ServerInfo:
    """Where a started server listens and the key clients must trust.

    Attributes:
        host: The listening address.
        port: The MTProto port (every framing, and WebSocket on ``/apiws`` too).
        ws_port: The separate WebSocket-only port, or None when there is none.
        fingerprint: The server key's fingerprint (signed 64-bit, as on the wire).
        public_key_pem: The public key as PKCS#1 PEM (what ``add_key`` takes).
    """

    host: str
    port: int
    ws_port: int | None
    fingerprint: int
    public_key_pem: bytes = attrs.field(repr=False)

    @property
    def websocket_url(self) -> str:
        """``ws://host:port/apiws`` of the WebSocket endpoint (the separate port if any)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.ws_port or self.port}{WS_PATH}"


async def _listen(host: str, port: int) -> list[trio.SocketListener]:
    listeners = await trio.open_tcp_listeners(port, host=host)
    if port == 0 and len(listeners) > 1:
        # Each address family would get its own free port; one server has one port.
        for extra in listeners[1:]:
            await extra.aclose()
        listeners = listeners[:1]
    return listeners


def _port(listeners: list[trio.SocketListener]) -> int:
    return int(listeners[0].socket.getsockname()[1])


async def serve(
    config: ServerConfig,
    *,
    task_status: trio.TaskStatus[ServerInfo] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the server described by ``config`` until cancelled.

    Loads (or creates) the server key in ``config.data_dir``, opens the auth-key store
    (``tgserver.sqlite3`` there), the account database (``accounts.sqlite3``) and the message
    store (``messages/``), listens,
    and reports a :class:`ServerInfo` through ``task_status`` once connections are accepted.

    Raises:
        ConfigError: the SMS provider settings are incomplete.
    """
    sms = sms_provider(config)
    key = await trio.to_thread.run_sync(load_or_create_server_key, config.data_dir)
    messages_dir = config.data_dir / MESSAGES_DIR
    await trio.to_thread.run_sync(lambda: messages_dir.mkdir(parents=True, exist_ok=True))
    async with (
        await SqliteAuthKeyStore.open(config.data_dir / DATABASE_FILE) as store,
        await AccountStores.open_sqlite(config.data_dir / ACCOUNTS_FILE) as accounts,
        await SqliteMessageStore.open(messages_dir) as message_store,
    ):
        services = await AccountServices.create(
            accounts,
            dc_id=config.dc_id,
            sms=sms,
            test_numbers=config.test_numbers,
            auth_keys=store,
        )
        messaging = MessagingServices.create(services, message_store, bus=MemoryBus())
        online = OnlineIndex(services.lookup_user, messaging.bus, EventRenderer(messaging))
        listeners = await _listen(config.host, config.port)
        ws_listeners: list[trio.SocketListener] = []
        try:
            if config.ws_port is not None:
                ws_listeners = await _listen(config.host, config.ws_port)
        except BaseException:
            for listener in listeners:
                await trio.aclose_forcefully(listener)
            raise
        port = _port(listeners)
        ws_port = _port(ws_listeners) if ws_listeners else None
        registry = KeyRegistry(store)
        dispatcher = Dispatcher(
            remember_client=registry.remember_client, lookup_user=online.lookup_user
        )
        register_builtin_handlers(
            dispatcher, DcAddress(dc_id=config.dc_id, host=config.advertised_host, port=port)
        )
        register_account_handlers(dispatcher, services)
        register_messaging_handlers(dispatcher, messaging)
        gateway = Gateway(
            server_keys=[key],
            registry=registry,
            dispatcher=dispatcher,
            dc_id=config.dc_id,
            limits=GatewayLimits.from_config(config),
        )
        online.attach(gateway)
        info = ServerInfo(
            host=config.host,
            port=port,
            ws_port=ws_port,
            fingerprint=key.fingerprint,
            public_key_pem=key.public_key.to_pem(),
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(gateway.serve, listeners, ws_listeners)
            # The CLI announces addresses and the key at INFO; embedders get them here.
            log.debug("MTProto listening on %s:%d (DC %d)", config.host, port, config.dc_id)
            if ws_port is not None:
                log.debug("WebSocket listening on %s", info.websocket_url)
            log.debug("server key fingerprint %s", fingerprint_hex(key.fingerprint))
            task_status.started(info)


@asynccontextmanager
async def open_server(config: ServerConfig) -> AsyncIterator[ServerInfo]:
    """Run a server for the duration of the ``async with`` block; yields its ServerInfo."""
    async with trio.open_nursery() as nursery:
        info: ServerInfo = await nursery.start(serve, config)
        try:
            yield info
        finally:
            nursery.cancel_scope.cancel()
