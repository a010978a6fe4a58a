"""Assembling a running server: key, store, dispatcher, gateway and listeners.

``serve(config)`` runs until cancelled; ``open_server(config)`` runs it for the duration of an
``async with`` block (tests, embedding). Port 0 picks free ports; :class:`ServerInfo` reports
the real ones.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import attrs
import trio

from tgcore.crypto import RsaPrivateKey
from tgcore.tl import types
from tgserver.botapi import BotApi
from tgserver.bus import MemoryBus
from tgserver.config import ServerConfig
from tgserver.gateway import WS_PATH, Gateway, GatewayLimits, KeyRegistry, OnlineIndex
from tgserver.keys import fingerprint_hex, load_or_create_server_key
from tgserver.media import (
    MASTER_KEY_FILE,
    MEDIA_DB_FILE,
    BlobStore,
    MasterKey,
    MediaService,
    MediaStore,
    MemoryMediaStore,
    SqliteMediaStore,
    sweep_interval,
)
from tgserver.rpc import (
    DcAddress,
    Dispatcher,
    register_account_handlers,
    register_builtin_handlers,
    register_messaging_handlers,
)
from tgserver.rpc.handlers import (
    EventRenderer,
    MediaHandlers,
    MediaSource,
    register_bot_handlers,
    register_channel_handlers,
    register_chat_handlers,
    register_media_handlers,
)
from tgserver.rpc.handlers.chats import CreateChannel
from tgserver.services import AccountServices, BotLimits, BotServices, MessagingServices
from tgserver.services.channels import ChannelServices
from tgserver.services.chats_bundle import ChatServices
from tgserver.sms_config import sms_provider
from tgserver.store import AuthKeyStore, MemoryAuthKeyStore, SqliteAuthKeyStore
from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores
from tgserver.store.bots import BOTS_FILE, SqliteBotStore
from tgserver.store.channels import (
    CHANNELS_FILE,
    ChannelStore,
    MemoryChannelStore,
    SqliteChannelStore,
)
from tgserver.store.chats import (
    CHATS_FILE,
    ChatParticipant,
    ChatRecord,
    ChatStore,
    MemoryChatStore,
    SqliteChatStore,
)
from tgserver.store.messages import MemoryMessageStore, MessageStore, SqliteMessageStore

__all__ = [
    "ACCOUNTS_FILE",
    "DATABASE_FILE",
    "MEDIA_DIR",
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
#: Directory of the encrypted media blobs inside the data directory (the default media_root).
MEDIA_DIR = "media"


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
    #: The server's media service (tests read ``media.parts_accepted`` from it).
    media: MediaService | None = attrs.field(default=None, repr=False, eq=False)
    #: The Bot API's HTTP port (None: no Bot API).
    bot_api_port: int | None = None
    #: The live bot services (tests create bots and simulate users through them).
    bots: BotServices | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def bot_api_url(self) -> str | None:
        """``http://host:port`` of the Bot API (None when it is off)."""
        if self.bot_api_port is None:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.bot_api_port}"

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


# --- storage = "sqlite" | "memory" for the session-1 stores (key, auth keys, accounts, messages)


@functools.cache
def _memory_server_key() -> RsaPrivateKey:
    # Generating a 2048-bit key costs 0.1-1 s: memory servers of one process (test fixtures)
    # share one, which is never written anywhere.
    return RsaPrivateKey.generate()


async def _server_key(config: ServerConfig) -> RsaPrivateKey:
    if config.storage == "memory":
        return await trio.to_thread.run_sync(_memory_server_key)
    return await trio.to_thread.run_sync(load_or_create_server_key, config.data_dir)


async def _open_auth_keys(config: ServerConfig) -> contextlib.aclosing[AuthKeyStore]:
    if config.storage == "memory":
        return contextlib.aclosing(MemoryAuthKeyStore())
    return contextlib.aclosing(await SqliteAuthKeyStore.open(config.data_dir / DATABASE_FILE))


async def _open_accounts(config: ServerConfig) -> AccountStores:
    if config.storage == "memory":
        return AccountStores.memory()
    return await AccountStores.open_sqlite(config.data_dir / ACCOUNTS_FILE)


async def _open_messages(config: ServerConfig) -> contextlib.aclosing[MessageStore]:
    if config.storage == "memory":
        return contextlib.aclosing(MemoryMessageStore())
    messages_dir = config.data_dir / MESSAGES_DIR
    await trio.to_thread.run_sync(lambda: messages_dir.mkdir(parents=True, exist_ok=True))
    return contextlib.aclosing(await SqliteMessageStore.open(messages_dir))


async def _open_chats(config: ServerConfig) -> contextlib.aclosing[ChatStore]:
    if config.storage == "memory":
        return contextlib.aclosing(MemoryChatStore())
    return contextlib.aclosing(await SqliteChatStore.open(config.data_dir / CHATS_FILE))


async def _open_channels(config: ServerConfig) -> contextlib.aclosing[ChannelStore]:
    if config.storage == "memory":
        return contextlib.aclosing(MemoryChannelStore())
    return contextlib.aclosing(await SqliteChannelStore.open(config.data_dir / CHANNELS_FILE))


async def _open_bots(config: ServerConfig) -> SqliteBotStore:
    # The bot store is SQLite either way: an in-memory database for storage = "memory".
    if config.storage == "memory":
        return await SqliteBotStore.open(":memory:")
    return await SqliteBotStore.open(config.data_dir / BOTS_FILE)


async def _open_media_store(config: ServerConfig) -> contextlib.aclosing[MediaStore]:
    if config.storage == "memory":
        return contextlib.aclosing(MemoryMediaStore())
    return contextlib.aclosing(await SqliteMediaStore.open(config.data_dir / MEDIA_DB_FILE))


