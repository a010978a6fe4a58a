"""Helpers of the Bot API interop tests: a server with a bot created before it starts, a
Telethon user who talks to the bot, small images."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import trio
from PIL import Image

from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.services.bots import create_bot
from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores
from tgserver.store.bots import BOTS_FILE, BotRecord, SqliteBotStore
from tgserver.testing import BackgroundServer

__all__ = ["TIMEOUT", "bot_server", "image_size", "png_bytes"]

#: Seconds any single wait in a bot interop test may take.
TIMEOUT = 20.0


async def _create(config: ServerConfig, username: str) -> BotRecord:
    await trio.Path(config.data_dir).mkdir(parents=True, exist_ok=True)
    async with (
        await AccountStores.open_sqlite(config.data_dir / ACCOUNTS_FILE) as stores,
        await SqliteBotStore.open(config.data_dir / BOTS_FILE) as bots,
    ):
        return await create_bot(
            stores.users, bots, username=username, first_name="Interop Bot", now=time.time()
        )


def bot_server(config: ServerConfig, username: str) -> Iterator[tuple[ServerInfo, BotRecord]]:
    """Create a bot (as ``tgserver bots create`` does), then run the server in a thread."""
    bot = trio.run(_create, config, username)
    server = BackgroundServer(config)
    info = server.start()
    try:
        yield info, bot
    finally:
        server.stop()


def png_bytes(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    """A small PNG image."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of an encoded image."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size
