"""The SQLite auth-key store: the embedded default, one file in the data directory.

sqlite3 is a blocking library and aiosqlite resolves asyncio futures, which Trio cannot await.
This backend therefore uses the standard ``sqlite3`` module behind ``trio.to_thread.run_sync``
with a ``CapacityLimiter(1)`` (:class:`~tgserver.store.database.SqliteDatabase`): one
connection, and at most one worker thread touching it at any time, every statement in call
order. That is the single-thread model aiosqlite uses, without the asyncio dependency.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from tgcore.mtproto.session import ServerSalt
from tgserver.store.database import SqliteDatabase
from tgserver.store.records import AuthKeyRecord, ClientInfo

__all__ = ["SCHEMA_VERSION", "SqliteAuthKeyStore"]

#: ``PRAGMA user_version`` of the schema this module creates.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_keys (
    key_id           INTEGER PRIMARY KEY,
    auth_key         BLOB    NOT NULL,
    created_at       REAL    NOT NULL,
    is_temp          INTEGER NOT NULL DEFAULT 0,
    expires_at       INTEGER,
    dc_id            INTEGER,
    layer            INTEGER,
    api_id           INTEGER,
    device_model     TEXT,
    system_version   TEXT,
    app_version      TEXT,
    system_lang_code TEXT,
    lang_pack        TEXT,
    lang_code        TEXT
);
CREATE INDEX IF NOT EXISTS auth_keys_expires_at ON auth_keys (expires_at)
    WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS server_salts (
    key_id      INTEGER NOT NULL REFERENCES auth_keys (key_id) ON DELETE CASCADE,
    valid_since INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    salt        INTEGER NOT NULL,
    PRIMARY KEY (key_id, valid_since)
) WITHOUT ROWID;
"""

_CLIENT_COLUMNS = (
    "api_id, device_model, system_version, app_version, system_lang_code, lang_pack, lang_code"
)
_SELECT_KEY = (
    "SELECT key_id, auth_key, created_at, is_temp, expires_at, dc_id, layer, "
    f"{_CLIENT_COLUMNS} FROM auth_keys WHERE key_id = ?"
)

T = TypeVar("T")


def _record(row: tuple[Any, ...], salts: list[tuple[int, int, int]]) -> AuthKeyRecord:
    key_id, key, created_at, is_temp, expires_at, dc_id, layer = row[:7]
    client = None
    if row[7] is not None:
        client = ClientInfo(*row[7:14])
    return AuthKeyRecord(
        key_id=key_id,
        key=bytes(key),
        created_at=created_at,
        is_temp=bool(is_temp),
        expires_at=expires_at,
        dc_id=dc_id,
        layer=layer,
        client=client,
        salts=tuple(ServerSalt(*salt) for salt in salts),
    )


def _client_values(client: ClientInfo | None) -> tuple[Any, ...]:
    if client is None:
        return (None,) * 7
    return (
        client.api_id,
        client.device_model,
        client.system_version,
        client.app_version,
        client.system_lang_code,
        client.lang_pack,
        client.lang_code,
    )


def _insert_salts(conn: sqlite3.Connection, key_id: int, salts: Sequence[ServerSalt]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO server_salts (key_id, valid_since, valid_until, salt) "
        "VALUES (?, ?, ?, ?)",
        [(key_id, s.valid_since, s.valid_until, s.salt) for s in salts],
    )


class SqliteAuthKeyStore:
    """Auth keys, their client info and salts in an SQLite database (WAL mode).

    Open it with ``await SqliteAuthKeyStore.open(path)`` (or ``async with`` on the result);
    the schema is created on first open. Writes use ``synchronous = FULL``: when a method
    returns, the change survives a crash or a power cut.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        """Use :meth:`open` instead; this takes an already opened database."""
        self._db = db

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Open (creating if needed) the database file at ``path``.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        # Auth keys are written once per handshake and must survive a power cut (FULL): a
        # client whose key vanished has to redo the handshake and loses its login.
        db = await SqliteDatabase.open(
            path,
            schema=_SCHEMA,
            version=SCHEMA_VERSION,
            synchronous="FULL",
            what="auth-key store",
        )
        return cls(db)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._db.read(fn)

    async def add(self, record: AuthKeyRecord) -> bool:
        """Store a new key (and its salts); False if its key_id is already taken."""

        def add(conn: sqlite3.Connection) -> bool:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO auth_keys (key_id, auth_key, created_at, is_temp, "
                    f"expires_at, dc_id, layer, {_CLIENT_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.key_id,
                        record.key,
                        record.created_at,
                        int(record.is_temp),
                        record.expires_at,
                        record.dc_id,
                        record.layer,
                        *_client_values(record.client),
                    ),
                )
                if cursor.rowcount != 1:
                    return False
                _insert_salts(conn, record.key_id, record.salts)
                return True

        return await self._run(add)

    async def get(self, key_id: int) -> AuthKeyRecord | None:
        """The key with this id, with its client info and salts; None if unknown."""

        def get(conn: sqlite3.Connection) -> AuthKeyRecord | None:
            row = conn.execute(_SELECT_KEY, (key_id,)).fetchone()
            if row is None:
                return None
            salts = conn.execute(
                "SELECT valid_since, valid_until, salt FROM server_salts WHERE key_id = ? "
                "ORDER BY valid_since",
                (key_id,),
            ).fetchall()
            return _record(row, salts)

        return await self._run(get)

    async def delete(self, key_id: int) -> bool:
        """Forget a key and its salts; False if it did not exist."""

        def delete(conn: sqlite3.Connection) -> bool:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                return (
                    conn.execute("DELETE FROM auth_keys WHERE key_id = ?", (key_id,)).rowcount > 0
                )

        return await self._run(delete)

    async def set_client(self, key_id: int, client: ClientInfo | None, layer: int | None) -> bool:
        """Replace the initConnection info and layer of a key; False if unknown."""

        def update(conn: sqlite3.Connection) -> bool:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                cursor = conn.execute(
                    "UPDATE auth_keys SET layer = ?, api_id = ?, device_model = ?, "
                    "system_version = ?, app_version = ?, system_lang_code = ?, lang_pack = ?, "
                    "lang_code = ? WHERE key_id = ?",
                    (layer, *_client_values(client), key_id),
                )
                return cursor.rowcount > 0

        return await self._run(update)

    async def set_salts(self, key_id: int, salts: Sequence[ServerSalt]) -> bool:
        """Replace the salts of a key; False if unknown."""
        salts = list(salts)

        def update(conn: sqlite3.Connection) -> bool:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                found = conn.execute("SELECT 1 FROM auth_keys WHERE key_id = ?", (key_id,))
                if found.fetchone() is None:
                    return False
                conn.execute("DELETE FROM server_salts WHERE key_id = ?", (key_id,))
                _insert_salts(conn, key_id, salts)
                return True

        return await self._run(update)

    async def delete_expired(self, now: float) -> int:
        """Delete temporary keys whose ``expires_at`` is at or before ``now``; how many."""

        def delete(conn: sqlite3.Connection) -> int:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                cursor = conn.execute(
                    "DELETE FROM auth_keys WHERE expires_at IS NOT NULL AND expires_at <= ?",
                    (now,),
                )
                return cursor.rowcount

        return await self._run(delete)

    async def count(self) -> int:
        """How many keys are stored."""

        def count(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT COUNT(*) FROM auth_keys").fetchone()[0])

        return await self._run(count)

    async def aclose(self) -> None:
        """Close the database; later calls raise StorageError. Closing twice is fine."""
        await self._db.aclose()
