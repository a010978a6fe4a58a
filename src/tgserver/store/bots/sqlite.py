"""Bots and their update queues in an SQLite file (``bots.sqlite3`` in the data directory).

A queued update is a row until the bot confirms it (a getUpdates ``offset`` past it) or the
webhook accepted it, so updates survive restarts. :meth:`SqliteBotStore.feed` moves the bot's
box-log cursor and queues the updates made from those entries in one transaction: an entry is
turned into updates exactly once, even across a crash. Channel messages are not in the bot's
box (a channel keeps one copy): :meth:`SqliteBotStore.feed_channel` does the same with a
cursor per (bot, channel) over the channel's own pts log.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

from tgserver.store.bots.records import (
    BotRecord,
    BotUpdateKind,
    ChannelCursor,
    NewBotUpdate,
    QueuedUpdate,
    WebhookRecord,
)
from tgserver.store.database import SqliteDatabase

__all__ = ["BOTS_FILE", "BOTS_SCHEMA_VERSION", "SqliteBotStore"]

#: Name of the bot database inside the data directory.
BOTS_FILE: Final = "bots.sqlite3"
#: ``PRAGMA user_version`` of the bot database.
BOTS_SCHEMA_VERSION: Final = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bots (
    id                 INTEGER PRIMARY KEY,
    secret             TEXT    NOT NULL,
    created_at         REAL    NOT NULL,
    box_pts            INTEGER NOT NULL DEFAULT 0,
    next_update_id     INTEGER NOT NULL DEFAULT 1,
    webhook_url        TEXT,
    webhook_secret     TEXT    NOT NULL DEFAULT '',
    max_connections    INTEGER NOT NULL DEFAULT 40,
    ip_address         TEXT    NOT NULL DEFAULT '',
    last_error_date    INTEGER NOT NULL DEFAULT 0,
    last_error_message TEXT    NOT NULL DEFAULT '',
    allowed_updates    TEXT,
    commands           TEXT    NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS updates (
    bot_id     INTEGER NOT NULL,
    update_id  INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    message_id INTEGER NOT NULL DEFAULT 0,
    payload    BLOB    NOT NULL DEFAULT x'',
    chat_id    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot_id, update_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS channel_cursors (
    bot_id     INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    pts        INTEGER NOT NULL,
    role       INTEGER NOT NULL DEFAULT 0,
    admin_rights INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot_id, channel_id)
) WITHOUT ROWID;
"""


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a schema-1 file up to date: schema 2 added ``updates.chat_id`` (channel
    updates; ``channel_cursors`` is created by the schema script)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(updates)")}
    if "chat_id" not in columns:
        conn.execute("ALTER TABLE updates ADD COLUMN chat_id INTEGER NOT NULL DEFAULT 0")


T = TypeVar("T")

_BOT_COLUMNS = (
    "id, secret, created_at, box_pts, next_update_id, webhook_url, webhook_secret, "
    "max_connections, ip_address, last_error_date, last_error_message, allowed_updates, commands"
)
_UPDATE_COLUMNS = "bot_id, update_id, kind, date, message_id, payload, chat_id"


def _bot(row: tuple[Any, ...]) -> BotRecord:
    webhook = None
    if row[5] is not None:
        webhook = WebhookRecord(
            url=row[5],
            secret_token=row[6],
            max_connections=row[7],
            ip_address=row[8],
            last_error_date=row[9],
            last_error_message=row[10],
        )
    allowed = None if row[11] is None else tuple(json.loads(row[11]))
    return BotRecord(
        id=row[0],
        secret=row[1],
        created_at=row[2],
        box_pts=row[3],
        next_update_id=row[4],
        webhook=webhook,
        allowed_updates=allowed,
        commands=row[12],
    )


