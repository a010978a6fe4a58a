"""ContactsService: import, list with Telegram's hash, delete, resolve, search, block lists."""

from __future__ import annotations

import pytest
from account_support import sign_up

from tgcore.errors import FloodWait, RpcError
from tgcore.testing import FakeClock
from tgserver.services import AccountServices, ContactEntry, RateLimits, vector_hash
from tgserver.services import contacts as contacts_module
from tgserver.store.accounts import AccountStores


async def people(services: AccountServices, count: int) -> list[int]:
    return [
        (await sign_up(services, f"999662{1000 + i}", f"User{i}", i + 1)).id for i in range(count)
    ]


async def test_import_contacts(services: AccountServices) -> None:
    ann, bob, cat = await people(services, 3)
    result = await services.contacts.import_contacts(
        ann,
        [
            ContactEntry(11, "+9996621001", "Bobby", "B"),
            ContactEntry(12, "+1 555 0000", "Nobody"),  # no account
            ContactEntry(13, "not a phone", "X"),
            ContactEntry(14, "9996621002", "   "),  # no name: the profile's is used
        ],
    )
    assert result.imported == ((bob, 11), (cat, 14))
    assert result.retry == ()
    by_id = {u.id: u for u in result.users}
    assert (by_id[bob].first_name, by_id[bob].last_name, by_id[bob].contact) == ("Bobby", "B", True)
    assert by_id[bob].phone == "9996621001"
    assert by_id[cat].first_name == "User2"
    # Importing again renames.
    await services.contacts.import_contacts(ann, [ContactEntry(1, "9996621001", "Rob")])
    listed = await services.contacts.get_contacts(ann)
    assert listed is not None and [u.first_name for u in listed.users] == ["Rob", "User2"]


async def test_import_limits(services: AccountServices, monkeypatch: pytest.MonkeyPatch) -> None:
    ann, bob, cat = await people(services, 3)
    monkeypatch.setattr(contacts_module, "MAX_IMPORT_PER_CALL", 1)
    result = await services.contacts.import_contacts(
        ann, [ContactEntry(1, "9996621001", "B"), ContactEntry(2, "9996621002", "C")]
    )
    assert (result.imported, result.retry) == (((bob, 1),), (2,))
    monkeypatch.setattr(contacts_module, "MAX_CONTACTS", 1)
    full = await services.contacts.import_contacts(ann, [ContactEntry(2, "9996621002", "C")])
    assert (full.imported, full.retry) == ((), (2,))
    assert cat


async def test_import_flood(clock: FakeClock) -> None:
    services = await AccountServices.create(
        AccountStores.memory(),
        dc_id=2,
        limits=RateLimits(import_per_user=(2, 60.0)),
        clock=clock,
    )
    ann = (await sign_up(services, "9996621000", "Ann", 1)).id
    await services.contacts.import_contacts(ann, [])
    await services.contacts.import_contacts(ann, [])
    with pytest.raises(FloodWait):
        await services.contacts.import_contacts(ann, [])
    clock.advance(60)
    await services.contacts.import_contacts(ann, [])


async def test_contacts_hash(services: AccountServices) -> None:
    ann, bob, cat = await people(services, 3)
    empty = await services.contacts.get_contacts(ann)
    assert empty is not None and empty.contacts == () and empty.hash == vector_hash([0])
    await services.contacts.import_contacts(
        ann, [ContactEntry(1, "9996621002", "C"), ContactEntry(2, "9996621001", "B")]
    )
    listed = await services.contacts.get_contacts(ann)
    assert listed is not None
    assert listed.contacts == ((bob, False), (cat, False))
    assert listed.hash == vector_hash([0, bob, cat])
    assert await services.contacts.get_contacts(ann, listed.hash) is None
    assert await services.contacts.get_contacts(ann, listed.hash + 1) is not None
    await services.contacts.import_contacts(bob, [ContactEntry(1, "9996621000", "A")])
    mutual = await services.contacts.get_contacts(ann)
    assert mutual is not None and mutual.contacts == ((bob, True), (cat, False))


