"""The schema of one message-store shard and how its connections are opened (blocking)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final, Literal

from tgcore.errors import StorageError

__all__: list[str] = []

#: ``PRAGMA user_version`` of the shard schema this module creates. Version 2 added the
#: ``reply_markup`` and ``action`` columns of ``messages``, version 3 ``grouped_id`` (albums;
#: see :func:`_migrate`).
SCHEMA_VERSION: Final = 3

#: SQLite's ``synchronous`` setting for the shards. In WAL mode both survive a killed
#: process; only ``FULL`` (an fsync per commit) also survives a power cut.
Synchronous = Literal["FULL", "NORMAL"]

#: How long a connection waits for another one's lock (milliseconds).
BUSY_TIMEOUT_MS: Final = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shard (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 0),
    shard_index INTEGER NOT NULL,
    shard_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boxes (
    owner   INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL,
    pts     INTEGER NOT NULL,
    date    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    owner       INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    peer        INTEGER NOT NULL,
    from_id     INTEGER NOT NULL,
    out         INTEGER NOT NULL,
    date        INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    entities    BLOB,
    media       BLOB,
    reply_to    INTEGER,
    fwd_from    BLOB,
    edit_date   INTEGER,
    random_id   INTEGER,
    origin_user INTEGER NOT NULL,
    origin_id   INTEGER NOT NULL,
    pts         INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0,
    reply_markup BLOB,
    action      BLOB,
    grouped_id  INTEGER,
    PRIMARY KEY (owner, id)
);
CREATE INDEX IF NOT EXISTS messages_history ON messages (owner, peer, id);
CREATE UNIQUE INDEX IF NOT EXISTS messages_origin ON messages (owner, origin_user, origin_id);
CREATE UNIQUE INDEX IF NOT EXISTS messages_random ON messages (owner, random_id)
    WHERE random_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_pts ON messages (owner, pts);
CREATE TABLE IF NOT EXISTS dialogs (
    owner              INTEGER NOT NULL,
    peer               INTEGER NOT NULL,
    top_message        INTEGER NOT NULL,
    top_date           INTEGER NOT NULL,
    read_inbox_max_id  INTEGER NOT NULL DEFAULT 0,
    read_outbox_max_id INTEGER NOT NULL DEFAULT 0,
    unread_count       INTEGER NOT NULL DEFAULT 0,
    pinned_order       INTEGER,
    PRIMARY KEY (owner, peer)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dialogs_order ON dialogs (owner, top_date, top_message, peer);
CREATE TABLE IF NOT EXISTS updates (
    owner        INTEGER NOT NULL,
    pts          INTEGER NOT NULL,
    pts_count    INTEGER NOT NULL,
    kind         INTEGER NOT NULL,
    date         INTEGER NOT NULL,
    peer         INTEGER NOT NULL,
    ids          BLOB    NOT NULL,
    max_id       INTEGER NOT NULL,
    still_unread INTEGER NOT NULL,
    payload      BLOB    NOT NULL,
    PRIMARY KEY (owner, pts)
);
CREATE TABLE IF NOT EXISTS outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    origin_user INTEGER NOT NULL,
    origin_id   INTEGER NOT NULL,
    op          BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_origin ON outbox (origin_user, origin_id);
CREATE TABLE IF NOT EXISTS tombstones (
    owner       INTEGER NOT NULL,
    origin_user INTEGER NOT NULL,
    origin_id   INTEGER NOT NULL,
    PRIMARY KEY (owner, origin_user, origin_id)
) WITHOUT ROWID;
"""


def shard_path(directory: Path, index: int) -> Path:
    """The file of shard ``index`` in ``directory``."""
    return directory / f"messages.{index}.sqlite3"


#: Columns later versions added to tables of version 1: (table, column, declaration).
_ADDED_COLUMNS: Final = (
    ("messages", "reply_markup", "BLOB"),
    ("messages", "action", "BLOB"),
    ("messages", "grouped_id", "INTEGER"),
)


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file of an older schema up to :data:`SCHEMA_VERSION` (idempotent).

    ``CREATE TABLE IF NOT EXISTS`` leaves an old table as it was, so added columns are added
    here. Each column is checked first: a crash between an ``ALTER TABLE`` and the
    ``user_version`` bump must not make the next open fail on a duplicate column.
    """
    for table, column, declaration in _ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _configure(conn: sqlite3.Connection, synchronous: Synchronous) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")


def connect_writer(
    path: Path, *, index: int, count: int, synchronous: Synchronous
) -> sqlite3.Connection:
    """Open (creating) a shard file for writing; checks its schema version and placement.

    Raises:
        StorageError: a newer schema, or a file written as another shard or shard count.
        sqlite3.Error: the file cannot be opened.
    """
    # check_same_thread=False: successive batches run on different worker threads; the
    # shard's limiter guarantees they never overlap.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _configure(conn, synchronous)
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise StorageError(f"{path}: schema version {found} is newer than this server")
        conn.executescript(_SCHEMA)
        if found < SCHEMA_VERSION:
            _migrate(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        row = conn.execute("SELECT shard_index, shard_count FROM shard").fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO shard (singleton, shard_index, shard_count) VALUES (0, ?, ?)",
                (index, count),
            )
        elif tuple(row) != (index, count):
            raise StorageError(
                f"{path}: written as shard {row[0]} of {row[1]}, opened as shard {index} of "
                f"{count}; changing the shard count needs a migration"
            )
    except BaseException:
        conn.close()
        raise
    return conn


def connect_reader(path: Path, *, synchronous: Synchronous) -> sqlite3.Connection:
    """A second, read-only connection to a shard: WAL lets it read while the writer commits."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _configure(conn, synchronous)
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn
