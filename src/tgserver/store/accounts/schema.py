"""The SQLite schema of the account database (``accounts.sqlite3`` in the data directory)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from tgserver.store.database import SqliteDatabase

__all__ = ["ACCOUNTS_SCHEMA_VERSION", "open_accounts_database"]

#: ``PRAGMA user_version`` of the account database this module creates.
ACCOUNTS_SCHEMA_VERSION: Final = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    id           INTEGER PRIMARY KEY,
    phone        TEXT    NOT NULL UNIQUE,
    first_name   TEXT    NOT NULL,
    last_name    TEXT    NOT NULL DEFAULT '',
    username     TEXT,
    username_key TEXT    UNIQUE,
    about        TEXT    NOT NULL DEFAULT '',
    created_at   REAL    NOT NULL,
    pts          INTEGER NOT NULL, -- unused (the message store keeps pts); kept for schema 1
    bot          INTEGER NOT NULL DEFAULT 0  -- schema 2
);
CREATE TABLE IF NOT EXISTS authorizations (
    key_id     INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    hash       INTEGER NOT NULL,
    created_at REAL    NOT NULL,
    active_at  REAL    NOT NULL,
    ip         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS authorizations_user ON authorizations (user_id);
CREATE TABLE IF NOT EXISTS login_codes (
    phone           TEXT    NOT NULL,
    phone_code_hash TEXT    NOT NULL,
    code            TEXT    NOT NULL,
    auth_key_id     INTEGER NOT NULL,
    created_at      REAL    NOT NULL,
    expires_at      REAL    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    verified        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phone, phone_code_hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS login_codes_expires_at ON login_codes (expires_at);
CREATE TABLE IF NOT EXISTS contacts (
    owner_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    first_name TEXT    NOT NULL,
    last_name  TEXT    NOT NULL DEFAULT '',
    added_at   REAL    NOT NULL,
    PRIMARY KEY (owner_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contacts_reverse ON contacts (user_id, owner_id);
CREATE TABLE IF NOT EXISTS blocked (
    owner_id INTEGER NOT NULL,
    peer_id  INTEGER NOT NULL,
    date     INTEGER NOT NULL,
    PRIMARY KEY (owner_id, peer_id)
) WITHOUT ROWID;
"""


async def open_accounts_database(path: Path | str) -> SqliteDatabase:
    """Open (creating if needed) the account database at ``path``.

    ``synchronous = FULL``: a sign-up or a login that the client saw answered survives a
    power cut.

    Raises:
        StorageError: the file cannot be opened or holds a newer schema.
    """
    db = await SqliteDatabase.open(
        path,
        schema=_SCHEMA,
        version=ACCOUNTS_SCHEMA_VERSION,
        synchronous="FULL",
        what="account database",
        migrate=_migrate,
    )
    return db


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a schema-1 file up to date (``CREATE TABLE IF NOT EXISTS`` leaves it as it was)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(users)")}
    if "bot" not in columns:
        conn.execute("ALTER TABLE users ADD COLUMN bot INTEGER NOT NULL DEFAULT 0")
