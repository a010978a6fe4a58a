"""UsersService: per-viewer views (access hashes, phone privacy, contact names), profiles,
usernames, presence."""

from __future__ import annotations

import pytest
from account_support import sign_up

from tgcore.errors import RpcError
from tgcore.testing import FakeClock
from tgserver.services import (
    AccountServices,
    ContactEntry,
    Offline,
    Online,
    Recently,
)


async def two_users(services: AccountServices) -> tuple[int, int]:
    ann = await sign_up(services, "9996621111", "Ann", 1, "Lee")
    bob = await sign_up(services, "9996622222", "Bob", 2)
    return ann.id, bob.id


async def test_access_hashes_are_per_viewer(services: AccountServices) -> None:
    ann, bob = await two_users(services)
    as_ann = await services.users.view(ann, bob)
    as_bob = await services.users.view(bob, bob)
    assert as_ann is not None and as_bob is not None
    assert as_ann.access_hash != as_bob.access_hash
    assert services.users.check_access(ann, bob, as_ann.access_hash)
    assert not services.users.check_access(bob, bob, as_ann.access_hash)
    assert not services.users.check_access(ann, bob, 2**70)  # not even a long
    assert (await services.users.resolve(ann, bob, as_ann.access_hash)).id == bob
    with pytest.raises(RpcError, match="USER_ID_INVALID"):
        await services.users.resolve(ann, bob, as_ann.access_hash + 1)
    with pytest.raises(RpcError, match="PEER_ID_INVALID"):
        await services.users.resolve(ann, bob, 0, error="PEER_ID_INVALID")
    # A user that does not exist, even with "its" hash.
    ghost = services.users.access.user(ann, 999)
    with pytest.raises(RpcError, match="USER_ID_INVALID"):
        await services.users.resolve(ann, 999, ghost)


async def test_phone_privacy_and_contact_names(services: AccountServices) -> None:
    ann, bob = await two_users(services)
    me = await services.users.me(ann)
    assert (me.is_self, me.phone, me.first_name, me.last_name) == (True, "9996621111", "Ann", "Lee")
    stranger = await services.users.view(ann, bob)
    assert stranger is not None
    assert (stranger.phone, stranger.contact, stranger.is_self) == (None, False, False)
    # Ann saves Bob as "Robert": she sees her name for him and his phone.
    await services.contacts.import_contacts(ann, [ContactEntry(7, "+999 662 2222", "Robert")])
    saved = await services.users.view(ann, bob)
    assert saved is not None
    assert (saved.first_name, saved.phone, saved.contact, saved.mutual_contact) == (
        "Robert",
        "9996622222",
        True,
        False,
    )
    # Bob has Ann as a contact of hers only: "my contacts" privacy shows him her phone.
    reverse = await services.users.view(bob, ann)
    assert reverse is not None
    assert (reverse.phone, reverse.contact, reverse.first_name) == ("9996621111", False, "Ann")
    await services.contacts.import_contacts(bob, [ContactEntry(1, "9996621111", "A")])
    mutual = await services.users.view(ann, bob)
    assert mutual is not None and mutual.mutual_contact
    # Saving yourself keeps your own names.
    await services.contacts.import_contacts(ann, [ContactEntry(2, "9996621111", "Me!")])
    assert (await services.users.me(ann)).first_name == "Ann"


async def test_views_keep_order_and_skip_unknown(services: AccountServices) -> None:
    ann, bob = await two_users(services)
    views = await services.users.views(ann, [bob, 424242, ann, bob])
    assert [v.id for v in views] == [bob, ann]
    assert await services.users.view(ann, 424242) is None


async def test_full_user(services: AccountServices) -> None:
    ann, bob = await two_users(services)
    await services.users.update_profile(bob, about="  hello  ")
    full = await services.users.full(ann, bob)
    assert (full.about, full.blocked, full.common_chats_count) == ("hello", False, 0)
    await services.contacts.block(ann, bob)
    assert (await services.users.full(ann, bob)).blocked
    with pytest.raises(RpcError, match="USER_ID_INVALID"):
        await services.users.full(ann, 1)


async def test_update_profile(services: AccountServices) -> None:
    ann, _ = await two_users(services)
    view = await services.users.update_profile(ann, first_name="Anna\n", last_name="")
    assert (view.first_name, view.last_name) == ("Anna", "")
    view = await services.users.update_profile(ann, last_name="Smith")
    assert (view.first_name, view.last_name) == ("Anna", "Smith")
    for kwargs, name in [
        ({"first_name": ""}, "FIRSTNAME_INVALID"),
        ({"first_name": "x" * 65}, "FIRSTNAME_INVALID"),
        ({"last_name": "y" * 65}, "LASTNAME_INVALID"),
        ({"about": "z" * 71}, "ABOUT_TOO_LONG"),
    ]:
        with pytest.raises(RpcError) as info:
            await services.users.update_profile(ann, **kwargs)  # type: ignore[arg-type]
        assert info.value.name == name
    with pytest.raises(RpcError, match="USER_ID_INVALID"):
        await services.users.update_profile(5, first_name="Ghost")


@pytest.mark.parametrize(
    "bad",
    ["abc", "abcd", "1abcde", "_abcde", "abcde_", "abc de", "abcdé", "a" * 33, "", "ab-cde"],
)
async def test_invalid_usernames(services: AccountServices, bad: str) -> None:
    ann, _ = await two_users(services)
    with pytest.raises(RpcError, match="USERNAME_INVALID"):
        await services.users.check_username(ann, bad or "@")
    if bad:
        with pytest.raises(RpcError, match="USERNAME_INVALID"):
            await services.users.update_username(ann, bad)


async def test_usernames(services: AccountServices) -> None:
    ann, bob = await two_users(services)
    assert await services.users.check_username(ann, "ann_lee")
    view = await services.users.update_username(ann, "@Ann_Lee")
    assert view.username == "Ann_Lee"
    assert await services.users.check_username(ann, "ann_lee")  # its own
    assert not await services.users.check_username(bob, "ANN_LEE")
    with pytest.raises(RpcError, match="USERNAME_OCCUPIED"):
        await services.users.update_username(bob, "ann_LEE")
    with pytest.raises(RpcError, match="USERNAME_NOT_MODIFIED"):
        await services.users.update_username(ann, "Ann_Lee")
    assert (await services.users.update_username(ann, "ann_lee")).username == "ann_lee"
    assert (await services.users.update_username(ann, "")).username is None
    with pytest.raises(RpcError, match="USERNAME_NOT_MODIFIED"):
        await services.users.update_username(ann, "")
    assert (await services.users.update_username(bob, "Ann_Lee")).username == "Ann_Lee"
    assert "a" * 32 and (await services.users.update_username(ann, "a" * 32)).username


async def test_presence(services: AccountServices, clock: FakeClock) -> None:
    ann, bob = await two_users(services)
    assert services.presence.status(424242) == Recently()
    await services.lookup_user(2)  # Bob's key makes a request
    now = int(clock())
    view = await services.users.view(ann, bob)
    assert view is not None and view.status == Online(expires=now + 300)
    clock.advance(301)
    assert services.presence.status(bob) == Offline(was_online=now)
    await services.lookup_user(2)
    services.presence.set_offline(bob)
    assert services.presence.status(bob) == Offline(was_online=int(clock()))
    assert services.presence.last_seen(bob) == clock()
