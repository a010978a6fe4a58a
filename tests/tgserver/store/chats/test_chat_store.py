"""The chat-store conformance suite (memory and SQLite) and what only SQLite has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgcore.errors import StorageError
from tgserver.store.chats import (
    CHATS_FILE,
    ChatParticipant,
    ChatStore,
    Membership,
    MemoryChatStore,
    SqliteChatStore,
)


@pytest.fixture(params=["memory", "sqlite"])
async def chats(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ChatStore]:
    store: ChatStore
    if request.param == "memory":
        store = MemoryChatStore()
    else:
        store = await SqliteChatStore.open(tmp_path / CHATS_FILE)
    yield store
    await store.aclose()


async def test_create_a_chat(chats: ChatStore) -> None:
    chat, members = await chats.create_chat(10, "Friends", [11, 12, 11, 10], date=100)
    assert (chat.id, chat.title, chat.creator_id, chat.date) == (1, "Friends", 10, 100)
    assert (chat.version, chat.participants_count, chat.deactivated) == (1, 3, False)
    assert chat.migrated_to is None
    assert members == (
        ChatParticipant(1, 10, 10, 100, admin=True),
        ChatParticipant(1, 11, 10, 100),
        ChatParticipant(1, 12, 10, 100),
    )
    assert await chats.get_chat(1) == chat
    assert await chats.get_participants(1) == members
    assert await chats.get_participant(1, 12) == members[2]
    assert await chats.get_participant(1, 13) is None
    second, _ = await chats.create_chat(11, "Other", [], date=101)
    assert second.id == 2 and second.participants_count == 1
    assert await chats.get_chats([2, 5, 1, 2]) == (second, chat)
    assert await chats.chats_of(11) == (1, 2)
    assert await chats.chats_of(99) == ()


async def test_unknown_chats(chats: ChatStore) -> None:
    assert await chats.get_chat(4) is None
    assert await chats.get_participants(4) == ()
    for change in (
        await chats.add_participant(4, 1, inviter_id=2, date=1, limit=200),
        await chats.remove_participant(4, 1),
        await chats.set_title(4, "x"),
        await chats.set_admin(4, 1, True),
        await chats.migrate(4, 9),
    ):
        assert change.outcome is Membership.NO_CHAT and change.chat is None


async def test_adding_and_removing(chats: ChatStore) -> None:
    await chats.create_chat(10, "g", [11], date=1)
    added = await chats.add_participant(1, 12, inviter_id=11, date=5, limit=200)
    assert added.done and added.chat is not None
    assert (added.chat.version, added.chat.participants_count) == (2, 3)
    assert await chats.get_participant(1, 12) == ChatParticipant(1, 12, 11, 5)
    again = await chats.add_participant(1, 12, inviter_id=10, date=6, limit=200)
    assert again.outcome is Membership.ALREADY_PARTICIPANT and again.chat == added.chat
    full = await chats.add_participant(1, 13, inviter_id=10, date=6, limit=3)
    assert full.outcome is Membership.FULL
    removed = await chats.remove_participant(1, 11)
    assert removed.done and removed.chat is not None and removed.chat.version == 3
    assert [p.user_id for p in await chats.get_participants(1)] == [10, 12]
    missing = await chats.remove_participant(1, 11)
    assert missing.outcome is Membership.NOT_PARTICIPANT
    # Coming back puts the user last, in joining order.
    await chats.add_participant(1, 11, inviter_id=12, date=9, limit=200)
    assert [p.user_id for p in await chats.get_participants(1)] == [10, 12, 11]


async def test_titles_and_admins(chats: ChatStore) -> None:
    await chats.create_chat(10, "old", [11], date=1)
    assert (await chats.set_title(1, "old")).outcome is Membership.UNCHANGED
    renamed = await chats.set_title(1, "new")
    assert renamed.done and renamed.chat is not None
    assert (renamed.chat.title, renamed.chat.version) == ("new", 2)
    promoted = await chats.set_admin(1, 11, True)
    assert promoted.done and promoted.chat is not None and promoted.chat.version == 3
    member = await chats.get_participant(1, 11)
    assert member is not None and member.admin
    assert (await chats.set_admin(1, 11, True)).outcome is Membership.UNCHANGED
    assert (await chats.set_admin(1, 10, False)).outcome is Membership.UNCHANGED
    assert (await chats.set_admin(1, 55, True)).outcome is Membership.NOT_PARTICIPANT
    assert (await chats.set_admin(1, 11, False)).done


async def test_migration_deactivates(chats: ChatStore) -> None:
    await chats.create_chat(10, "g", [11], date=1)
    migrated = await chats.migrate(1, 77)
    assert migrated.done and migrated.chat is not None
    assert (migrated.chat.deactivated, migrated.chat.migrated_to) == (True, 77)
    for change in (
        await chats.add_participant(1, 12, inviter_id=10, date=2, limit=200),
        await chats.remove_participant(1, 11),
        await chats.set_title(1, "x"),
        await chats.migrate(1, 78),
    ):
        assert change.outcome is Membership.DEACTIVATED and change.chat == migrated.chat


async def test_closed_store(chats: ChatStore) -> None:
    await chats.aclose()
    with pytest.raises(StorageError, match="closed"):
        await chats.get_chat(1)


async def test_sqlite_keeps_chats(tmp_path: Path) -> None:
    path = tmp_path / CHATS_FILE
    async with await SqliteChatStore.open(path) as store:
        await store.create_chat(10, "kept", [11, 12], date=3)
        await store.set_admin(1, 12, True)
        before = (await store.get_chat(1), await store.get_participants(1))
    async with await SqliteChatStore.open(path) as store:
        assert (await store.get_chat(1), await store.get_participants(1)) == before
        assert (await store.create_chat(10, "next", [], date=4))[0].id == 2
