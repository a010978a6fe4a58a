"""Assembling a running server: key, store, dispatcher, gateway and listeners.

``serve(config)`` runs until cancelled; ``open_server(config)`` runs it for the duration of an
``async with`` block (tests, embedding). Port 0 picks free ports; :class:`ServerInfo` reports
the real ones.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import attrs
import trio

from tgcore.tl import types
from tgserver import stores
from tgserver.botapi import BotApi
from tgserver.bus import MemoryBus
from tgserver.config import ServerConfig
from tgserver.gateway import WS_PATH, Gateway, GatewayLimits, KeyRegistry, OnlineIndex
from tgserver.keys import fingerprint_hex
from tgserver.media import MediaService, sweep_interval
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
from tgserver.store.accounts import ACCOUNTS_FILE
from tgserver.store.chats import ChatParticipant, ChatRecord
from tgserver.stores import DATABASE_FILE, MEDIA_DIR, MESSAGES_DIR

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
    key = await stores.server_key(config)
    async with (
        await stores.open_auth_keys(config) as store,
        await stores.open_accounts(config) as accounts,
        await stores.open_messages(config) as message_store,
        await stores.open_media_store(config) as media_store,
        await stores.open_bots(config) as bot_store,
        await stores.open_channels(config) as channel_store,
        await stores.open_chats(config) as chat_store,
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
        media = await stores.media_service(config, media_store)
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
