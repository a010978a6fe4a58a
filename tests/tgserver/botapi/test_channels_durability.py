"""Channel updates survive restarts: queued once (cursor and queue in one transaction), and a
post committed while the server was down reaches the bot after the restart; schema-1 files
are upgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tgserver.app import open_server
from tgserver.config import ServerConfig
from tgserver.peerids import channel_key
from tgserver.services import BotServices
from tgserver.store.bots import BotUpdateKind, ChannelCursor, NewBotUpdate, SqliteBotStore
from tgserver.store.channels import CHANNELS_FILE, NewChannelMessage, SqliteChannelStore


def _services(info: Any) -> BotServices:
    assert info.bots is not None
    return info.bots  # type: ignore[no-any-return]


async def _get(http: httpx.AsyncClient, info: Any, token: str, **params: Any) -> Any:
    response = await http.post(f"{info.bot_api_url}/bot{token}/getUpdates", json=params)
    body = response.json()
    assert body["ok"], body
    return body["result"]


async def test_channel_updates_survive_restarts(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "data", port=0, bot_api_port=0)
    async with open_server(config) as info, httpx.AsyncClient(timeout=30) as http:
        services = _services(info)
        bot = await services.bots.create_bot("keeper_bot")
        alice = await services.messaging.accounts.users.register("15550001", "Alice")
        channels = services.bots.channels
        assert channels is not None
        created = await channels.services.channels.create(alice.id, "Log", megagroup=True)
        cid = created.channel.id
        await channels.services.channels.invite(alice.id, cid, [bot.id])
        for n in range(3):
            await channels.services.messaging.post(alice.id, cid, f"before {n}")
        first = await _get(http, info, bot.token)
        texts = [u["message"].get("text") for u in first if "message" in u]
        assert texts[-3:] == ["before 0", "before 1", "before 2"]
    # Nothing was confirmed: the same updates, once each, after a restart.
    async with open_server(config) as info, httpx.AsyncClient(timeout=30) as http:
        again = await _get(http, info, bot.token)
        assert again == first
        await _get(http, info, bot.token, offset=again[-1]["update_id"] + 1)
    # A post committed while the server is down (straight into the channel store).
    async with await SqliteChannelStore.open(config.data_dir / CHANNELS_FILE) as store:
        channel = await store.get_channel(cid)
        assert channel is not None
        await store.post_message(
            NewChannelMessage(channel_id=cid, from_id=alice.id, date=channel.date, text="offline")
        )
    async with open_server(config) as info, httpx.AsyncClient(timeout=30) as http:
        late = await _get(http, info, bot.token)
        assert [u["message"]["text"] for u in late] == ["offline"]
        assert late[0]["message"]["chat"]["id"] == channel_key(cid)
        assert late[0]["update_id"] == again[-1]["update_id"] + 1


async def test_schema_one_files_are_upgraded(tmp_path: Path) -> None:
    bots_path = tmp_path / "bots.sqlite3"
    conn = sqlite3.connect(bots_path)
    conn.executescript(
        """
        CREATE TABLE bots (id INTEGER PRIMARY KEY, secret TEXT NOT NULL,
            created_at REAL NOT NULL, box_pts INTEGER NOT NULL DEFAULT 0,
            next_update_id INTEGER NOT NULL DEFAULT 1, webhook_url TEXT,
            webhook_secret TEXT NOT NULL DEFAULT '', max_connections INTEGER NOT NULL DEFAULT 40,
            ip_address TEXT NOT NULL DEFAULT '', last_error_date INTEGER NOT NULL DEFAULT 0,
            last_error_message TEXT NOT NULL DEFAULT '', allowed_updates TEXT,
            commands TEXT NOT NULL DEFAULT '[]');
        CREATE TABLE updates (bot_id INTEGER NOT NULL, update_id INTEGER NOT NULL,
            kind INTEGER NOT NULL, date INTEGER NOT NULL, message_id INTEGER NOT NULL DEFAULT 0,
            payload BLOB NOT NULL DEFAULT x'', PRIMARY KEY (bot_id, update_id)) WITHOUT ROWID;
        INSERT INTO bots (id, secret, created_at, next_update_id) VALUES (7, 's', 1.0, 2);
        INSERT INTO updates (bot_id, update_id, kind, date, message_id) VALUES (7, 1, 1, 5, 3);
        PRAGMA user_version = 1;
        """
    )
    conn.close()
    async with await SqliteBotStore.open(bots_path) as store:
        [old] = await store.pending(7)
        assert (old.message_id, old.chat_id) == (3, 0)
        fed = await store.feed_channel(
            7, 1, None, 10, [NewBotUpdate(BotUpdateKind.CHANNEL_POST, 6, 4, chat_id=-5)]
        )
        assert fed is not None and fed[0].chat_id == -5
        # The cursor moves only from where the caller saw it.
        assert await store.feed_channel(7, 1, None, 11, []) is None
        assert await store.feed_channel(7, 1, 9, 11, []) is None
        assert await store.feed_channel(7, 1, 10, 12, []) == []
        assert await store.channel_cursors(7) == {1: ChannelCursor(12)}
        assert await store.feed_channel(7, 1, 12, None, []) == []
        assert await store.channel_cursors(7) == {}
    channels_path = tmp_path / "channels.sqlite3"
    async with await SqliteChannelStore.open(channels_path):
        pass
    conn = sqlite3.connect(channels_path)
    conn.execute("ALTER TABLE messages DROP COLUMN reply_markup")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    async with await SqliteChannelStore.open(channels_path) as cstore:
        columns = await cstore._db.read(
            lambda c: {row[1] for row in c.execute("PRAGMA table_info(messages)")}
        )
        assert "reply_markup" in columns
