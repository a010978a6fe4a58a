"""What ``config.storage`` opens: every store of a server, SQLite files in the data directory or
in-process memory, and the media service on its blob store.

Each ``open_*`` returns an async context manager; :func:`tgserver.app.serve` enters them all.
"""

from __future__ import annotations

import contextlib
import functools
import secrets

import trio

from tgcore.crypto import RsaPrivateKey
from tgserver.config import ServerConfig
from tgserver.keys import load_or_create_server_key
from tgserver.media import (
    MASTER_KEY_FILE,
    MEDIA_DB_FILE,
    BlobStore,
    MasterKey,
    MediaService,
    MediaStore,
    MemoryMediaStore,
    SqliteMediaStore,
)
from tgserver.store import AuthKeyStore, MemoryAuthKeyStore, SqliteAuthKeyStore
from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores
from tgserver.store.bots import BOTS_FILE, SqliteBotStore
from tgserver.store.channels import (
    CHANNELS_FILE,
    ChannelStore,
    MemoryChannelStore,
    SqliteChannelStore,
)
from tgserver.store.chats import CHATS_FILE, ChatStore, MemoryChatStore, SqliteChatStore
from tgserver.store.messages import MemoryMessageStore, MessageStore, SqliteMessageStore

__all__ = [
    "DATABASE_FILE",
    "MEDIA_DIR",
    "MESSAGES_DIR",
    "media_service",
    "open_accounts",
    "open_auth_keys",
    "open_bots",
    "open_channels",
    "open_chats",
    "open_media_store",
    "open_messages",
    "server_key",
]

#: Name of the SQLite auth-key database inside the data directory.
DATABASE_FILE = "tgserver.sqlite3"
#: Directory of the message store's shard files inside the data directory.
MESSAGES_DIR = "messages"
#: Directory of the encrypted media blobs inside the data directory (the default media_root).
MEDIA_DIR = "media"


@functools.cache
def _memory_server_key() -> RsaPrivateKey:
    # Generating a 2048-bit key costs 0.1-1 s: memory servers of one process (test fixtures)
    # share one, which is never written anywhere.
    return RsaPrivateKey.generate()


async def server_key(config: ServerConfig) -> RsaPrivateKey:
    """The server's RSA key: ``server.pem`` in the data directory (created on first start),
    or one generated key shared by the memory servers of this process."""
    if config.storage == "memory":
        return await trio.to_thread.run_sync(_memory_server_key)
    return await trio.to_thread.run_sync(load_or_create_server_key, config.data_dir)


async def open_auth_keys(config: ServerConfig) -> contextlib.aclosing[AuthKeyStore]:
    """The auth keys and their salts (``tgserver.sqlite3``)."""
    if config.storage == "memory":
        return contextlib.aclosing(MemoryAuthKeyStore())
    return contextlib.aclosing(await SqliteAuthKeyStore.open(config.data_dir / DATABASE_FILE))


async def open_accounts(config: ServerConfig) -> AccountStores:
    """Accounts, logins, contacts and blocks (``accounts.sqlite3``)."""
    if config.storage == "memory":
        return AccountStores.memory()
    return await AccountStores.open_sqlite(config.data_dir / ACCOUNTS_FILE)


async def open_messages(config: ServerConfig) -> contextlib.aclosing[MessageStore]:
    """The per-user message boxes (the sharded files in ``messages/``)."""
    if config.storage == "memory":
        return contextlib.aclosing(MemoryMessageStore())
    messages_dir = config.data_dir / MESSAGES_DIR
    await trio.to_thread.run_sync(lambda: messages_dir.mkdir(parents=True, exist_ok=True))
    return contextlib.aclosing(await SqliteMessageStore.open(messages_dir))


async def open_chats(config: ServerConfig) -> contextlib.aclosing[ChatStore]:
    """Basic groups (``chats.sqlite3``)."""
    if config.storage == "memory":
        return contextlib.aclosing(MemoryChatStore())
    return contextlib.aclosing(await SqliteChatStore.open(config.data_dir / CHATS_FILE))


async def open_channels(config: ServerConfig) -> contextlib.aclosing[ChannelStore]:
    """Supergroups and channels (``channels.sqlite3``)."""
    if config.storage == "memory":
        return contextlib.aclosing(MemoryChannelStore())
    return contextlib.aclosing(await SqliteChannelStore.open(config.data_dir / CHANNELS_FILE))


async def open_bots(config: ServerConfig) -> SqliteBotStore:
    """Bots, their webhooks and update queues (``bots.sqlite3``)."""
    # The bot store is SQLite either way: an in-memory database for storage = "memory".
    if config.storage == "memory":
        return await SqliteBotStore.open(":memory:")
    return await SqliteBotStore.open(config.data_dir / BOTS_FILE)


async def open_media_store(config: ServerConfig) -> contextlib.aclosing[MediaStore]:
    """File metadata (``media.sqlite3``); the bytes live in the blob store."""
    if config.storage == "memory":
        return contextlib.aclosing(MemoryMediaStore())
    return contextlib.aclosing(await SqliteMediaStore.open(config.data_dir / MEDIA_DB_FILE))


async def media_service(config: ServerConfig, store: MediaStore) -> MediaService:
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
