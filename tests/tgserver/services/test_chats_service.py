"""The basic-group services: membership rules, Telegram's errors, what is published."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from account_support import sign_up

from tgcore.errors import RpcError
from tgcore.testing import FakeClock
from tgcore.tl import TLObject, read_object, types
from tgserver.bus import MemoryBus
from tgserver.peerids import chat_key
from tgserver.services import AccountServices, BoxEvent, MessagingServices, Origin
from tgserver.services.chats import MAX_CHAT_MEMBERS, ChatService
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.chats_events import ChatChangedEvent, ChatTypingEvent
from tgserver.store.chats import ChatParticipant, ChatRecord, MemoryChatStore
from tgserver.store.messages import MemoryMessageStore, UpdateKind

ORIGIN = Origin(auth_key_id=11, session_id=5)


class Recorder:
    """Everything published on a bus, per user."""

    def __init__(self, bus: MemoryBus, *user_ids: int) -> None:
        self.events: list[tuple[int, object]] = []
        for user_id in user_ids:
            bus.subscribe(user_id, self._listen)

    async def _listen(self, user_id: int, event: object) -> None:
        self.events.append((user_id, event))

    def take(self) -> list[tuple[int, object]]:
        events, self.events = self.events, []
        return events


@pytest.fixture
async def messaging(services: AccountServices, clock: FakeClock) -> MessagingServices:
    return MessagingServices.create(services, MemoryMessageStore(), clock=clock)


@pytest.fixture
def chats(messaging: MessagingServices, clock: FakeClock) -> ChatServices:
    return ChatServices.create(MemoryChatStore(), messaging, clock=clock)


async def _people(services: AccountServices, count: int) -> list[int]:
    return [
        (await sign_up(services, f"99966210{n:02d}", f"User{n}", key=n + 1)).id
        for n in range(count)
    ]


def _action(event: object) -> TLObject:
    assert isinstance(event, BoxEvent)
    [record] = event.messages
    assert record.action is not None
    return read_object(record.action)


async def test_create_posts_the_creation_to_everyone(
    services: AccountServices, messaging: MessagingServices, chats: ChatServices
) -> None:
    ann, bob, cid = await _people(services, 3)
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob, cid)
    created = await chats.chats.create(ann, "  Team  ", [bob, cid, bob, ann], origin=ORIGIN)
    assert created.chat.title == "Team" and created.chat.participants_count == 3
    assert [p.user_id for p in created.participants] == [ann, bob, cid]
    events = seen.take()
    assert [user for user, _ in events] == [ann, bob, cid]
    for user, event in events:
        action = _action(event)
        assert action == types.MessageActionChatCreate(title="Team", users=[ann, bob, cid])
        assert isinstance(event, BoxEvent) and event.entry.peer_id == chat_key(created.chat.id)
        assert event.origin == (ORIGIN if user == ann else None)
    mine = created.message.message
    assert mine.out and mine.peer_id == chat_key(created.chat.id)


async def test_create_errors(services: AccountServices, chats: ChatServices) -> None:
    ann, bob = await _people(services, 2)
    service = chats.chats
    for title, users, error in (
        ("   ", [bob], "CHAT_TITLE_EMPTY"),
        ("x", [ann], "USERS_TOO_FEW"),
        ("x", list(range(10_000, 10_000 + MAX_CHAT_MEMBERS)), "USERS_TOO_MUCH"),
        ("x", [bob, 777], "USER_ID_INVALID"),
    ):
        with pytest.raises(RpcError) as caught:
            await service.create(ann, title, users)
        assert caught.value.name == error
    long = await service.create(ann, "t" * 300, [bob])
    assert len(long.chat.title) == 128


async def test_membership_rules(
    services: AccountServices, messaging: MessagingServices, chats: ChatServices
) -> None:
    ann, bob, cid, dan = await _people(services, 4)
    service = chats.chats
    chat = (await service.create(ann, "Team", [bob])).chat.id

    async def fails(name: str, call: object) -> None:
        with pytest.raises(RpcError) as caught:
            await call  # type: ignore[misc]
        assert caught.value.name == name

    await fails("USER_ALREADY_PARTICIPANT", service.add_user(ann, chat, bob))
    # Someone who was never in the chat does not even learn that it exists.
    await fails("CHAT_ID_INVALID", service.add_user(cid, chat, dan))
    await fails("CHAT_ID_INVALID", service.add_user(ann, 999, cid))
    # Bob invites Cid, so Bob may remove Cid; nobody but an admin removes Dan.
    await service.add_user(bob, chat, cid)
    await service.add_user(ann, chat, dan)
    await fails("CHAT_ADMIN_REQUIRED", service.delete_user(bob, chat, dan))
    await fails("CHAT_ADMIN_REQUIRED", service.delete_user(bob, chat, ann))
    await fails("USER_NOT_PARTICIPANT", service.delete_user(ann, chat, 424242))
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob, cid, dan)
    await service.delete_user(bob, chat, cid)
    # Everyone who was in, the removed user included, hears of it.
    events = seen.take()
    assert sorted(user for user, _ in events) == sorted([ann, bob, cid, dan])
    assert _action(events[0][1]) == types.MessageActionChatDeleteUser(user_id=cid)
    assert await service.member_ids(chat) == [ann, bob, dan]
    # A former member still sees the chat (forbidden), a stranger does not.
    view = await service.view(cid, chat)
    assert view.participant is None and not view.is_admin
    await fails("CHAT_ID_INVALID", service.view(424242, chat))
    assert [v.chat.id for v in await service.views(cid, [chat, 999])] == [chat]
    with pytest.raises(RpcError) as caught:
        await chats.messaging.send(cid, chat, "let me back")
    assert (caught.value.code, caught.value.name) == (403, "CHAT_WRITE_FORBIDDEN")
    # Leaving.
    await service.delete_user(dan, chat, dan)
    assert await service.member_ids(chat) == [ann, bob]


async def test_titles_and_admins(
    services: AccountServices, messaging: MessagingServices, chats: ChatServices
) -> None:
    ann, bob, cid = await _people(services, 3)
    service = chats.chats
    chat = (await service.create(ann, "Old", [bob, cid])).chat.id
    renamed = await service.edit_title(bob, chat, "New")
    assert read_object(renamed.message.action or b"") == types.MessageActionChatEditTitle(
        title="New"
    )
    for title, name in (("New", "CHAT_NOT_MODIFIED"), (" ", "CHAT_TITLE_EMPTY")):
        with pytest.raises(RpcError) as caught:
            await service.edit_title(bob, chat, title)
        assert caught.value.name == name
    with pytest.raises(RpcError) as caught:
        await service.edit_admin(bob, chat, cid, True)
    assert caught.value.name == "CHAT_ADMIN_REQUIRED"
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob, cid)
    promoted = await service.edit_admin(ann, chat, bob, True, origin=ORIGIN)
    assert promoted.version > 1
    events = seen.take()
    assert {u for u, _ in events} == {ann, bob, cid}
    assert all(isinstance(e, ChatChangedEvent) and e.chat_id == chat for _, e in events)
    with pytest.raises(RpcError) as caught:
        await service.edit_admin(ann, chat, bob, True)
    assert caught.value.name == "CHAT_NOT_MODIFIED"
    # An admin may remove anyone but the creator.
    await service.delete_user(bob, chat, cid)
    assert (await service.view(bob, chat)).is_admin


async def test_group_messages_reach_every_member(
    services: AccountServices, messaging: MessagingServices, chats: ChatServices
) -> None:
    ann, bob, cid = await _people(services, 3)
    chat = (await chats.chats.create(ann, "Team", [bob, cid])).chat.id
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob, cid)
    group = chats.messaging
    sent = await group.send(bob, chat, "hello", random_id=5, origin=ORIGIN)
    assert [c.user_id for c in sent.copies] == [ann, cid]
    events = seen.take()
    assert [u for u, _ in events] == [bob, ann, cid]
    again = await group.send(bob, chat, "hello", random_id=5)
    assert again.duplicate and seen.take() == []
    # A reply to a message of another dialog is dropped.
    other = await messaging.messages.send(bob, ann, "private")
    reply = await group.send(bob, chat, "re", reply_to=other.message.id)
    assert reply.message.reply_to is None
    seen.take()
    # Edits, reads, deletions.
    edited = await group.edit(bob, chat, sent.message.id, "hello!", origin=ORIGIN)
    assert [c.message.text for c in edited.copies] == ["hello!", "hello!"]
    assert {u for u, _ in seen.take()} == {ann, bob, cid}
    read = await group.read(ann, chat, 0)
    assert [a.user_id for a in read.authors] == [bob]
    assert read.authors[0].entry.kind is UpdateKind.READ_HISTORY_OUTBOX
    seen.take()
    ann_copy = next(c for c in sent.copies if c.user_id == ann)
    cid_copy = next(c for c in sent.copies if c.user_id == cid)
    with pytest.raises(RpcError) as caught:
        await group.delete(cid, [cid_copy.id], revoke=True)
    assert caught.value.name == "MESSAGE_DELETE_FORBIDDEN"
    deleted = await group.delete(bob, [sent.message.id], revoke=True)
    assert {p.user_id for p in deleted.peers} == {ann, cid}
    with pytest.raises(RpcError) as caught:
        await group.edit(ann, chat, ann_copy.id, "mine?")
    assert caught.value.name == "MESSAGE_ID_INVALID"


async def test_group_message_errors(services: AccountServices, chats: ChatServices) -> None:
    ann, bob, cid = await _people(services, 3)
    chat = (await chats.chats.create(ann, "Team", [bob])).chat.id
    group = chats.messaging
    first = await group.send(ann, chat, "mine")
    cases = (
        (group.send(ann, chat, "  "), "MESSAGE_EMPTY"),
        (group.send(ann, chat, "x" * 4097), "MESSAGE_TOO_LONG"),
        (group.send(cid, chat, "let me in"), "CHAT_ID_INVALID"),
        (group.edit(ann, chat, first.message.id, "mine"), "MESSAGE_NOT_MODIFIED"),
        (group.edit(bob, chat, first.copies[0].id, "no"), "MESSAGE_AUTHOR_REQUIRED"),
        (group.delete(ann, list(range(101)), revoke=False), "MESSAGE_ID_INVALID"),
        (group.read(cid, chat, 0), "CHAT_ID_INVALID"),
    )
    for call, name in cases:
        with pytest.raises(RpcError) as caught:
            await call
        assert caught.value.name == name


async def test_typing_reaches_the_other_members(
    services: AccountServices, messaging: MessagingServices, chats: ChatServices, clock: FakeClock
) -> None:
    ann, bob, cid = await _people(services, 3)
    chat = (await chats.chats.create(ann, "Team", [bob, cid])).chat.id
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob, cid)
    action = types.SendMessageTypingAction().to_bytes()
    await chats.messaging.typing(bob, chat, action)
    await chats.messaging.typing(bob, chat, action)  # within a second: not relayed again
    events = seen.take()
    assert [u for u, _ in events] == [ann, cid]
    assert all(isinstance(e, ChatTypingEvent) and e.from_id == bob for _, e in events)
    clock.advance(2)
    await chats.messaging.typing(bob, chat, action)
    assert len(seen.take()) == 2


async def test_migration(services: AccountServices, chats: ChatServices) -> None:
    ann, bob = await _people(services, 2)
    service: ChatService = chats.chats
    chat = (await service.create(ann, "Grow", [bob])).chat.id
    made: list[tuple[ChatRecord, Sequence[ChatParticipant], int]] = []

    async def create_channel(
        record: ChatRecord, participants: Sequence[ChatParticipant], max_id: int
    ) -> int:
        made.append((record, participants, max_id))
        return 77

    with pytest.raises(RpcError) as caught:
        await service.migrate(bob, chat, create_channel)
    assert caught.value.name == "CHAT_ADMIN_REQUIRED"
    migrated, message = await service.migrate(ann, chat, create_channel)
    assert (migrated.deactivated, migrated.migrated_to) == (True, 77)
    [(record, participants, max_id)] = made
    assert record.title == "Grow" and [p.user_id for p in participants] == [ann, bob]
    assert max_id == 1
    assert read_object(message.message.action or b"") == types.MessageActionChatMigrateTo(
        channel_id=77
    )
    with pytest.raises(RpcError) as caught:
        await chats.messaging.send(ann, chat, "still?")
    assert caught.value.name == "CHAT_ID_INVALID"
