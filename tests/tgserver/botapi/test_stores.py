"""The bot flag of accounts (memory and SQLite, schema-1 files migrated) and the bot store
(queue, cursor, settings)."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable
from pathlib import Path

import trio

from tgserver.store.accounts import (
    ACCOUNTS_SCHEMA_VERSION,
    AccountStores,
    NewUser,
    open_accounts_database,
)
from tgserver.store.bots import (
    BotRecord,
    BotUpdateKind,
    NewBotUpdate,
    SqliteBotStore,
    WebhookRecord,
)


async def test_the_bot_flag_is_kept_by_both_backends(tmp_path: Path) -> None:
    for stores in (AccountStores.memory(), await AccountStores.open_sqlite(tmp_path / "a.sqlite3")):
        async with stores:
            bot = await stores.users.create_user(
                NewUser(phone="bot:x_bot", first_name="X", username="x_bot", bot=True)
            )
            human = await stores.users.create_user(NewUser(phone="1555", first_name="H"))
            assert bot.bot and not human.bot
            fetched = await stores.users.get_users([bot.id, human.id])
            assert fetched[bot.id].bot and not fetched[human.id].bot
            found = await stores.users.user_by_username("X_BOT")
            assert found is not None and found.bot


async def test_a_schema_1_account_file_gets_the_bot_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE,"
        " first_name TEXT NOT NULL,"
        " last_name TEXT NOT NULL DEFAULT '', username TEXT, username_key TEXT UNIQUE,"
        " about TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, pts INTEGER NOT NULL);"
        "INSERT INTO users VALUES (1000001, '1555', 'Old', '', NULL, NULL, '', 0, 0);"
        "PRAGMA user_version = 1;"
    )
    conn.close()
    db = await open_accounts_database(path)
    await db.aclose()
    async with await AccountStores.open_sqlite(path) as stores:
        old = await stores.users.get_user(1000001)
        assert old is not None and not old.bot and old.first_name == "Old"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == ACCOUNTS_SCHEMA_VERSION
    conn.close()


async def test_bot_store_queue_and_cursor(tmp_path: Path) -> None:
    path = tmp_path / "bots.sqlite3"
    async with await SqliteBotStore.open(path) as store:
        bot = await store.create_bot(7, "secret", 1.0)
        assert bot.token == "7:secret" and bot.box_pts == 0 and bot.webhook is None
        items = [NewBotUpdate(BotUpdateKind.MESSAGE, 1, message_id=i) for i in (1, 2)]
        queued = await store.feed(7, 0, 5, items)
        assert queued is not None and [q.update_id for q in queued] == [1, 2]
        # The same entries again (a second feeder, or a retry): nothing is queued twice.
        assert await store.feed(7, 0, 5, items) is None
        extra = await store.enqueue(7, NewBotUpdate(BotUpdateKind.CALLBACK_QUERY, 2, payload=b"{}"))
        assert extra is not None and extra.update_id == 3
        assert await store.enqueue(8, NewBotUpdate(BotUpdateKind.MESSAGE, 1)) is None
        assert [u.update_id for u in await store.pending(7, 2)] == [2, 3]
        assert [u.update_id for u in await store.last_updates(7, 1)] == [3]
        assert await store.confirm(7, 3) == 2
        assert await store.pending_count(7) == 1
        await store.set_webhook(
            7, WebhookRecord(url="http://h/x", secret_token="s", max_connections=5)
        )
        await store.set_webhook_error(7, 10, "down")
        await store.set_allowed_updates(7, ["message"])
        await store.set_commands(7, '[{"command": "a", "description": "b"}]')
    async with await SqliteBotStore.open(path) as store:
        again = await store.get_bot(7)
        assert again is not None and again.box_pts == 5 and again.next_update_id == 4
        assert again.webhook == WebhookRecord(
            url="http://h/x",
            secret_token="s",
            max_connections=5,
            last_error_date=10,
            last_error_message="down",
        )
        assert again.allowed_updates == ("message",) and "command" in again.commands
        assert await store.drop_pending(7) == 1
        await store.set_webhook(7, None)
        assert (await store.get_bot(7)).webhook is None  # type: ignore[union-attr]
        assert await store.get_bot(9) is None
        assert [b.id for b in await store.list_bots()] == [7]
        # A new secret replaces the old one; the queue state stays.
        renewed = await store.create_bot(7, "new", 2.0)
        assert renewed.secret == "new" and renewed.box_pts == 5


async def test_bot_store_answers_fresh_records_after_every_write(tmp_path: Path) -> None:
    # get_bot keeps records in memory (every Bot API request authenticates with it); each
    # write must show at once, also when a read runs while the write does.
    async with await SqliteBotStore.open(tmp_path / "bots.sqlite3") as store:
        await store.create_bot(7, "secret", 1.0)
        assert (await store.get_bot(7)).box_pts == 0  # type: ignore[union-attr]
        assert await store.feed(7, 0, 3, []) == []
        assert (await store.get_bot(7)).box_pts == 3  # type: ignore[union-attr]
        await store.set_allowed_updates(7, ["message"])
        assert (await store.get_bot(7)).allowed_updates == ("message",)  # type: ignore[union-attr]
        seen: list[BotRecord | None] = []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(store.set_webhook, 7, WebhookRecord(url="http://h/y"))
            nursery.start_soon(lambda: _append(seen, store.get_bot(7)))
        after = await store.get_bot(7)
        assert after is not None and after.webhook is not None
        assert after.webhook.url == "http://h/y" and len(seen) == 1
        renewed = await store.create_bot(7, "new", 2.0)
        assert (await store.get_bot(7)) == renewed and renewed.secret == "new"
        assert await store.get_bot(8) is None
        await store.create_bot(8, "s8", 3.0)
        assert (await store.get_bot(8)) is not None


async def _append(seen: list[BotRecord | None], read: Awaitable[BotRecord | None]) -> None:
    seen.append(await read)
