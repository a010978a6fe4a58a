"""The channel-store conformance suite: every backend behaves the same."""

from __future__ import annotations

from pathlib import Path

from tgserver.store.channels import (
    INITIAL_CHANNEL_PTS,
    ChannelEntryKind,
    ChannelStore,
    MemberFilter,
    MemberRecord,
    MemberRole,
    NewChannel,
    NewChannelMessage,
    SqliteChannelStore,
)

CREATOR = 10


async def _channel(store: ChannelStore, *, megagroup: bool = True) -> int:
    channel = await store.create_channel(
        NewChannel(creator_id=CREATOR, title="T", about="A", megagroup=megagroup, date=100)
    )
    return channel.id


async def _post(store: ChannelStore, channel_id: int, from_id: int, text: str, **kw: object) -> int:
    result = await store.post_message(
        NewChannelMessage(channel_id=channel_id, from_id=from_id, date=200, text=text, **kw)  # type: ignore[arg-type]
    )
    return result.message.id


async def test_create_channel(channel_store: ChannelStore) -> None:
    channel = await channel_store.create_channel(
        NewChannel(creator_id=CREATOR, title="Group", about="x", megagroup=True, date=100)
    )
    assert channel.pts == INITIAL_CHANNEL_PTS
    assert channel.participants_count == 1
    assert channel.top_message == 0
    assert await channel_store.get_channel(channel.id) == channel
    member = await channel_store.get_member(channel.id, CREATOR)
    assert member is not None and member.role == MemberRole.CREATOR
    other = await _channel(channel_store)
    assert other != channel.id
    assert set(await channel_store.get_channels([channel.id, other, 999])) == {channel.id, other}
    assert await channel_store.get_channel(999) is None


