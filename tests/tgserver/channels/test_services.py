"""The channel services over the memory store: rights, limits, errors, fan-out to online
members only, getChannelDifference answers, dialogs and unread counts."""

from __future__ import annotations

from collections.abc import Collection

import pytest
import trio

from tgcore.errors import RpcError
from tgserver.bus import MemoryBus
from tgserver.services import AccountServices
from tgserver.services.channels import (
    ADMIN_POST_MESSAGES,
    BANNED_SEND_MESSAGES,
    BANNED_VIEW_MESSAGES,
    ChannelMessageEvent,
    ChannelServices,
    ChannelUpdatedEvent,
    DifferenceKind,
)
from tgserver.store.accounts import AccountStores
from tgserver.store.channels import MemberFilter, MemoryChannelStore


class CountingBus(MemoryBus):
    """A memory bus that remembers every (user, event) it was asked to deliver."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[int, object]] = []

    async def publish(self, user_ids: Collection[int], event: object) -> None:
        self.sent.extend((u, event) for u in user_ids)
        await super().publish(user_ids, event)


class World:
    """Accounts, the channel services and a few users."""

    def __init__(self, accounts: AccountServices, services: ChannelServices, bus: CountingBus):
        self.accounts = accounts
        self.services = services
        self.bus = bus
        self.channels = services.channels
        self.messaging = services.messaging
        self.store = services.access.store
        self.users: list[int] = []


async def _world(*, max_members: int = 200_000, too_long_gap: int = 10_000) -> World:
    accounts = await AccountServices.create(AccountStores.memory(), dc_id=2)
    bus = CountingBus()
    services = ChannelServices.create(
        accounts,
        MemoryChannelStore(),
        bus=bus,
        max_members=max_members,
        too_long_gap=too_long_gap,
        clock=lambda: 1_700_000_000.0,
    )
    world = World(accounts, services, bus)
    for i in range(5):
        user = await accounts.users.register(f"99966200{i:02d}", f"User{i}")
        world.users.append(user.id)
    return world


def _error(exc: pytest.ExceptionInfo[RpcError]) -> str:
    return exc.value.name


async def test_supergroup_lifecycle_and_member_limit() -> None:
    w = await _world(max_members=3)
    a, b, c, d, _ = w.users
    created = await w.channels.create(a, "  Group  ", megagroup=True)
    assert created.channel.title == "Group" and created.message.id == 1
    assert created.message.action is not None
    gid = created.channel.id
    channel, added, message = await w.channels.invite(a, gid, [b, c])
    assert added == (b, c) and channel.participants_count == 3 and message is not None
    with pytest.raises(RpcError) as exc:
        await w.channels.invite(a, gid, [d])
    assert _error(exc) == "USERS_TOO_MUCH"
    with pytest.raises(RpcError) as exc:
        await w.channels.invite(a, gid, [b])
    assert _error(exc) == "USER_ALREADY_PARTICIPANT"
    await w.channels.leave(c, gid)
    with pytest.raises(RpcError) as exc:
        await w.channels.leave(a, gid)
    assert _error(exc) == "USER_CREATOR"
    with pytest.raises(RpcError) as exc:
        await w.messaging.post(c, gid, "hi")
    assert _error(exc) == "CHANNEL_PRIVATE"
    with pytest.raises(RpcError) as exc:
        await w.channels.create(a, "   ", megagroup=True)
    assert _error(exc) == "CHAT_TITLE_EMPTY"


async def test_broadcast_posting_rights() -> None:
    w = await _world()
    a, b, c, _, _ = w.users
    gid = (await w.channels.create(a, "News", megagroup=False)).channel.id
    await w.channels.invite(a, gid, [b, c])
    post = await w.messaging.post(a, gid, "first post")
    assert post.message.post
    with pytest.raises(RpcError) as exc:
        await w.messaging.post(b, gid, "reader writes")
    assert exc.value.code == 403 and _error(exc) == "CHAT_WRITE_FORBIDDEN"
    with pytest.raises(RpcError) as exc:
        await w.channels.invite(b, gid, [w.users[3]])
    assert _error(exc) == "CHAT_ADMIN_REQUIRED"
    await w.channels.edit_admin(a, gid, b, ADMIN_POST_MESSAGES)
    assert (await w.messaging.post(b, gid, "admin writes")).message.post
    with pytest.raises(RpcError) as exc:
        await w.channels.edit_admin(b, gid, c, ADMIN_POST_MESSAGES)
    assert _error(exc) == "CHAT_ADMIN_REQUIRED"
    with pytest.raises(RpcError) as exc:
        await w.services.members.participants(c, gid, MemberFilter.RECENT)
    assert _error(exc) == "CHAT_ADMIN_REQUIRED"
    page = await w.services.members.participants(a, gid, MemberFilter.ADMINS)
    assert {m.user_id for m in page.members} == {a, b}


async def test_bans_restrictions_and_public_join() -> None:
    w = await _world()
    a, b, c, d, _ = w.users
    gid = (await w.channels.create(a, "Open", megagroup=True)).channel.id
    with pytest.raises(RpcError) as exc:
        await w.channels.join(b, gid)
    assert _error(exc) == "CHANNEL_PRIVATE"
    with pytest.raises(RpcError) as exc:
        await w.channels.update_username(a, gid, "bad name")
    assert _error(exc) == "USERNAME_INVALID"
    await w.accounts.users.update_username(d, "taken_by_user")
    with pytest.raises(RpcError) as exc:
        await w.channels.update_username(a, gid, "taken_by_user")
    assert _error(exc) == "USERNAME_OCCUPIED"
    await w.channels.update_username(a, gid, "open_group")
    with pytest.raises(RpcError) as exc:
        await w.channels.update_username(a, gid, "open_group")
    assert _error(exc) == "USERNAME_NOT_MODIFIED"
    assert (await w.channels.resolve("@Open_Group")) is not None
    await w.channels.join(b, gid)
    await w.channels.join(c, gid)
    # A non-member reads a public group but cannot post.
    _, page, count = await w.messaging.history(d, gid)
    assert count == len(page) > 0
    with pytest.raises(RpcError) as exc:
        await w.messaging.post(d, gid, "drive-by")
    assert _error(exc) == "CHAT_WRITE_FORBIDDEN"

    await w.channels.edit_banned(a, gid, b, BANNED_SEND_MESSAGES)
    with pytest.raises(RpcError) as exc:
        await w.messaging.post(b, gid, "muted")
    assert _error(exc) == "CHAT_WRITE_FORBIDDEN"
    banned = await w.services.members.participants(a, gid, MemberFilter.BANNED)
    assert [m.user_id for m in banned.members] == [b]
    await w.channels.edit_banned(a, gid, b, 0)
    await w.messaging.post(b, gid, "free again")

    _, message = await w.channels.edit_banned(a, gid, c, BANNED_VIEW_MESSAGES)
    assert message is not None  # messageActionChatDeleteUser
    with pytest.raises(RpcError) as exc:
        await w.channels.join(c, gid)
    assert _error(exc) == "CHANNEL_PRIVATE"
    with pytest.raises(RpcError) as exc:
        await w.channels.invite(b, gid, [c])
    assert _error(exc) == "USER_KICKED"
    full = await w.services.members.full(a, gid)
    assert full.kicked_count == 1 and full.channel.participants_count == 2


async def test_channels_per_user_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tgserver.services.channels.service.MAX_CHANNELS_PER_USER", 2)
    w = await _world()
    a, b, _, _, _ = w.users
    first = (await w.channels.create(a, "1", megagroup=True)).channel.id
    await w.channels.create(a, "2", megagroup=True)
    with pytest.raises(RpcError) as exc:
        await w.channels.create(a, "3", megagroup=True)
    assert _error(exc) == "CHANNELS_TOO_MUCH"
    await w.channels.create(b, "b1", megagroup=True)
    await w.channels.create(b, "b2", megagroup=True)
    with pytest.raises(RpcError) as exc:
        await w.channels.invite(a, first, [b])
    assert _error(exc) == "USER_CHANNELS_TOO_MUCH"


async def test_a_post_reaches_only_online_members() -> None:
    w = await _world()
    a, b, c, _, _ = w.users
    gid = (await w.channels.create(a, "Big", megagroup=True)).channel.id
    # 1,000 offline members in bulk, two online ones.
    await w.store.add_members(gid, range(10_000, 11_000), inviter_id=a, date=1)
    await w.channels.invite(a, gid, [b, c])
    await w.services.online.user_online(b)
    await w.services.online.user_online(a)
    w.bus.sent.clear()
    seen_in_store: list[bool] = []

    async def listener(user_id: int, event: object) -> None:
        if isinstance(event, ChannelMessageEvent):
            found = await w.store.get_messages(gid, [event.message.id])
            seen_in_store.append(bool(found))

    w.bus.subscribe(b, listener)
    result = await w.messaging.post(a, gid, "to everyone")
    assert sorted(u for u, _ in w.bus.sent) == sorted([a, b])
    assert seen_in_store == [True]  # published after the commit
    assert result.channel.participants_count == 1003
    w.services.online.user_offline(b)
    w.bus.sent.clear()
    await w.messaging.post(a, gid, "again")
    assert [u for u, _ in w.bus.sent] == [a]
    # Leaving removes a member from the index even while it is online.
    await w.services.online.user_online(c)
    await w.channels.leave(c, gid)
    w.bus.sent.clear()
    await w.messaging.post(a, gid, "c is gone")
    assert c not in {u for u, _ in w.bus.sent}
    assert w.services.online.online_members(gid) == [a]


async def test_invited_user_is_told_and_indexed() -> None:
    w = await _world()
    a, b, _, _, _ = w.users
    await w.services.online.user_online(b)
    gid = (await w.channels.create(a, "G", megagroup=True)).channel.id
    w.bus.sent.clear()
    await w.channels.invite(a, gid, [b])
    assert any(u == b and isinstance(e, ChannelUpdatedEvent) for u, e in w.bus.sent)
    assert b in w.services.online.online_members(gid)


async def test_channel_difference_answers() -> None:
    w = await _world(too_long_gap=20)
    a, b, _, _, _ = w.users
    created = await w.channels.create(a, "G", megagroup=True)
    gid = created.channel.id
    await w.channels.invite(a, gid, [b])
    start = (await w.services.access.get(gid)).pts
    empty = await w.messaging.difference(b, gid, start)
    assert empty.kind == DifferenceKind.EMPTY and empty.pts == start and empty.final
    ids = [(await w.messaging.post(a, gid, f"m{i}")).message.id for i in range(5)]
    await w.messaging.edit(a, gid, ids[0], "m0 edited")
    await w.messaging.delete(a, gid, [ids[1]])
    diff = await w.messaging.difference(b, gid, start, limit=3)
    assert diff.kind == DifferenceKind.DIFFERENCE and not diff.final and diff.diff is not None
    assert [m.text for m in diff.diff.messages] == ["m0 edited", "m2", "m3"]  # m1 is gone
    rest = await w.messaging.difference(b, gid, diff.pts, limit=100)
    assert rest.final and rest.diff is not None
    assert [m.text for m in rest.diff.messages] == ["m4"]
    assert len(rest.diff.entries) == 2
    for i in range(25):
        await w.messaging.post(a, gid, f"n{i}")
    too_long = await w.messaging.difference(b, gid, start)
    assert too_long.kind == DifferenceKind.TOO_LONG and too_long.dialog is not None
    assert too_long.messages[0].text == "n24" and too_long.pts == too_long.dialog.channel.pts
    ahead = await w.messaging.difference(b, gid, too_long.pts + 5)
    assert ahead.kind == DifferenceKind.TOO_LONG
    with pytest.raises(RpcError) as exc:
        await w.messaging.difference(b, gid, 0)
    assert _error(exc) == "PERSISTENT_TIMESTAMP_INVALID"


async def test_dialogs_unread_counts_and_news() -> None:
    w = await _world()
    a, b, _, _, _ = w.users
    gid = (await w.channels.create(a, "G", megagroup=True)).channel.id
    await w.channels.invite(a, gid, [b])
    for i in range(4):
        await w.messaging.post(a, gid, f"m{i}")
    await w.messaging.post(b, gid, "mine")
    (dialog,) = await w.messaging.dialogs(b)
    assert dialog.unread_count == 4 + 2  # a's posts and the two service messages
    assert dialog.top is not None and dialog.top.text == "mine"
    read = await w.messaging.read(b, gid, dialog.top.id - 2)
    assert read.unread_count == 1
    (dialog,) = await w.messaging.dialogs(b)
    assert dialog.unread_count == 1
    channel = dialog.channel
    assert [c.id for c in await w.messaging.changed_since(b, channel.updated)] == [gid]
    assert await w.messaging.changed_since(b, channel.updated + 1) == []


async def test_participant_search_and_read_receipts() -> None:
    w = await _world()
    a, b, c, _, _ = w.users
    gid = (await w.channels.create(a, "G", megagroup=True)).channel.id
    await w.channels.invite(a, gid, [b, c])
    found = await w.services.members.participants(b, gid, MemberFilter.RECENT, query="user1")
    assert [m.user_id for m in found.members] == [b] and found.count == 1
    everyone = await w.services.members.participants(b, gid, MemberFilter.RECENT, offset=1, limit=1)
    assert everyone.count == 3 and len(everyone.members) == 1
    post = await w.messaging.post(a, gid, "read me")
    for user in (a, b):
        await w.services.online.user_online(user)
    w.bus.sent.clear()
    await w.messaging.read(b, gid, post.message.id)
    kinds = {(u, type(e).__name__) for u, e in w.bus.sent}
    assert kinds == {(b, "ChannelReadEvent"), (a, "ChannelOutboxReadEvent")}
    channel = await w.services.access.get(gid)
    assert channel.read_max_id == post.message.id
    assert (await w.services.members.participant(a, gid, b)).user_id == b
    with pytest.raises(RpcError) as exc:
        await w.services.members.participant(a, gid, w.users[4])
    assert _error(exc) == "USER_NOT_PARTICIPANT"


async def test_migration_from_a_basic_group() -> None:
    w = await _world()
    a, b, c, _, _ = w.users
    channel = await w.channels.create_from_chat(
        a, "Old group", [(a, True), (b, True), (c, False)], date=5, chat_id=77, max_id=12
    )
    assert channel.megagroup and channel.participants_count == 3
    assert channel.migrated_from_chat_id == 77 and channel.migrated_from_max_id == 12
    admins = await w.services.members.participants(a, channel.id, MemberFilter.ADMINS)
    assert {m.user_id for m in admins.members} == {a, b}
    _, page, _ = await w.messaging.history(c, channel.id)
    assert page[-1].action is not None  # messageActionChannelMigrateFrom


async def test_a_big_fan_out_goes_in_batches_and_in_order() -> None:
    w = await _world()
    a, b, _, _, _ = w.users
    gid = (await w.channels.create(a, "Big", megagroup=True)).channel.id
    await w.channels.invite(a, gid, [b])
    online = list(range(20_000, 20_300))
    await w.store.add_members(gid, online, inviter_id=a, date=1)
    for user in online:
        await w.services.online.user_online(user)
    w.bus.sent.clear()
    async with trio.open_nursery() as nursery:
        for n in range(2):
            nursery.start_soon(w.messaging.post, [a, b][n], gid, f"post {n}")
    per_user: dict[int, list[int]] = {}
    for user, event in w.bus.sent:
        assert isinstance(event, ChannelMessageEvent)
        per_user.setdefault(user, []).append(event.message.pts)
    assert set(per_user) == set(online)
    assert all(len(p) == 2 and p[0] < p[1] for p in per_user.values())
