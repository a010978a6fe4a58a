"""The auth-key store conformance suite: every backend must pass all of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgcore.errors import StorageError
from tgcore.mtproto.session import ServerSalt
from tgserver.store import (
    AuthKeyRecord,
    AuthKeyStore,
    ClientInfo,
    MemoryAuthKeyStore,
    SqliteAuthKeyStore,
)

CLIENT = ClientInfo(6, "Desktop", "Linux", "1.0", "en", "tdesktop", "en")


def record(key_id: int = -5, **kwargs: object) -> AuthKeyRecord:
    fields: dict[str, object] = {"key": bytes(range(256)), "created_at": 1_700_000_000.5}
    fields.update(kwargs)
    return AuthKeyRecord(key_id=key_id, **fields)  # type: ignore[arg-type]


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuthKeyStore]:
    """Each backend in turn."""
    backend: AuthKeyStore
    if request.param == "memory":
        backend = MemoryAuthKeyStore()
    else:
        backend = await SqliteAuthKeyStore.open(tmp_path / "keys.sqlite3")
    yield backend
    await backend.aclose()


async def test_add_and_get_round_trip(store: AuthKeyStore) -> None:
    salts = (ServerSalt(3600, 7200, -1), ServerSalt(7200, 10800, 2**63 - 1))
    original = record(
        key_id=-(2**63),
        is_temp=True,
        expires_at=1_700_003_600,
        dc_id=-10002,
        layer=229,
        client=CLIENT,
        salts=salts,
    )
    assert await store.add(original)
    assert await store.get(original.key_id) == original
    assert await store.get(1) is None
    assert await store.count() == 1


async def test_add_refuses_a_taken_id(store: AuthKeyStore) -> None:
    assert await store.add(record(key=b"\x01" * 256))
    assert not await store.add(record(key=b"\x02" * 256, layer=1))
    got = await store.get(-5)
    assert got is not None and got.key == b"\x01" * 256 and got.layer is None


async def test_short_keys_are_kept_as_is(store: AuthKeyStore) -> None:
    assert await store.add(record(key=b"\x07" * 255))
    got = await store.get(-5)
    assert got is not None and got.key == b"\x07" * 255


async def test_delete(store: AuthKeyStore) -> None:
    await store.add(record(salts=(ServerSalt(0, 3600, 1),)))
    assert await store.delete(-5)
    assert not await store.delete(-5)
    assert await store.get(-5) is None
    # A new key under the same id starts without the old salts.
    await store.add(record())
    got = await store.get(-5)
    assert got is not None and got.salts == ()


async def test_set_client(store: AuthKeyStore) -> None:
    await store.add(record())
    assert await store.set_client(-5, CLIENT, 229)
    got = await store.get(-5)
    assert got is not None and (got.client, got.layer) == (CLIENT, 229)
    assert await store.set_client(-5, None, None)
    got = await store.get(-5)
    assert got is not None and (got.client, got.layer) == (None, None)
    assert not await store.set_client(99, CLIENT, 1)


async def test_set_salts_replaces_them(store: AuthKeyStore) -> None:
    await store.add(record(salts=(ServerSalt(0, 3600, 1),)))
    new = [ServerSalt(7200, 10800, 3), ServerSalt(3600, 7200, 2)]
    assert await store.set_salts(-5, new)
    got = await store.get(-5)
    assert got is not None and list(got.salts) == sorted(new, key=lambda s: s.valid_since)
    assert not await store.set_salts(99, new)


async def test_delete_expired(store: AuthKeyStore) -> None:
    await store.add(record(1, is_temp=True, expires_at=100))
    await store.add(record(2, is_temp=True, expires_at=200))
    await store.add(record(3))
    assert await store.delete_expired(100) == 1
    assert await store.get(1) is None
    assert await store.get(2) is not None
    assert await store.delete_expired(1e12) == 1
    assert await store.count() == 1


async def test_record_repr_hides_the_key(store: AuthKeyStore) -> None:
    await store.add(record(key=b"\xab" * 256))
    got = await store.get(-5)
    assert "abab" not in repr(got) and "\\xab" not in repr(got)


async def test_closed_store_raises(store: AuthKeyStore) -> None:
    await store.aclose()
    with pytest.raises(StorageError):
        await store.get(1)
    await store.aclose()  # closing twice is fine