async def test_usernames_are_unique_case_insensitively(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    b = await _channel(channel_store)
    assert await channel_store.set_username(a, "MyGroup")
    assert not await channel_store.set_username(b, "mygroup")
    found = await channel_store.channel_by_username("MYGROUP")
    assert found is not None and found.id == a and found.username == "MyGroup"
    assert await channel_store.set_username(a, None)
    assert await channel_store.channel_by_username("mygroup") is None
    assert await channel_store.set_username(b, "mygroup")


async def test_title(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    changed = await channel_store.set_title(a, "New")
    assert changed is not None and changed.title == "New"
    assert await channel_store.set_title(999, "x") is None


async def test_add_members_counts_and_limit(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    added = await channel_store.add_members(a, [1, 2, 3, 2], inviter_id=CREATOR, date=150)
    assert added.added == (1, 2, 3) and added.participants_count == 4
    again = await channel_store.add_members(a, [1, 4], inviter_id=CREATOR, date=151)
    assert again.added == (4,) and again.participants_count == 5
    refused = await channel_store.add_members(
        a, [5, 6], inviter_id=CREATOR, date=152, max_members=6
    )
    assert refused.too_many and refused.added == () and refused.participants_count == 5
    channel = await channel_store.get_channel(a)
    assert channel is not None and channel.participants_count == 5
    assert {m.channel_id for m in await channel_store.memberships(4)} == {a}


async def test_bulk_add_many_members(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    result = await channel_store.add_members(
        a, range(1000, 6000), inviter_id=CREATOR, date=150, max_members=200_000
    )
    assert len(result.added) == 5000 and result.participants_count == 5001
    page = await channel_store.members(a, MemberFilter.RECENT, offset=0, limit=100)
    assert page.count == 5001 and len(page.members) == 100


async def test_put_member_roles_and_count(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    await channel_store.add_members(a, [1, 2], inviter_id=CREATOR, date=150)
    await channel_store.read_history(a, 1, 0)
    change = await channel_store.put_member(
        MemberRecord(channel_id=a, user_id=1, role=MemberRole.ADMIN, date=160, admin_rights=3)
    )
    assert change is not None and change.before is not None and change.participants_count == 3
    kicked = await channel_store.put_member(
        MemberRecord(channel_id=a, user_id=2, role=MemberRole.KICKED, date=161, banned_rights=1)
    )
    assert kicked is not None and kicked.participants_count == 2
    left = await channel_store.put_member(
        MemberRecord(channel_id=a, user_id=3, role=MemberRole.LEFT, date=162)
    )
    assert left is not None and left.before is None and left.participants_count == 2
    full = await channel_store.put_member(
        MemberRecord(channel_id=a, user_id=4, role=MemberRole.MEMBER, date=163), max_members=2
    )
    assert full is None
    admins = await channel_store.members(a, MemberFilter.ADMINS)
    assert [m.user_id for m in admins.members] == [1, CREATOR] and admins.count == 2
    assert admins.members[0].admin_rights == 3
    kicked_page = await channel_store.members(a, MemberFilter.KICKED)
    assert [m.user_id for m in kicked_page.members] == [2]
    restricted = await channel_store.put_member(
        MemberRecord(channel_id=a, user_id=5, role=MemberRole.RESTRICTED, date=164)
    )
    assert restricted is not None and restricted.participants_count == 3
    banned = await channel_store.members(a, MemberFilter.BANNED)
    assert [m.user_id for m in banned.members] == [5] and banned.count == 1
    recent = await channel_store.members(a, MemberFilter.RECENT, offset=1, limit=2)
    assert recent.count == 3 and [m.user_id for m in recent.members] == [1, CREATOR]
    assert await channel_store.memberships(2) == []
    among = await channel_store.members_among(a, [1, 2, 77])
    assert set(among) == {1, 2} and among[2].role == MemberRole.KICKED


async def test_posts_take_ids_and_pts(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    b = await _channel(channel_store)
    first = await channel_store.post_message(
        NewChannelMessage(channel_id=a, from_id=CREATOR, date=200, text="one", random_id=7)
    )
    assert first.message.id == 1 and first.message.pts == INITIAL_CHANNEL_PTS + 1
    assert first.channel.top_message == 1 and first.channel.pts == first.message.pts
    dup = await channel_store.post_message(
        NewChannelMessage(channel_id=a, from_id=CREATOR, date=201, text="one", random_id=7)
    )
    assert dup.duplicate and dup.message == first.message
    assert await _post(channel_store, a, 1, "two", action=b"\x01", post=True) == 2
    assert await _post(channel_store, b, CREATOR, "other") == 1
    got = await channel_store.get_messages(a, [2, 5, 1])
    assert [m.id for m in got] == [2, 1]
    assert got[0].action == b"\x01" and got[0].post and got[1].random_id == 7


async def test_history_offsets(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    for i in range(10):
        await channel_store.post_message(
            NewChannelMessage(channel_id=a, from_id=CREATOR, date=100 + i, text=str(i))
        )
    page, count = await channel_store.history(a, limit=3)
    assert [m.id for m in page] == [10, 9, 8] and count == 10
    page, _ = await channel_store.history(a, offset_id=5, limit=3)
    assert [m.id for m in page] == [4, 3, 2]
    page, _ = await channel_store.history(a, offset_id=5, add_offset=-2, limit=4)
    assert [m.id for m in page] == [6, 5, 4, 3]
    page, _ = await channel_store.history(a, offset_date=104, limit=2)
    assert [m.id for m in page] == [4, 3]
    page, count = await channel_store.history(a, min_id=3, max_id=7, limit=10)
    assert [m.id for m in page] == [6, 5, 4] and count == 3


async def test_edit_delete_and_difference(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    for i in range(5):
        await _post(channel_store, a, CREATOR, f"m{i}")
    start = INITIAL_CHANNEL_PTS
    edited = await channel_store.edit_message(a, 2, text="new", entities=None, edit_date=300)
    assert edited is not None and edited.entry.pts == start + 6
    assert edited.entry.kind == ChannelEntryKind.EDIT_MESSAGE and edited.message.text == "new"
    assert await channel_store.edit_message(a, 99, text="x", entities=None, edit_date=1) is None
    deleted = await channel_store.delete_messages(a, [3, 4, 42], date=301)
    assert deleted.entry is not None and deleted.entry.ids == (3, 4)
    assert deleted.pts == start + 8 and deleted.entry.pts_count == 2
    nothing = await channel_store.delete_messages(a, [42], date=302)
    assert nothing.entry is None and nothing.pts == start + 8

    diff = await channel_store.difference(a, start, limit=100)
    assert diff is not None and diff.final and diff.pts == start + 8
    assert [m.id for m in diff.messages] == [1, 2, 5]  # 3 and 4 are gone
    assert [e.kind for e in diff.entries] == [
        ChannelEntryKind.EDIT_MESSAGE,
        ChannelEntryKind.DELETE_MESSAGES,
    ]
    assert diff.edited[2].text == "new"

    sliced = await channel_store.difference(a, start, limit=2)
    assert sliced is not None and not sliced.final
    assert [m.id for m in sliced.messages] == [1, 2] and sliced.pts == start + 2
    rest = await channel_store.difference(a, sliced.pts, limit=100)
    assert rest is not None and rest.final and [m.id for m in rest.messages] == [5]

    empty = await channel_store.difference(a, start + 8, limit=10)
    assert empty is not None and empty.final and not empty.messages and not empty.entries
    assert empty.pts == start + 8
    assert await channel_store.difference(999, 1, limit=10) is None


async def test_read_pointers_and_unread(channel_store: ChannelStore) -> None:
    a = await _channel(channel_store)
    await channel_store.add_members(a, [1], inviter_id=CREATOR, date=150)
    for sender in (CREATOR, 1, CREATOR, CREATOR):
        await _post(channel_store, a, sender, "x")
    assert await channel_store.unread_count(a, 1, 0) == 3
    read = await channel_store.read_history(a, 1, 3)
    assert read is not None and read.changed and read.max_id == 3 and read.unread_count == 1
    back = await channel_store.read_history(a, 1, 2)
    assert back is not None and not back.changed and back.max_id == 3
    everything = await channel_store.read_history(a, 1, 0)
    assert everything is not None and everything.max_id == 4 and everything.unread_count == 0
    beyond = await channel_store.read_history(a, 1, 1000)
    assert beyond is not None and beyond.max_id == 4
    member = await channel_store.get_member(a, 1)
    assert member is not None and member.read_inbox_max_id == 4
    channel = await channel_store.get_channel(a)
    assert channel is not None and channel.read_max_id == 4
    assert await channel_store.read_history(a, 555, 1) is None


async def test_sqlite_survives_reopen_and_counts_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    async with await SqliteChannelStore.open(path) as store:
        a = await _channel(store)
        await store.add_members(a, range(100, 1100), inviter_id=CREATOR, date=1)
        before = store.rows_written
        await _post(store, a, CREATOR, "hello")
        # The message row and the channel row, whatever the number of members.
        assert store.rows_written - before == 2
    async with await SqliteChannelStore.open(path) as store:
        channel = await store.get_channel(a)
        assert channel is not None and channel.participants_count == 1001
        assert channel.top_message == 1
