"""What only the SQLite account database has: a file that survives reopening, WAL, schema
versions, and writes from another process seen at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tgcore.errors import StorageError
from tgserver.store.accounts import (
    ACCOUNTS_SCHEMA_VERSION,
    AccountStores,
    AuthorizationRecord,
    NewUser,
)


async def test_everything_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite3"
    async with await AccountStores.open_sqlite(path) as stores:
        user = await stores.users.create_user(NewUser(phone="15550001", first_name="Ann"))
        await stores.authorizations.bind(
            AuthorizationRecord(key_id=9, user_id=user.id, hash=5, created_at=1.0, active_at=2.0)
        )
        secret = await stores.users.server_secret(b"s" * 32)
    async with await AccountStores.open_sqlite(path) as stores:
        assert await stores.users.get_user(user.id) == user
        assert await stores.authorizations.user_for_key(9) == user.id
        assert await stores.users.server_secret(b"t" * 32) == secret


async def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite3"
    async with await AccountStores.open_sqlite(path):
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA user_version").fetchone()[0] == ACCOUNTS_SCHEMA_VERSION
        finally:
            conn.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {ACCOUNTS_SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        await AccountStores.open_sqlite(path)


async def test_writes_of_another_connection_are_seen_at_once(tmp_path: Path) -> None:
    """``tgserver users add`` writes while the server holds the database open."""
    path = tmp_path / "accounts.sqlite3"
    async with (
        await AccountStores.open_sqlite(path) as server,
        await AccountStores.open_sqlite(path) as cli,
    ):
        assert await server.users.user_by_phone("15550001") is None
        added = await cli.users.create_user(NewUser(phone="15550001", first_name="Ann"))
        assert await server.users.user_by_phone("15550001") == added
        # Ids stay unique across writers.
        other = await server.users.create_user(NewUser(phone="15550002", first_name="Bob"))
        assert other.id == added.id + 1


async def test_unopenable_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        await AccountStores.open_sqlite(tmp_path / "missing" / "accounts.sqlite3")
