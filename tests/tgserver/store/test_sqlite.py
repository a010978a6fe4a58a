"""What only the SQLite backend has: a file that survives reopening, WAL, schema versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import trio

from tgcore.errors import StorageError
from tgcore.mtproto.session import ServerSalt
from tgserver.store import SCHEMA_VERSION, AuthKeyRecord, ClientInfo, SqliteAuthKeyStore


async def test_keys_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    client = ClientInfo(1, "a", "b", "c", "d", "e", "f")
    record = AuthKeyRecord(
        key_id=42, key=b"\x05" * 256, created_at=1.0, client=client, salts=(ServerSalt(0, 1, 2),)
    )
    async with await SqliteAuthKeyStore.open(path) as store:
        assert store.path == path
        await store.add(record)
    async with await SqliteAuthKeyStore.open(path) as store:
        assert await store.get(42) == record


async def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with await SqliteAuthKeyStore.open(path):
        pass
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        await SqliteAuthKeyStore.open(path)


async def test_unopenable_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        await SqliteAuthKeyStore.open(tmp_path / "missing-dir" / "db.sqlite3")


async def test_sqlite_errors_become_storage_errors(tmp_path: Path) -> None:
    async with await SqliteAuthKeyStore.open(tmp_path / "db.sqlite3") as store:
        with pytest.raises(StorageError):
            await store._run(lambda conn: conn.execute("SELECT * FROM no_such_table"))
        assert await store.count() == 0


async def test_concurrent_calls_are_serialized(tmp_path: Path) -> None:
    async with await SqliteAuthKeyStore.open(tmp_path / "db.sqlite3") as store:
        async with trio.open_nursery() as nursery:
            for key_id in range(50):
                record = AuthKeyRecord(key_id=key_id, key=b"\x01" * 256, created_at=0.0)
                nursery.start_soon(store.add, record)
        assert await store.count() == 50


async def test_close_while_cancelled_still_closes(tmp_path: Path) -> None:
    store = await SqliteAuthKeyStore.open(tmp_path / "db.sqlite3")
    with trio.CancelScope() as scope:
        scope.cancel()
        await store.aclose()
    with pytest.raises(StorageError):
        await store.count()
