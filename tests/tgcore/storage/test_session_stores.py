"""One conformance suite that every SessionStore backend passes, plus backend-specific tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
import trio

from tgcore.errors import StorageError
from tgcore.storage import MemorySessionStore, SessionData, SessionStore, SqliteSessionStore

KEY = bytes(range(256))
DATA = SessionData(dc_id=2, host="127.0.0.1", port=8443, auth_key=KEY, salt=-5, time_offset=1.5)

StoreFactory = Callable[[], SessionStore]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A factory of stores that share one backing place (to test persistence)."""
    if request.param == "memory":
        store = MemorySessionStore()
        return lambda: store
    path = tmp_path / "client.session"
    return lambda: SqliteSessionStore(path)


# -- conformance ------------------------------------------------------------------------------


async def test_empty_store_loads_none(make_store: StoreFactory) -> None:
    store = make_store()
    assert isinstance(store, SessionStore)
    assert await store.load() is None


async def test_save_then_load_round_trips(make_store: StoreFactory) -> None:
    await make_store().save(DATA)
    assert await make_store().load() == DATA


async def test_save_replaces(make_store: StoreFactory) -> None:
    store = make_store()
    await store.save(DATA)
    newer = attrs.evolve(DATA, salt=2**63 - 1, user_id=42, host="::1", port=443)
    await store.save(newer)
    assert await make_store().load() == newer


async def test_extreme_values(make_store: StoreFactory) -> None:
    store = make_store()
    short_key = attrs.evolve(DATA, auth_key=b"\x01" * 255, salt=-(2**63), time_offset=-3600.25)
    await store.save(short_key)
    assert await make_store().load() == short_key


async def test_delete(make_store: StoreFactory) -> None:
    store = make_store()
    await store.delete()  # nothing saved: no error
    await store.save(DATA)
    await store.delete()
    assert await make_store().load() is None
    await store.save(DATA)
    assert await make_store().load() == DATA


async def test_concurrent_saves_leave_one_of_them(make_store: StoreFactory) -> None:
    store = make_store()
    values = [attrs.evolve(DATA, salt=i) for i in range(10)]
    async with trio.open_nursery() as nursery:
        for value in values:
            nursery.start_soon(store.save, value)
    assert await make_store().load() in values


# -- SessionData ------------------------------------------------------------------------------


def test_session_data_validates_the_key() -> None:
    with pytest.raises(ValueError):
        SessionData(dc_id=2, host="h", port=1, auth_key=b"")
    with pytest.raises(ValueError):
        SessionData(dc_id=2, host="h", port=1, auth_key=b"\x00" * 257)


def test_session_data_repr_hides_the_key() -> None:
    assert KEY.hex()[:32] not in repr(DATA)
    assert "auth_key" not in repr(DATA)


# -- SQLite specifics -------------------------------------------------------------------------


async def test_sqlite_file_created_on_first_save_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "me.session"
    store = SqliteSessionStore(path)
    assert store.path == path
    assert await store.load() is None
    await store.delete()
    assert not path.exists()
    await store.save(DATA)
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


async def test_sqlite_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "garbage.session"
    path.write_bytes(b"this is not sqlite" * 100)
    store = SqliteSessionStore(path)
    with pytest.raises(StorageError):
        await store.load()
    with pytest.raises(StorageError):
        await store.save(DATA)


async def test_sqlite_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.session"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="schema version 99"):
        await SqliteSessionStore(path).load()


async def test_sqlite_database_without_session_table(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE unrelated (x)")
    store = SqliteSessionStore(path)
    assert await store.load() is None
    await store.delete()
    await store.save(DATA)
    assert await store.load() == DATA


async def test_sqlite_bad_row_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.session"
    store = SqliteSessionStore(path)
    await store.save(DATA)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE session SET auth_key = x''")
    with pytest.raises(StorageError, match="bad session"):
        await store.load()


async def test_sqlite_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        await SqliteSessionStore(blocker / "me.session").save(DATA)