async def _media_service(config: ServerConfig, store: MediaStore) -> MediaService:
    """The media service: blobs under ``media_root`` (default ``data_dir/media``; in memory
    for ``storage = "memory"``), file keys wrapped by the master key file."""
    if config.storage == "memory" and config.media_key_file is None:
        master = MasterKey.generate()
    else:
        key_file = config.media_key_file or config.data_dir / MASTER_KEY_FILE
        master = await trio.to_thread.run_sync(MasterKey.load_or_create, key_file)
    if config.media_root is not None:
        root = config.media_root
    elif config.storage == "memory":
        root = f"memory://tgserver-{secrets.token_hex(8)}"
    else:
        root = str((config.data_dir / MEDIA_DIR).absolute())
    return MediaService(
        store,
        BlobStore(root),
        master,
        dc_id=config.dc_id,
        upload_ttl=config.upload_ttl_hours * 3600.0,
    )


def _channel_media_source(messaging: MessagingServices, media: MediaService) -> MediaSource:
    """Channel sendMedia: InputMedia -> the stored media bytes, as private chats do it."""
    handlers = MediaHandlers(messaging, media)

    async def source(user_id: int, input_media: types.TypeInputMedia) -> bytes:
        return media.message_media(await handlers.media_of(user_id, input_media))

    return source


def _migration_creator(channels: ChannelServices) -> CreateChannel:
    """messages.migrateChat: the supergroup a basic group becomes."""

    async def create(chat: ChatRecord, participants: Sequence[ChatParticipant], max_id: int) -> int:
        channel = await channels.channels.create_from_chat(
            chat.creator_id,
            chat.title,
            [(p.user_id, p.admin) for p in participants],
            date=channels.messaging.now(),
            chat_id=chat.id,
            max_id=max_id,
        )
        return channel.id

    return create


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
    With ``config.storage == "memory"`` every store lives in the process and nothing is
    written to ``config.data_dir`` (the server key is generated in memory, once per process).

    Raises:
        ConfigError: the SMS provider settings are incomplete.
    """
    sms = sms_provider(config)
    key = await _server_key(config)
    async with (
        await _open_auth_keys(config) as store,
        await _open_accounts(config) as accounts,
        await _open_messages(config) as message_store,
        await _open_media_store(config) as media_store,
        await _open_bots(config) as bot_store,
        await _open_channels(config) as channel_store,
        await _open_chats(config) as chat_store,
    ):
        services = await AccountServices.create(
            accounts,
            dc_id=config.dc_id,
            sms=sms,
            test_numbers=config.test_numbers,
            auth_keys=store,
        )
        messaging = MessagingServices.create(services, message_store, bus=MemoryBus())
        renderer = EventRenderer(messaging)
        online = OnlineIndex(
            services.lookup_user, messaging.bus, renderer, peek_user=services.peek_user
        )
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
        # Basic groups: metadata in chats.sqlite3, messages as copies in the members' boxes.
        chat_services = ChatServices.create(chat_store, messaging)
        messages = register_messaging_handlers(dispatcher, messaging, chat_services)
        chat_handlers = register_chat_handlers(dispatcher, chat_services, messages)
        renderer.chats = messages.renderer
        # Media: encrypted blobs under media_root, metadata in media.sqlite3.
        media = await _media_service(config, media_store)
        register_media_handlers(dispatcher, messaging, media)
        # Channels: supergroups and broadcast channels (a pts per channel; posts reach the
        # online members through the channels' online index, the others pull differences).
        channels = ChannelServices.create(services, channel_store, bus=messaging.bus)
        # (The gateway's presence hooks for channels.online are added with the bots below:
        # bots stay "online" in their channels so their update feeders hear of posts.)
        channel_routes = register_channel_handlers(
            dispatcher, channels, messages=messages, updates=messages.updates, renderer=renderer
        )
        channel_routes.set_media_source(_channel_media_source(messaging, media))
        chat_handlers.set_channel_creator(_migration_creator(channels))
        # messages.sendMedia routed by peer (after the media handlers): groups and channels.
        messages.route_send_media(
            dispatcher,
            MediaHandlers(messaging, media).send_media,
            _channel_media_source(messaging, media),
        )
        # Bots: the Bot API's HTTP listener, update queues and webhooks, and the MTProto
        # side of bot features.
        bots = BotServices.create(
            messaging,
            bot_store,
            chats=chat_services,
            channels=channels,
            limits=None if config.bot_rate_limits else BotLimits.off(),
        )
        assert bots.channel_feed is not None
        online.add_presence_listener(channels.online.user_online, bots.channel_feed.user_offline)
        register_bot_handlers(dispatcher, bots)
        bot_api = BotApi(bots, media)
        bot_listeners: list[trio.SocketListener] = []
        try:
            if config.bot_api_port is not None:
                bot_listeners = await _listen(config.host, config.bot_api_port)
        except BaseException:
            for listener in [*listeners, *ws_listeners]:
                await trio.aclose_forcefully(listener)
            raise
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
            media=media,
            bot_api_port=_port(bot_listeners) if bot_listeners else None,
            bots=bots,
        )
        async with trio.open_nursery() as nursery:
            # Pushes go straight onto connections; slow ones get a task in here.
            await nursery.start(online.run)
            await nursery.start(gateway.serve, listeners, ws_listeners)
            await nursery.start(media.run_sweeper, sweep_interval(media.upload_ttl))
            if bot_listeners:
                await nursery.start(bot_api.serve, bot_listeners)
                log.debug("Bot API listening on %s", info.bot_api_url)
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