async def test_delete_contacts(services: AccountServices) -> None:
    ann, bob, cat = await people(services, 3)
    await services.contacts.import_contacts(
        ann, [ContactEntry(1, "9996621001", "B"), ContactEntry(2, "9996621002", "C")]
    )
    removed = await services.contacts.delete_contacts(ann, [bob, 4242])
    assert [(u.id, u.contact, u.phone) for u in removed] == [(bob, False, None)]
    listed = await services.contacts.get_contacts(ann)
    assert listed is not None and [u.id for u in listed.users] == [cat]


async def test_resolve_username_and_phone(services: AccountServices) -> None:
    ann, bob = await people(services, 2)
    await services.users.update_username(bob, "bob_the_builder")
    found = await services.contacts.resolve_username(ann, "@Bob_The_Builder")
    assert found.id == bob and found.username == "bob_the_builder"
    with pytest.raises(RpcError, match="USERNAME_NOT_OCCUPIED"):
        await services.contacts.resolve_username(ann, "nobody_here")
    with pytest.raises(RpcError, match="USERNAME_INVALID"):
        await services.contacts.resolve_username(ann, "no")
    assert (await services.contacts.resolve_phone(ann, "+9996621001")).id == bob
    with pytest.raises(RpcError, match="PHONE_NOT_OCCUPIED"):
        await services.contacts.resolve_phone(ann, "+15550000")


async def test_resolve_flood(clock: FakeClock) -> None:
    services = await AccountServices.create(
        AccountStores.memory(), dc_id=2, limits=RateLimits(resolve_per_user=(1, 10.0)), clock=clock
    )
    ann = (await sign_up(services, "9996621000", "Ann", 1)).id
    with pytest.raises(RpcError, match="USERNAME_NOT_OCCUPIED"):
        await services.contacts.resolve_username(ann, "someone")
    with pytest.raises(FloodWait) as info:
        await services.contacts.resolve_username(ann, "someone")
    assert info.value.seconds == 10


async def test_search(services: AccountServices) -> None:
    ann, bob, cat, dan = await people(services, 4)
    await services.users.update_username(cat, "carol_c")
    await services.users.update_username(dan, "carlos")
    await services.contacts.import_contacts(
        ann, [ContactEntry(1, "9996621001", "Carla", "Smith"), ContactEntry(2, "9996621002", "Z")]
    )
    mine, others = await services.contacts.search(ann, "car", 10)
    # Bob is saved as "Carla"; Cat is a contact whose username matches; Dan is found globally.
    assert [u.id for u in mine] == [bob, cat]
    assert [u.id for u in others] == [dan]
    mine, others = await services.contacts.search(ann, "@smi", 10)
    assert ([u.id for u in mine], others) == ([bob], [])
    mine, others = await services.contacts.search(ann, "ca", 10)  # too short to go global
    assert ([u.id for u in mine], others) == ([bob, cat], [])
    _, others = await services.contacts.search(bob, "carl", 1)
    assert [u.id for u in others] == [dan]
    with pytest.raises(RpcError, match="QUERY_TOO_SHORT"):
        await services.contacts.search(ann, " @ ", 10)


async def test_block_list(services: AccountServices, clock: FakeClock) -> None:
    ann, bob, cat = await people(services, 3)
    assert await services.contacts.block(ann, bob)
    clock.advance(5)
    assert await services.contacts.block(ann, cat)
    assert not await services.contacts.block(ann, cat)
    total, page = await services.contacts.blocked(ann, 0, 10)
    assert total == 2 and [(u.id, d) for u, d in page] == [
        (cat, int(clock())),
        (bob, int(clock()) - 5),
    ]
    total, page = await services.contacts.blocked(ann, 1, 1)
    assert total == 2 and [u.id for u, _ in page] == [bob]
    assert await services.contacts.unblock(ann, bob)
    assert not await services.contacts.unblock(ann, bob)
    for call in (services.contacts.block, services.contacts.unblock):
        with pytest.raises(RpcError, match="CONTACT_ID_INVALID"):
            await call(ann, ann)