def _update(row: tuple[Any, ...]) -> QueuedUpdate:
    return QueuedUpdate(
        bot_id=row[0],
        update_id=row[1],
        kind=BotUpdateKind(row[2]),
        date=row[3],
        message_id=row[4],
        payload=bytes(row[5]),
        chat_id=row[6],
    )


def _queue(
    conn: sqlite3.Connection, bot_id: int, items: Sequence[NewBotUpdate]
) -> list[QueuedUpdate]:
    row = conn.execute("SELECT next_update_id FROM bots WHERE id = ?", (bot_id,)).fetchone()
    if row is None:
        return []
    next_id = int(row[0])
    queued: list[QueuedUpdate] = []
    for item in items:
        conn.execute(
            f"INSERT INTO updates ({_UPDATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                bot_id,
                next_id,
                int(item.kind),
                item.date,
                item.message_id,
                item.payload,
                item.chat_id,
            ),
        )
        queued.append(
            QueuedUpdate(
                bot_id,
                next_id,
                item.kind,
                item.date,
                item.message_id,
                item.payload,
                item.chat_id,
            )
        )
        next_id += 1
    conn.execute("UPDATE bots SET next_update_id = ? WHERE id = ?", (next_id, bot_id))
    return queued


class SqliteBotStore:
    """Bot credentials, settings and durable update queues on one SQLite file.

    Open it with ``await SqliteBotStore.open(path)``; every write is committed
    (``synchronous = FULL``) before the call returns.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        # Every Bot API request authenticates with get_bot: the records are kept here, and
        # any write of this store (the only writer of an open server's bots; the CLI only
        # adds new ids) drops them all. A read that overlapped a write is not kept.
        self._bots: dict[int, BotRecord] = {}
        self._generation = 0

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        self._generation += 1
        self._bots.clear()
        try:
            return await self._db.write(fn)
        finally:
            self._generation += 1
            self._bots.clear()

    @classmethod
    async def open(cls, path: Path | str) -> SqliteBotStore:
        """Open (creating if needed) the bot database at ``path``.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        db = await SqliteDatabase.open(
            path,
            schema=_SCHEMA,
            version=BOTS_SCHEMA_VERSION,
            what="bot database",
            migrate=_migrate,
        )
        return cls(db)

    async def __aenter__(self) -> SqliteBotStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the database."""
        await self._db.aclose()

    # -- bots ------------------------------------------------------------------------------------

    async def create_bot(self, bot_id: int, secret: str, created_at: float) -> BotRecord:
        """Register the Bot API side of the account ``bot_id`` (replacing an old secret)."""

        def create(conn: sqlite3.Connection) -> BotRecord:
            conn.execute(
                "INSERT INTO bots (id, secret, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET secret = excluded.secret",
                (bot_id, secret, created_at),
            )
            row = conn.execute(f"SELECT {_BOT_COLUMNS} FROM bots WHERE id = ?", (bot_id,))
            return _bot(row.fetchone())

        return await self._write(create)

    async def get_bot(self, bot_id: int) -> BotRecord | None:
        """The bot with this id, or None."""

        def get(conn: sqlite3.Connection) -> BotRecord | None:
            row = conn.execute(f"SELECT {_BOT_COLUMNS} FROM bots WHERE id = ?", (bot_id,))
            found = row.fetchone()
            return None if found is None else _bot(found)

        cached = self._bots.get(bot_id)
        if cached is not None:
            return cached
        generation = self._generation
        bot = await self._db.read(get)
        if bot is not None and generation == self._generation:
            self._bots[bot_id] = bot
        return bot

    async def list_bots(self) -> list[BotRecord]:
        """Every bot, by id."""

        def list_(conn: sqlite3.Connection) -> list[BotRecord]:
            rows = conn.execute(f"SELECT {_BOT_COLUMNS} FROM bots ORDER BY id")
            return [_bot(row) for row in rows]

        return await self._db.read(list_)

    async def set_webhook(self, bot_id: int, webhook: WebhookRecord | None) -> None:
        """Set (or, with None, remove) the webhook."""

        def set_(conn: sqlite3.Connection) -> None:
            if webhook is None:
                conn.execute("UPDATE bots SET webhook_url = NULL WHERE id = ?", (bot_id,))
                return
            conn.execute(
                "UPDATE bots SET webhook_url = ?, webhook_secret = ?, max_connections = ?, "
                "ip_address = ?, last_error_date = ?, last_error_message = ? WHERE id = ?",
                (
                    webhook.url,
                    webhook.secret_token,
                    webhook.max_connections,
                    webhook.ip_address,
                    webhook.last_error_date,
                    webhook.last_error_message,
                    bot_id,
                ),
            )

        await self._write(set_)

    async def set_webhook_error(self, bot_id: int, date: int, message: str) -> None:
        """Record a failed webhook delivery (``date`` 0: clear it)."""
        await self._write(
            lambda conn: conn.execute(
                "UPDATE bots SET last_error_date = ?, last_error_message = ? WHERE id = ?",
                (date, message, bot_id),
            )
        )

    async def set_allowed_updates(self, bot_id: int, allowed: Sequence[str] | None) -> None:
        """Store the update kinds the bot wants (None: the default set)."""
        text = None if allowed is None else json.dumps(list(allowed))
        await self._write(
            lambda conn: conn.execute(
                "UPDATE bots SET allowed_updates = ? WHERE id = ?", (text, bot_id)
            )
        )

    async def set_commands(self, bot_id: int, commands: str) -> None:
        """Store the command list (JSON text)."""
        await self._write(
            lambda conn: conn.execute(
                "UPDATE bots SET commands = ? WHERE id = ?", (commands, bot_id)
            )
        )

    # -- the queue -------------------------------------------------------------------------------

    async def feed(
        self, bot_id: int, from_pts: int, to_pts: int, items: Sequence[NewBotUpdate]
    ) -> list[QueuedUpdate] | None:
        """Queue ``items`` (made from the box-log entries ``from_pts`` < pts <= ``to_pts``)
        and move the cursor to ``to_pts``, in one transaction.

        None (and nothing queued) when the cursor is no longer at ``from_pts``: someone else
        fed these entries already.
        """

        def feed(conn: sqlite3.Connection) -> list[QueuedUpdate] | None:
            moved = conn.execute(
                "UPDATE bots SET box_pts = ? WHERE id = ? AND box_pts = ?",
                (to_pts, bot_id, from_pts),
            )
            if moved.rowcount != 1:
                return None
            return _queue(conn, bot_id, items)

        return await self._write(feed)

    async def channel_cursors(self, bot_id: int) -> dict[int, ChannelCursor]:
        """The bot's channel cursors, by channel id."""

        def cursors(conn: sqlite3.Connection) -> dict[int, ChannelCursor]:
            rows = conn.execute(
                "SELECT channel_id, pts, role, admin_rights FROM channel_cursors WHERE bot_id = ?",
                (bot_id,),
            )
            return {int(c): ChannelCursor(int(p), int(r), int(a)) for c, p, r, a in rows}

        return await self._db.read(cursors)

    async def feed_channel(
        self,
        bot_id: int,
        channel_id: int,
        from_pts: int | None,
        to_pts: int | None,
        items: Sequence[NewBotUpdate],
        *,
        member: tuple[int, int] | None = None,
    ) -> list[QueuedUpdate] | None:
        """Queue ``items`` (made from the channel's log after ``from_pts`` up to
        ``to_pts``) and move the bot's cursor of the channel, in one transaction.

        ``from_pts`` None: the bot has no cursor of the channel yet (it just joined);
        ``to_pts`` None: forget the cursor (the bot left). ``member``: the bot's (role,
        admin rights) to remember with the cursor (None: unchanged). None (nothing queued)
        when the cursor is not where the caller saw it: someone else fed these entries
        already.
        """

        def feed(conn: sqlite3.Connection) -> list[QueuedUpdate] | None:
            if from_pts is None:
                role, rights = member or (0, 0)
                moved = conn.execute(
                    "INSERT OR IGNORE INTO channel_cursors"
                    " (bot_id, channel_id, pts, role, admin_rights) VALUES (?, ?, ?, ?, ?)",
                    (bot_id, channel_id, to_pts if to_pts is not None else 0, role, rights),
                )
            elif to_pts is None:
                moved = conn.execute(
                    "DELETE FROM channel_cursors WHERE bot_id = ? AND channel_id = ? AND pts = ?",
                    (bot_id, channel_id, from_pts),
                )
            else:
                moved = conn.execute(
                    "UPDATE channel_cursors SET pts = ?"
                    " WHERE bot_id = ? AND channel_id = ? AND pts = ?",
                    (to_pts, bot_id, channel_id, from_pts),
                )
            if moved.rowcount != 1:
                return None
            if member is not None and from_pts is not None and to_pts is not None:
                conn.execute(
                    "UPDATE channel_cursors SET role = ?, admin_rights = ?"
                    " WHERE bot_id = ? AND channel_id = ?",
                    (member[0], member[1], bot_id, channel_id),
                )
            return _queue(conn, bot_id, items)

        return await self._write(feed)

    async def enqueue(self, bot_id: int, item: NewBotUpdate) -> QueuedUpdate | None:
        """Queue one update that does not come from the box log (None: no such bot)."""

        def enqueue(conn: sqlite3.Connection) -> QueuedUpdate | None:
            queued = _queue(conn, bot_id, [item])
            return queued[0] if queued else None

        return await self._write(enqueue)

    async def pending(self, bot_id: int, offset: int = 0, limit: int = 100) -> list[QueuedUpdate]:
        """Queued updates with ``update_id >= offset``, oldest first, at most ``limit``."""

        def pending(conn: sqlite3.Connection) -> list[QueuedUpdate]:
            rows = conn.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE bot_id = ? AND update_id >= ? "
                "ORDER BY update_id LIMIT ?",
                (bot_id, offset, max(limit, 0)),
            )
            return [_update(row) for row in rows]

        return await self._db.read(pending)

    async def last_updates(self, bot_id: int, count: int) -> list[QueuedUpdate]:
        """The ``count`` newest queued updates, oldest first (a negative getUpdates offset)."""

        def last(conn: sqlite3.Connection) -> list[QueuedUpdate]:
            rows = conn.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE bot_id = ? "
                "ORDER BY update_id DESC LIMIT ?",
                (bot_id, max(count, 0)),
            )
            return [_update(row) for row in reversed(rows.fetchall())]

        return await self._db.read(last)

    async def confirm(self, bot_id: int, below: int) -> int:
        """Forget the updates with ``update_id < below``; how many were forgotten."""

        def confirm(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "DELETE FROM updates WHERE bot_id = ? AND update_id < ?", (bot_id, below)
            )
            return int(cur.rowcount)

        return await self._write(confirm)

    async def delete_update(self, bot_id: int, update_id: int) -> None:
        """Forget one update (the webhook took it)."""
        await self._write(
            lambda conn: conn.execute(
                "DELETE FROM updates WHERE bot_id = ? AND update_id = ?", (bot_id, update_id)
            )
        )

    async def drop_pending(self, bot_id: int) -> int:
        """Forget every queued update; how many there were."""

        def drop(conn: sqlite3.Connection) -> int:
            cur = conn.execute("DELETE FROM updates WHERE bot_id = ?", (bot_id,))
            return int(cur.rowcount)

        return await self._write(drop)

    async def pending_count(self, bot_id: int) -> int:
        """How many updates wait in the queue."""

        def count(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT COUNT(*) FROM updates WHERE bot_id = ?", (bot_id,))
            return int(row.fetchone()[0])

        return await self._db.read(count)
