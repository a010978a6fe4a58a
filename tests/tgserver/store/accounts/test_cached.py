"""The write-through caches: what they keep, what they drop, what they never keep."""

from __future__ import annotations

from pathlib import Path

import trio
import trio.testing

from tgserver.store.accounts import (
    AccountStores,
    BlockRecord,
    CachedContactStore,
    CachedUserStore,
    ContactRecord,
    MemoryContactStore,
    MemoryUserStore,
    NewUser,
    UserRecord,
)
from tgserver.store.accounts.cached import LruCache


def new_user(phone: str) -> NewUser:
    return NewUser(phone=phone, first_name="Ann", created_at=1.0)


def test_lru_evicts_least_recently_used() -> None:
    cache: LruCache[int, str] = LruCache(2)
    cache.put(1, "a")
    cache.put(2, "b")
    assert cache.get(1) == "a"  # 2 is now the least recently used
    cache.put(3, "c")
    assert len(cache) == 2
    assert cache.get(2, None) is None
    assert (cache.get(1), cache.get(3)) == ("a", "c")


async def test_sqlite_stores_are_cached_unless_disabled(tmp_path: Path) -> None:
    async with await AccountStores.open_sqlite(tmp_path / "a.sqlite3") as stores:
        assert isinstance(stores.users, CachedUserStore)
        assert isinstance(stores.contacts, CachedContactStore)
    async with await AccountStores.open_sqlite(tmp_path / "a.sqlite3", cache_size=0) as stores:
        assert not isinstance(stores.users, CachedUserStore)
        assert not isinstance(stores.contacts, CachedContactStore)


async def test_user_created_by_another_process_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    async with await AccountStores.open_sqlite(path) as server:
        # A miss is not cached...
        assert await server.users.get_user(1_000_000_000) is None
        assert await server.users.get_users([1_000_000_000]) == {}
        # ... so an account another connection (``tgserver users add``) creates shows up.
        async with await AccountStores.open_sqlite(path, cache_size=0) as cli:
            created = await cli.users.create_user(new_user("15550001"))
        assert await server.users.get_user(created.id) == created
        assert await server.users.get_users([created.id, 5]) == {created.id: created}


async def test_found_users_are_served_from_the_cache() -> None:
    backend = MemoryUserStore()
    users = CachedUserStore(backend, size=10)
    ann = await users.create_user(new_user("15550001"))
    assert await users.get_user(ann.id) == ann
    # A change behind the cache's back is not seen: the hit never reaches the backend.
    await backend.update_profile(ann.id, first_name="Changed")
    assert await users.get_user(ann.id) == ann
    assert await users.get_users([ann.id]) == {ann.id: ann}
    # A change through the cache is.
    updated = await users.update_profile(ann.id, about="hi")
    assert updated is not None and updated.about == "hi"
    assert await users.get_user(ann.id) == updated
    renamed = await users.set_username(ann.id, "ann")
    assert await users.get_users([ann.id]) == {ann.id: renamed}


async def test_read_overlapping_a_write_is_not_cached() -> None:
    backend = MemoryUserStore()
    users = CachedUserStore(backend, size=10)
    ann = await users.create_user(new_user("15550001"))
    release = trio.Event()
    real_get = backend.get_user

    async def slow_get(user_id: int) -> UserRecord | None:
        found = await real_get(user_id)  # the old record, read before the write
        await release.wait()
        return found

    backend.get_user = slow_get  # type: ignore[method-assign]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(users.get_user, ann.id)
        await trio.testing.wait_all_tasks_blocked()
        await users.update_profile(ann.id, first_name="New")
        release.set()
    backend.get_user = real_get  # type: ignore[method-assign]
    found = await users.get_user(ann.id)
    assert found is not None and found.first_name == "New"


async def test_contact_and_block_writes_drop_cached_pairs() -> None:
    contacts = CachedContactStore(MemoryContactStore(), size=10)
    assert await contacts.relations(1, [2]) == {}
    assert await contacts.relations(2, [1]) == {}
    assert await contacts.blocked_among(1, [2, 3]) == set()
    await contacts.add_contacts([ContactRecord(owner_id=1, user_id=2, first_name="B")])
    mine = await contacts.relations(1, [2])
    assert mine[2].contact is not None and not mine[2].reverse
    assert (await contacts.relations(2, [1]))[1].reverse
    await contacts.delete_contacts(1, [2])
    assert await contacts.relations(1, [2]) == {}
    assert await contacts.relations(2, [1]) == {}
    assert await contacts.block(BlockRecord(owner_id=1, peer_id=3, date=1))
    assert await contacts.blocked_among(1, [2, 3]) == {3}
    assert await contacts.unblock(1, 3)
    assert await contacts.blocked_among(1, [3]) == set()
