"""Upload states in every SessionStore backend (one conformance suite), plus SQLite specifics."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import trio

from tgcore.errors import StorageError
from tgcore.files import UploadState, plan_upload
from tgcore.storage import MemorySessionStore, SessionData, SessionStore, SqliteSessionStore

StoreFactory = Callable[[], SessionStore]
SMALL = UploadState.start(plan_upload(300_000), file_id=-42, started_at=1.25).with_part(1)
BIG = UploadState.start(plan_upload(1_500_000_000), file_id=2**62, started_at=2.5)
DATA = SessionData(dc_id=2, host="127.0.0.1", port=8443, auth_key=bytes(range(256)))


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A factory of stores that share one backing place (to test persistence)."""
    if request.param == "memory":
        store = MemorySessionStore()
        return lambda: store
    path = tmp_path / "client.session"
    return lambda: SqliteSessionStore(path)


async def test_unknown_key_is_none(make_store: StoreFactory) -> None:
    store = make_store()
    assert await store.get_upload("nothing") is None
    await store.delete_upload("nothing")  # no error


async def test_put_get_replace_delete(make_store: StoreFactory) -> None:
    store = make_store()
    await store.put_upload("a", SMALL)
    await store.put_upload("b", BIG)
    assert await make_store().get_upload("a") == SMALL
    assert await make_store().get_upload("b") == BIG
    newer = SMALL.with_part(0).with_md5(hashlib.md5(b"x").hexdigest())
    await store.put_upload("a", newer)
    assert await make_store().get_upload("a") == newer
    await store.delete_upload("a")
    assert await make_store().get_upload("a") is None
    assert await make_store().get_upload("b") == BIG


async def test_uploads_and_session_are_independent(make_store: StoreFactory) -> None:
    store = make_store()
    await store.put_upload("a", SMALL)
    assert await store.load() is None
    await store.save(DATA)
    await store.delete()
    assert await make_store().get_upload("a") == SMALL
    await store.save(DATA)
    await store.delete_upload("a")
    assert await make_store().load() == DATA


async def test_concurrent_puts(make_store: StoreFactory) -> None:
    store = make_store()
    states = [SMALL.with_part(0)] + [SMALL] * 3
    async with trio.open_nursery() as nursery:
        for i, state in enumerate(states):
            nursery.start_soon(store.put_upload, f"k{i}", state)
    for i, state in enumerate(states):
        assert await make_store().get_upload(f"k{i}") == state


# -- SQLite specifics -------------------------------------------------------------------------


async def test_sqlite_file_created_by_put(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "me.session"
    store = SqliteSessionStore(path)
    assert await store.get_upload("a") is None
    await store.delete_upload("a")
    assert not path.exists()
    await store.put_upload("a", SMALL)
    assert path.exists()
    assert await store.load() is None
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


async def test_sqlite_version_1_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.session"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE session (id INTEGER PRIMARY KEY CHECK (id = 1), dc_id INTEGER NOT NULL,"
            " host TEXT NOT NULL, port INTEGER NOT NULL, auth_key BLOB NOT NULL,"
            " salt INTEGER NOT NULL, time_offset REAL NOT NULL, user_id INTEGER)"
        )
        conn.execute(
            "INSERT INTO session VALUES (1, 2, '127.0.0.1', 8443, ?, 0, 0.0, NULL)",
            (DATA.auth_key,),
        )
        conn.execute("PRAGMA user_version = 1")
    store = SqliteSessionStore(path)
    assert await store.get_upload("a") is None
    await store.delete_upload("a")
    await store.put_upload("a", SMALL)
    assert await store.get_upload("a") == SMALL
    assert await store.load() == DATA
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


async def test_sqlite_bad_state_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.session"
    store = SqliteSessionStore(path)
    await store.put_upload("a", SMALL)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE upload_state SET state = x'00'")
    with pytest.raises(StorageError, match="bad upload state"):
        await store.get_upload("a")
    await store.delete_upload("a")
    assert await store.get_upload("a") is None


async def test_sqlite_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "garbage.session"
    path.write_bytes(b"this is not sqlite" * 100)
    store = SqliteSessionStore(path)
    with pytest.raises(StorageError):
        await store.get_upload("a")
    with pytest.raises(StorageError):
        await store.put_upload("a", SMALL)
