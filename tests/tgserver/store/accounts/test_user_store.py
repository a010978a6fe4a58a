"""UserStore conformance: every backend must pass all of it."""

from __future__ import annotations

import pytest

from tgcore.errors import StorageError
from tgserver.store.accounts import (
    FIRST_USER_ID,
    AccountConflict,
    AccountStores,
    NewUser,
    UserRecord,
)


def new(phone: str = "15550001", username: str | None = None, **kw: object) -> NewUser:
    return NewUser(phone=phone, first_name="Ann", username=username, created_at=5.5, **kw)  # type: ignore[arg-type]


async def test_create_and_get(stores: AccountStores) -> None:
    users = stores.users
    ann = await users.create_user(new(last_name="Lee", about="hi", username="Ann_1"))
    assert ann == UserRecord(
        id=FIRST_USER_ID,
        phone="15550001",
        first_name="Ann",
        last_name="Lee",
        username="Ann_1",
        about="hi",
        created_at=5.5,
    )
    bob = await users.create_user(new("15550002"))
    assert bob.id == FIRST_USER_ID + 1 and bob.username is None and bob.last_name == ""
    assert await users.get_user(ann.id) == ann
    assert await users.get_user(1) is None
    assert await users.get_users([bob.id, ann.id, 7, bob.id]) == {ann.id: ann, bob.id: bob}
    assert await users.get_users([]) == {}
    assert await users.user_by_phone("15550002") == bob
    assert await users.user_by_phone("1555") is None


async def test_get_many_users(stores: AccountStores) -> None:
    created = [await stores.users.create_user(new(str(10_000 + i))) for i in range(600)]
    found = await stores.users.get_users([u.id for u in created] + [0])
    assert len(found) == 600


async def test_phone_and_username_are_unique(stores: AccountStores) -> None:
    users = stores.users
    await users.create_user(new(username="Alice"))
    with pytest.raises(AccountConflict) as info:
        await users.create_user(new())
    assert info.value.field == "phone"
    with pytest.raises(AccountConflict) as info:
        await users.create_user(new("2", username="aLiCe"))
    assert info.value.field == "username"
    assert [u.phone for u in await users.list_users()] == ["15550001"]


async def test_usernames_are_case_insensitive(stores: AccountStores) -> None:
    users = stores.users
    ann = await users.create_user(new(username="Alice"))
    assert await users.user_by_username("ALICE") == ann
    assert await users.user_by_username("alic") is None
    bob = await users.create_user(new("2"))
    with pytest.raises(AccountConflict):
        await users.set_username(bob.id, "alice")
    # The owner may change the case of its own username.
    renamed = await users.set_username(ann.id, "ALICE")
    assert renamed is not None and renamed.username == "ALICE"
    assert await users.set_username(bob.id, "bob_b") is not None
    cleared = await users.set_username(ann.id, None)
    assert cleared is not None and cleared.username is None
    assert await users.user_by_username("alice") is None
    took = await users.set_username(bob.id, "Alice")  # freed: anyone may take it
    assert took is not None and (await users.user_by_username("bob_b")) is None
    assert await users.set_username(12345, "x") is None


async def test_search_usernames(stores: AccountStores) -> None:
    users = stores.users
    for i, name in enumerate(["carol", "Carl_x", "carla", "bob", "c_a_r"]):
        await users.create_user(new(str(i), username=name))
    await users.create_user(new("99"))  # no username
    found = await users.search_usernames("CAR", 10)
    assert [u.username for u in found] == ["Carl_x", "carla", "carol"]
    assert [u.username for u in await users.search_usernames("car", 2)] == ["Carl_x", "carla"]
    # LIKE wildcards in the prefix are literal characters.
    assert [u.username for u in await users.search_usernames("c_", 10)] == ["c_a_r"]
    assert await users.search_usernames("%", 10) == []
    assert await users.search_usernames("car", 0) == []


async def test_list_users_pages(stores: AccountStores) -> None:
    users = stores.users
    ids = [(await users.create_user(new(str(i)))).id for i in range(5)]
    assert [u.id for u in await users.list_users(limit=2)] == ids[:2]
    assert [u.id for u in await users.list_users(after_id=ids[1], limit=10)] == ids[2:]
    assert await users.list_users(after_id=ids[-1]) == []


async def test_update_profile(stores: AccountStores) -> None:
    users = stores.users
    ann = await users.create_user(new(last_name="Lee", about="bio"))
    changed = await users.update_profile(ann.id, first_name="Anna")
    assert changed is not None
    assert (changed.first_name, changed.last_name, changed.about) == ("Anna", "Lee", "bio")
    changed = await users.update_profile(ann.id, last_name="", about="new")
    assert changed is not None
    assert (changed.first_name, changed.last_name, changed.about) == ("Anna", "", "new")
    assert await users.get_user(ann.id) == changed
    assert await users.update_profile(4242, first_name="X") is None


async def test_server_secret_is_kept(stores: AccountStores) -> None:
    assert await stores.users.server_secret(b"a" * 32) == b"a" * 32
    assert await stores.users.server_secret(b"b" * 32) == b"a" * 32


async def test_closed_store_raises(stores: AccountStores) -> None:
    await stores.aclose()
    with pytest.raises(StorageError):
        await stores.users.get_user(1)
    await stores.aclose()
