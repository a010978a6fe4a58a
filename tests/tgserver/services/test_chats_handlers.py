"""messages.* routed by peer kind, the basic-group handlers, merged dialogs, chats vectors."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from account_support import sign_up

from tgcore.errors import RpcError
from tgcore.testing import FakeClock
from tgcore.tl import TLObject, functions, read_object, types
from tgserver.peerids import channel_key, chat_key
from tgserver.rpc import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers import (
    EventRenderer,
    MessageHandlers,
    register_chat_handlers,
    tl_difference,
)
from tgserver.rpc.handlers.chats import ChatHandlers
from tgserver.rpc.handlers.routing import ChannelDialog, ForwardSource
from tgserver.services import AccountServices, MessagingServices
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.chats_events import ChatChangedEvent, ChatTypingEvent
from tgserver.store.chats import ChatParticipant, ChatRecord, MemoryChatStore
from tgserver.store.messages import MemoryMessageStore


@pytest.fixture
async def messaging(services: AccountServices, clock: FakeClock) -> MessagingServices:
    return MessagingServices.create(services, MemoryMessageStore(), clock=clock)


@pytest.fixture
def chats(messaging: MessagingServices, clock: FakeClock) -> ChatServices:
    return ChatServices.create(MemoryChatStore(), messaging, clock=clock)


@pytest.fixture
def handlers(messaging: MessagingServices, chats: ChatServices) -> MessageHandlers:
    return MessageHandlers(messaging, chats)


@pytest.fixture
def chat_handlers(handlers: MessageHandlers, chats: ChatServices) -> ChatHandlers:
    return register_chat_handlers(Dispatcher(), chats, handlers)


def _ctx(user_id: int, key: int = 1) -> RequestContext:
    return RequestContext(auth_key_id=key, session_id=7, msg_id=0, layer=229, user_id=user_id)


async def _people(services: AccountServices, count: int) -> list[int]:
    return [
        (await sign_up(services, f"99966220{n:02d}", f"User{n}", key=n + 1)).id
        for n in range(count)
    ]


def _input_user(services: AccountServices, viewer: int, user: int) -> types.InputUser:
    return types.InputUser(user_id=user, access_hash=services.users.access.user(viewer, user))


def _input_peer(services: AccountServices, viewer: int, user: int) -> types.InputPeerUser:
    return types.InputPeerUser(user_id=user, access_hash=services.users.access.user(viewer, user))


def _history(peer: types.TypeInputPeer, limit: int = 20) -> functions.messages.GetHistory:
    return functions.messages.GetHistory(
        peer=peer, offset_id=0, offset_date=0, add_offset=0, limit=limit, max_id=0, min_id=0, hash=0
    )


async def _create(
    chat_handlers: ChatHandlers, services: AccountServices, owner: int, others: Sequence[int]
) -> int:
    invited = await chat_handlers.create_chat(
        _ctx(owner),
        functions.messages.CreateChat(
            users=[_input_user(services, owner, u) for u in others], title="Team"
        ),
    )
    updates = invited.updates
    assert isinstance(updates, types.Updates)
    [chat] = updates.chats
    assert isinstance(chat, types.Chat)
    return chat.id


class FakeChannels:
    """Just enough of the channel handlers: two channel dialogs and their chats."""

    def __init__(self, dialogs: list[ChannelDialog]) -> None:
        self.dialogs = dialogs
        self.sent: list[object] = []

    async def send_message(
        self, ctx: RequestContext, request: functions.messages.SendMessage
    ) -> TLObject:
        self.sent.append(request)
        return types.Updates(updates=[], users=[], chats=[], date=0, seq=0)

    async def get_history(
        self, ctx: RequestContext, request: functions.messages.GetHistory
    ) -> TLObject:
        self.sent.append(request)
        return types.messages.Messages(messages=[], topics=[], chats=[], users=[])

    async def edit_message(
        self, ctx: RequestContext, request: functions.messages.EditMessage
    ) -> TLObject:
        self.sent.append(request)
        return types.Updates(updates=[], users=[], chats=[], date=0, seq=0)

    async def set_typing(self, ctx: RequestContext, request: functions.messages.SetTyping) -> bytes:
        self.sent.append(request)
        return b""

    async def toggle_dialog_pin(
        self, ctx: RequestContext, peer: types.TypeInputPeer, pinned: bool
    ) -> None:
        self.sent.append((peer, pinned))

    async def forward_sources(
        self, user_id: int, peer: types.TypeInputPeer, ids: list[int]
    ) -> list[ForwardSource]:
        header = types.MessageFwdHeader(
            from_id=types.PeerChannel(channel_id=5), date=1, channel_post=ids[0]
        )
        return [ForwardSource(ids[0], "from a channel", None, None, header.to_bytes())]

    async def post_forwards(
        self,
        ctx: RequestContext,
        peer: types.TypeInputPeer,
        items: list[tuple[ForwardSource, int]],
    ) -> types.Updates:
        self.sent.append(items)
        return types.Updates(updates=[], users=[], chats=[], date=0, seq=0)

    async def dialogs_for(self, user_id: int) -> list[ChannelDialog]:
        return self.dialogs

    async def peer_dialogs(
        self, user_id: int, peers: list[types.TypeInputPeer]
    ) -> list[ChannelDialog]:
        return self.dialogs[:1]

    async def tl_channel_for(self, user_id: int, channel_id: int) -> types.TypeChat:
        return types.ChannelForbidden(id=channel_id, access_hash=1, title=f"c{channel_id}")

    def input_channel_for(self, user_id: int, channel_id: int) -> types.InputChannel:
        return types.InputChannel(channel_id=channel_id, access_hash=1)


def _channel_dialog(channel_id: int, date: int, top: int, pinned: bool = False) -> ChannelDialog:
    peer = types.PeerChannel(channel_id=channel_id)
    return ChannelDialog(
        peer_key=channel_key(channel_id),
        top_date=date,
        top_message=top,
        pinned=pinned,
        dialog=types.Dialog(
            pinned=pinned,
            peer=peer,
            top_message=top,
            read_inbox_max_id=0,
            read_outbox_max_id=0,
            unread_count=0,
            unread_mentions_count=0,
            unread_reactions_count=0,
            unread_poll_votes_count=0,
            notify_settings=types.PeerNotifySettings(),
        ),
        message=types.Message(id=top, peer_id=peer, date=date, message="post"),
        chats=(types.ChannelForbidden(id=channel_id, access_hash=1, title="c"),),
    )


def _peer_key(dialog: types.TypeDialog) -> int:
    assert isinstance(dialog, types.Dialog)
    peer = dialog.peer
    if isinstance(peer, types.PeerUser):
        return peer.user_id
    if isinstance(peer, types.PeerChat):
        return chat_key(peer.chat_id)
    assert isinstance(peer, types.PeerChannel)
    return channel_key(peer.channel_id)


async def test_dialogs_merge_every_kind_and_page_like_telethon(
    services: AccountServices,
    messaging: MessagingServices,
    handlers: MessageHandlers,
    chat_handlers: ChatHandlers,
    clock: FakeClock,
) -> None:
    ann, bob, cid = await _people(services, 3)
    expected: list[int] = []
    for n in range(6):
        clock.advance(10)
        if n % 2:
            chat_id = await _create(chat_handlers, services, ann, [bob])
            expected.append(chat_key(chat_id))
        else:
            await messaging.messages.send(ann, [bob, cid, ann][n // 2], f"m{n}")
            expected.append([bob, cid, ann][n // 2])
    now = int(clock())
    channels = FakeChannels([_channel_dialog(5, now - 25, 900), _channel_dialog(6, now + 5, 3)])
    handlers.set_channel_handlers(channels)
    # Newest first: channel 6 (now + 5), then the box, with channel 5 between its dialogs.
    order = [channel_key(6), *reversed(expected)]
    order.insert(order.index(expected[3]) + 1, channel_key(5))

    seen: list[int] = []
    offset_date, offset_id = 0, 0
    offset: types.TypeInputPeer = types.InputPeerEmpty()
    for _ in range(10):
        page = await handlers.get_dialogs(
            _ctx(ann),
            functions.messages.GetDialogs(
                offset_date=offset_date,
                offset_id=offset_id,
                offset_peer=offset,
                limit=3,
                hash=0,
            ),
        )
        assert isinstance(page, types.messages.DialogsSlice) and page.count == 8
        if not page.dialogs:
            break
        keys = [_peer_key(d) for d in page.dialogs]
        seen.extend(keys)
        chat_ids = {c.id for c in page.chats}
        assert all(-k in chat_ids or k > 0 or -k - 10**12 in chat_ids for k in keys)
        # What Telethon's iter_dialogs sends next: the last dialog's message and peer.
        last = page.dialogs[-1]
        assert isinstance(last, types.Dialog)
        message = next(
            m
            for m in page.messages
            if isinstance(m, types.Message | types.MessageService)
            and m.id == last.top_message
            and m.peer_id == last.peer
        )
        offset_date, offset_id = message.date, message.id
        key = keys[-1]
        if key > 0:
            offset = types.InputPeerSelf() if key == ann else _input_peer(services, ann, key)
        elif key > -(10**12):
            offset = types.InputPeerChat(chat_id=-key)
        else:
            offset = types.InputPeerChannel(channel_id=-key - 10**12, access_hash=1)
    assert seen == order


async def test_channel_peers_go_to_the_channel_handlers(
    services: AccountServices, handlers: MessageHandlers
) -> None:
    [ann] = await _people(services, 1)
    channel = types.InputPeerChannel(channel_id=5, access_hash=1)
    send = functions.messages.SendMessage(peer=channel, message="hi", random_id=1)
    with pytest.raises(RpcError) as caught:
        await handlers.send_message(_ctx(ann), send)
    assert caught.value.name == "CHANNEL_INVALID"
    fake = FakeChannels([])
    handlers.set_channel_handlers(fake)
    await handlers.send_message(_ctx(ann), send)
    await handlers.get_history(_ctx(ann), _history(channel))
    await handlers.set_typing(
        _ctx(ann),
        functions.messages.SetTyping(peer=channel, action=types.SendMessageTypingAction()),
    )
    assert len(fake.sent) == 3
    with pytest.raises(RpcError) as caught:
        await handlers.read_history(
            _ctx(ann), functions.messages.ReadHistory(peer=channel, max_id=0)
        )
    assert caught.value.name == "PEER_ID_INVALID"


async def test_group_messages_through_the_handlers(
    services: AccountServices,
    messaging: MessagingServices,
    handlers: MessageHandlers,
    chat_handlers: ChatHandlers,
) -> None:
    ann, bob = await _people(services, 2)
    chat_id = await _create(chat_handlers, services, ann, [bob])
    group = types.InputPeerChat(chat_id=chat_id)
    sent = await handlers.send_message(
        _ctx(bob, 2), functions.messages.SendMessage(peer=group, message="hello", random_id=9)
    )
    assert isinstance(sent, types.Updates)
    assert isinstance(sent.updates[0], types.UpdateMessageID)
    assert [c.id for c in sent.chats] == [chat_id]
    history = await handlers.get_history(_ctx(ann), _history(group))
    assert isinstance(history, types.messages.Messages)
    assert [type(m).__name__ for m in history.messages] == ["Message", "MessageService"]
    assert [c.id for c in history.chats] == [chat_id]
    top = history.messages[0]
    assert isinstance(top, types.Message) and top.peer_id == types.PeerChat(chat_id=chat_id)
    # Forward the group message to Bob privately and a private one into the group.
    bob_peer = _input_peer(services, ann, bob)
    forwarded = await handlers.forward_messages(
        _ctx(ann),
        functions.messages.ForwardMessages(
            from_peer=group, id=[top.id], random_id=[1], to_peer=bob_peer
        ),
    )
    assert isinstance(forwarded, types.Updates) and len(forwarded.updates) == 2
    private = await messaging.messages.send(ann, bob, "private")
    into_group = await handlers.forward_messages(
        _ctx(ann),
        functions.messages.ForwardMessages(
            from_peer=bob_peer, id=[private.message.id], random_id=[2], to_peer=group
        ),
    )
    assert isinstance(into_group, types.Updates) and [c.id for c in into_group.chats] == [chat_id]
    # Read, edit, typing, delete.
    read = await handlers.read_history(
        _ctx(ann), functions.messages.ReadHistory(peer=group, max_id=0)
    )
    assert read.pts_count == 1
    assert isinstance(sent.updates[1], types.UpdateNewMessage)
    bob_copy = sent.updates[1].message
    edited = await handlers.edit_message(
        _ctx(bob, 2), functions.messages.EditMessage(peer=group, id=bob_copy.id, message="hi!")
    )
    assert isinstance(edited, types.Updates)
    assert await handlers.set_typing(
        _ctx(bob, 2),
        functions.messages.SetTyping(peer=group, action=types.SendMessageTypingAction()),
    )
    affected = await handlers.delete_messages(
        _ctx(bob, 2), functions.messages.DeleteMessages(id=[bob_copy.id], revoke=True)
    )
    assert affected.pts_count == 1
    # getMessages of the user's box carries the chats too.
    found = await handlers.get_messages(
        _ctx(ann), functions.messages.GetMessages(id=[types.InputMessageID(id=1)])
    )
    assert isinstance(found, types.messages.Messages) and [c.id for c in found.chats] == [chat_id]


async def test_chat_handlers(
    services: AccountServices,
    messaging: MessagingServices,
    chat_handlers: ChatHandlers,
) -> None:
    ann, bob, cid = await _people(services, 3)
    chat_id = await _create(chat_handlers, services, ann, [bob])
    added = await chat_handlers.add_chat_user(
        _ctx(ann),
        functions.messages.AddChatUser(
            chat_id=chat_id, user_id=_input_user(services, ann, cid), fwd_limit=0
        ),
    )
    assert isinstance(added.updates, types.Updates)
    assert await chat_handlers.edit_chat_admin(
        _ctx(ann),
        functions.messages.EditChatAdmin(
            chat_id=chat_id, user_id=_input_user(services, ann, bob), is_admin=True
        ),
    )
    full = await chat_handlers.get_full_chat(
        _ctx(bob, 2), functions.messages.GetFullChat(chat_id=chat_id)
    )
    participants = full.full_chat.participants
    assert isinstance(participants, types.ChatParticipants)
    kinds = [type(p).__name__ for p in participants.participants]
    assert kinds == ["ChatParticipantCreator", "ChatParticipantAdmin", "ChatParticipant"]
    assert {u.id for u in full.users} == {ann, bob, cid}
    renamed = await chat_handlers.edit_chat_title(
        _ctx(bob, 2), functions.messages.EditChatTitle(chat_id=chat_id, title="Renamed")
    )
    assert isinstance(renamed.chats[0], types.Chat) and renamed.chats[0].title == "Renamed"
    # Cid leaves, revoking its history: its box keeps only the service message.
    left = await chat_handlers.delete_chat_user(
        _ctx(cid, 3),
        functions.messages.DeleteChatUser(
            chat_id=chat_id, user_id=types.InputUserSelf(), revoke_history=True
        ),
    )
    assert isinstance(left.chats[0], types.ChatForbidden)
    page = await messaging.messages.history(cid, chat_key(chat_id))
    assert [m.action is not None for m in page.messages] == [True]
    got = await chat_handlers.get_chats(
        _ctx(cid, 3), functions.messages.GetChats(id=[chat_id, 999])
    )
    assert [type(c).__name__ for c in got.chats] == ["ChatForbidden"]
    forbidden = await chat_handlers.get_full_chat(
        _ctx(cid, 3), functions.messages.GetFullChat(chat_id=chat_id)
    )
    assert isinstance(forbidden.full_chat.participants, types.ChatParticipantsForbidden)
    # Migration needs the channel side.
    with pytest.raises(RpcError) as caught:
        await chat_handlers.migrate_chat(_ctx(ann), functions.messages.MigrateChat(chat_id=chat_id))
    assert caught.value.name == "CHAT_ID_INVALID"

    async def create(chat: ChatRecord, participants: Sequence[ChatParticipant], max_id: int) -> int:
        return 44

    chat_handlers.set_channel_creator(create)
    migrated = await chat_handlers.migrate_chat(
        _ctx(ann), functions.messages.MigrateChat(chat_id=chat_id)
    )
    assert isinstance(migrated, types.Updates)
    [group] = migrated.chats  # no channel handlers installed: the channel is not rendered
    assert isinstance(group, types.Chat) and group.deactivated


async def test_pushes_and_differences_carry_the_chats(
    services: AccountServices,
    messaging: MessagingServices,
    handlers: MessageHandlers,
    chat_handlers: ChatHandlers,
) -> None:
    ann, bob = await _people(services, 2)
    chat_id = await _create(chat_handlers, services, ann, [bob])
    renderer = EventRenderer(messaging, handlers.renderer)
    typing = await renderer(
        bob,
        ChatTypingEvent(bob, chat_id, ann, types.SendMessageTypingAction().to_bytes(), 5),
    )
    assert typing is not None
    decoded = read_object(typing)
    assert isinstance(decoded, types.Updates)
    assert isinstance(decoded.updates[0], types.UpdateChatUserTyping)
    assert [c.id for c in decoded.chats] == [chat_id] and [u.id for u in decoded.users] == [ann]
    changed = await renderer(bob, ChatChangedEvent(bob, chat_id, 5))
    assert changed is not None
    assert isinstance(read_object(changed), types.Updates)
    diff = await messaging.difference.difference(bob, 1)
    result = await tl_difference(messaging, bob, diff, handlers.renderer.chats_for)
    assert isinstance(result, types.updates.Difference)
    assert [c.id for c in result.chats] == [chat_id]
    [message] = result.new_messages
    assert isinstance(message, types.MessageService)
    assert isinstance(message.action, types.MessageActionChatCreate)
