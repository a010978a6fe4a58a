"""ContactStore conformance: every backend must pass all of it."""

from __future__ import annotations

import pytest

from tgcore.errors import StorageError
from tgserver.store.accounts import AccountStores, BlockRecord, ContactRecord, Relation


def contact(owner: int, user: int, name: str = "X", added_at: float = 1.0) -> ContactRecord:
    return ContactRecord(owner_id=owner, user_id=user, first_name=name, added_at=added_at)


async def test_add_list_and_rename(stores: AccountStores) -> None:
    store = stores.contacts
    await store.add_contacts([contact(1, 30, "C"), contact(1, 20, "B"), contact(2, 1, "A")])
    await store.add_contacts([])
    assert [c.user_id for c in await store.contacts(1)] == [20, 30]
    assert await store.count_contacts(1) == 2
    assert await store.count_contacts(3) == 0
    await store.add_contacts(
        [ContactRecord(owner_id=1, user_id=20, first_name="Bee", last_name="L", added_at=9.0)]
    )
    renamed = (await store.contacts(1))[0]
    # Renaming keeps the date the contact was first added.
    assert (renamed.first_name, renamed.last_name, renamed.added_at) == ("Bee", "L", 1.0)


async def test_delete(stores: AccountStores) -> None:
    store = stores.contacts
    await store.add_contacts([contact(1, i) for i in range(10, 15)])
    assert await store.delete_contacts(1, [14, 10, 99, 10]) == [10, 14]
    assert await store.delete_contacts(1, []) == []
    assert await store.delete_contacts(2, [11]) == []
    assert [c.user_id for c in await store.contacts(1)] == [11, 12, 13]


async def test_relations(stores: AccountStores) -> None:
    store = stores.contacts
    await store.add_contacts([contact(1, 2), contact(2, 1), contact(1, 3), contact(4, 1)])
    relations = await store.relations(1, [2, 3, 4, 5, 1])
    assert relations == {
        2: Relation(contact=contact(1, 2), reverse=True),
        3: Relation(contact=contact(1, 3), reverse=False),
        4: Relation(contact=None, reverse=True),
    }
    assert relations[2].mutual and not relations[3].mutual and not relations[4].mutual
    assert await store.relations(1, []) == {}
    many = await store.relations(1, range(2, 1200))
    assert set(many) == {2, 3, 4}


async def test_block_list(stores: AccountStores) -> None:
    store = stores.contacts
    assert await store.block(BlockRecord(owner_id=1, peer_id=5, date=100))
    assert not await store.block(BlockRecord(owner_id=1, peer_id=5, date=999))
    assert await store.block(BlockRecord(owner_id=1, peer_id=7, date=200))
    assert await store.block(BlockRecord(owner_id=1, peer_id=6, date=200))
    assert await store.block(BlockRecord(owner_id=2, peer_id=5, date=1))
    page = await store.blocked(1, 0, 10)
    assert [(b.peer_id, b.date) for b in page] == [(6, 200), (7, 200), (5, 100)]
    assert [b.peer_id for b in await store.blocked(1, 1, 1)] == [7]
    assert await store.blocked(1, 5, 10) == []
    assert await store.count_blocked(1) == 3
    assert await store.blocked_among(1, [5, 6, 8]) == {5, 6}
    assert await store.blocked_among(1, []) == set()
    assert await store.unblock(1, 5)
    assert not await store.unblock(1, 5)
    assert await store.count_blocked(1) == 2


async def test_closed_store_raises(stores: AccountStores) -> None:
    await stores.aclose()
    with pytest.raises(StorageError):
        await stores.contacts.contacts(1)
