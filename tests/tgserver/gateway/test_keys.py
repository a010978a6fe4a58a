"""The gateway's key cache: salts that persist, temporary keys, collisions, client info."""

from __future__ import annotations

import logging

import pytest

from tgcore.crypto import AuthKey
from tgcore.mtproto.handshake import AuthKeyCreated
from tgcore.mtproto.session import SaltSchedule
from tgcore.testing import FakeClock, SeededRandom
from tgserver.gateway import KeyRegistry, TrackedSalts
from tgserver.store import AuthKeyRecord, ClientInfo, MemoryAuthKeyStore

KEY = AuthKey(bytes(range(256)))


def test_tracked_salts_notice_new_windows_and_future_salts() -> None:
    clock = FakeClock(7200.0)
    salts = TrackedSalts(SaltSchedule(SeededRandom(1)), clock())
    first = salts.current(clock())
    assert not salts.dirty
    assert salts.is_valid(first, clock())
    clock.advance(3600)
    assert salts.current(clock()) != first
    assert salts.dirty
    salts.snapshot()
    assert not salts.dirty
    assert len(salts.future(clock(), 3)) == 3
    assert salts.dirty


async def test_register_load_and_persist_salts() -> None:
    store = MemoryAuthKeyStore()
    clock = FakeClock(10_000.0)
    registry = KeyRegistry(store, rng=SeededRandom(2), clock=clock)
    assert registry.store is store
    assert await registry.register(AuthKeyCreated(auth_key=KEY, first_salt=5))
    assert len(registry) == 1 and registry.key_ids() == [KEY.key_id]
    assert registry.key_id_in_use(KEY.key_id)
    state = registry.cached(KEY.key_id)
    assert state is not None
    assert registry.salts_for(KEY) is state.salts
    assert registry.auth_key(KEY.key_id) == KEY and registry.auth_key(1) is None
    # A new salt window: the next use persists the salts.
    clock.advance(3600)
    state.salts.current(clock())
    await registry.used(state)
    record = await store.get(KEY.key_id)
    assert record is not None and len(record.salts) == 2
    # Evicted, then loaded back with the same salts.
    registry.evict(KEY.key_id)
    loaded = await registry.load(KEY.key_id)
    assert loaded is not None and loaded is not state
    assert loaded.salts.is_valid(state.salts.current(clock()), clock())
    assert await registry.load(KEY.key_id) is loaded  # cached now
    assert await registry.load(12345) is None


async def test_expired_temporary_keys_do_not_load() -> None:
    store = MemoryAuthKeyStore()
    clock = FakeClock(1000.0)
    await store.add(
        AuthKeyRecord(key_id=KEY.key_id, key=KEY.key, created_at=0.0, is_temp=True, expires_at=999)
    )
    assert await KeyRegistry(store, clock=clock).load(KEY.key_id) is None


async def test_register_refuses_a_taken_key_id(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryAuthKeyStore()
    await store.add(AuthKeyRecord(key_id=KEY.key_id, key=b"\x01" * 256, created_at=0.0))
    registry = KeyRegistry(store)
    with caplog.at_level(logging.WARNING):
        assert not await registry.register(AuthKeyCreated(auth_key=KEY, first_salt=1))
    assert "already taken" in caplog.text
    assert registry.cached(KEY.key_id) is None
    assert bytes(range(256)).hex() not in caplog.text  # never the key itself


async def test_remember_client_writes_only_changes() -> None:
    store = MemoryAuthKeyStore()
    registry = KeyRegistry(store)
    await registry.register(AuthKeyCreated(auth_key=KEY, first_salt=1))
    client = ClientInfo(1, "a", "b", "c", "d", "e", "f")
    writes: list[object] = []
    original = store.set_client

    async def counting(*args: object) -> bool:
        writes.append(args)
        return await original(*args)  # type: ignore[arg-type]

    store.set_client = counting  # type: ignore[method-assign]
    await registry.remember_client(KEY.key_id, client, 229)
    await registry.remember_client(KEY.key_id, client, 229)
    assert len(writes) == 1
    # A key not in the cache is written through.
    await registry.remember_client(42, client, 229)
    assert len(writes) == 2
    record = await store.get(KEY.key_id)
    assert record is not None and (record.client, record.layer) == (client, 229)
