"""The messages.* and updates.* handlers and the pushed-update renderer, without a network."""

from __future__ import annotations

import pytest
from account_support import sign_up

from tgcore.errors import RpcError
from tgcore.testing import FakeClock
from tgcore.tl import Reader, functions, pack_bool, read_object, types
from tgserver.rpc import RequestContext
from tgserver.rpc.handlers import (
    EventRenderer,
    MessageHandlers,
    UpdateHandlers,
    decode_objects,
    encode_objects,
    tl_difference,
)
from tgserver.services import (
    AccountServices,
    BoxDifference,
    BoxEvent,
    DialogPinEvent,
    MessagingServices,
    PinnedDialogsEvent,
    TypingEvent,
    UpdatesState,
)
from tgserver.store.messages import MemoryMessageStore, UpdateEntry, UpdateKind


@pytest.fixture
async def messaging(services: AccountServices, clock: FakeClock) -> MessagingServices:
    return MessagingServices.create(services, MemoryMessageStore(), clock=clock)


def _ctx(user_id: int | None, key: int = 1) -> RequestContext:
    return RequestContext(auth_key_id=key, session_id=7, msg_id=0, layer=229, user_id=user_id)


async def _people(services: AccountServices) -> tuple[int, int, types.InputPeerUser]:
    ann = await sign_up(services, "9996621001", "Ann", key=1)
    bob = await sign_up(services, "9996621002", "Bob", key=2)
    bob_for_ann = types.InputPeerUser(
        user_id=bob.id, access_hash=services.users.access.user(ann.id, bob.id)
    )
    return ann.id, bob.id, bob_for_ann


def _send(peer: types.TypeInputPeer, text: str, random_id: int) -> functions.messages.SendMessage:
    return functions.messages.SendMessage(peer=peer, message=text, random_id=random_id)


async def test_send_history_and_dialog_pages(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob, bob_peer = await _people(services)
    handlers = MessageHandlers(messaging)
    bold = [types.MessageEntityBold(offset=0, length=2)]
    request = functions.messages.SendMessage(
        peer=bob_peer,
        message="hi there",
        random_id=1,
        entities=bold,  # type: ignore[arg-type]
    )
    sent = await handlers.send_message(_ctx(ann), request)
    assert (sent.id, sent.out, sent.pts_count) == (1, True, 1)
    for n in range(4):
        await handlers.send_message(_ctx(ann), _send(bob_peer, f"m{n}", 10 + n))
    history = await handlers.get_history(
        _ctx(ann),
        functions.messages.GetHistory(
            peer=bob_peer,
            offset_id=0,
            offset_date=0,
            add_offset=0,
            limit=2,
            max_id=0,
            min_id=0,
            hash=0,
        ),
    )
    assert isinstance(history, types.messages.MessagesSlice) and history.count == 5
    assert [m.message for m in history.messages] == ["m3", "m2"]  # type: ignore[union-attr]
    everything = await handlers.get_history(
        _ctx(ann),
        functions.messages.GetHistory(
            peer=bob_peer,
            offset_id=0,
            offset_date=0,
            add_offset=0,
            limit=50,
            max_id=0,
            min_id=0,
            hash=0,
        ),
    )
    assert isinstance(everything, types.messages.Messages)
    first = everything.messages[-1]
    assert isinstance(first, types.Message) and first.entities is not None
    assert isinstance(first.entities[0], types.MessageEntityBold)

    dialogs = await handlers.get_dialogs(
        _ctx(bob),
        functions.messages.GetDialogs(
            offset_date=0, offset_id=0, offset_peer=types.InputPeerEmpty(), limit=10, hash=0
        ),
    )
    assert isinstance(dialogs, types.messages.Dialogs)
    [dialog] = dialogs.dialogs
    assert isinstance(dialog, types.Dialog) and dialog.unread_count == 5
    assert [u.id for u in dialogs.users] == [ann]  # type: ignore[union-attr]
    later = await handlers.get_dialogs(
        _ctx(bob),
        functions.messages.GetDialogs(
            offset_date=dialog.top_message,
            offset_id=0,
            offset_peer=types.InputPeerEmpty(),
            limit=10,
            hash=0,
        ),
    )
    assert isinstance(later, types.messages.DialogsSlice) and later.count == 1

    mention = await handlers.send_message(
        _ctx(ann),
        functions.messages.SendMessage(
            peer=bob_peer,
            message="hey Bob and X",
            random_id=50,
            entities=[
                types.InputMessageEntityMentionName(
                    offset=4,
                    length=3,
                    user_id=types.InputUser(user_id=bob, access_hash=bob_peer.access_hash),
                ),
                types.InputMessageEntityMentionName(
                    offset=12, length=1, user_id=types.InputUser(user_id=bob, access_hash=1)
                ),
            ],
        ),
    )
    assert mention.entities is not None
    [kept] = mention.entities
    assert isinstance(kept, types.MessageEntityMentionName) and kept.user_id == bob

    with pytest.raises(RpcError, match="AUTH_KEY_UNREGISTERED"):
        await handlers.send_message(_ctx(None), _send(bob_peer, "x", 99))
    forged = types.InputPeerUser(user_id=bob, access_hash=1)
    with pytest.raises(RpcError, match="PEER_ID_INVALID"):
        await handlers.send_message(_ctx(ann), _send(forged, "x", 98))


async def test_forward_checks_random_ids_and_sources(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, _, bob_peer = await _people(services)
    handlers = MessageHandlers(messaging)
    note = await handlers.send_message(_ctx(ann), _send(types.InputPeerSelf(), "note", 1))

    def forward(ids: list[int], randoms: list[int]) -> functions.messages.ForwardMessages:
        return functions.messages.ForwardMessages(
            from_peer=types.InputPeerSelf(), id=ids, random_id=randoms, to_peer=bob_peer
        )

    with pytest.raises(RpcError, match="RANDOM_ID_INVALID"):
        await handlers.forward_messages(_ctx(ann), forward([note.id], [5, 6]))
    with pytest.raises(RpcError, match="MESSAGE_ID_INVALID"):
        await handlers.forward_messages(_ctx(ann), forward([404], [5]))
    result = await handlers.forward_messages(_ctx(ann), forward([note.id, 404], [5, 6]))
    kinds = [type(u) for u in result.updates]
    assert kinds == [types.UpdateMessageID, types.UpdateNewMessage]
    new = result.updates[1]
    assert isinstance(new, types.UpdateNewMessage) and isinstance(new.message, types.Message)
    assert isinstance(new.message.fwd_from, types.MessageFwdHeader)


async def test_difference_shapes(services: AccountServices, messaging: MessagingServices) -> None:
    ann, bob, bob_peer = await _people(services)
    state = UpdatesState(pts=5, qts=0, date=9, seq=0, unread_count=0)
    too_long = await tl_difference(messaging, ann, BoxDifference(state=state, too_long=True))
    assert isinstance(too_long, types.updates.DifferenceTooLong) and too_long.pts == 5
    empty = await tl_difference(messaging, ann, BoxDifference(state=state))
    assert isinstance(empty, types.updates.DifferenceEmpty)

    handlers = MessageHandlers(messaging)
    updates = UpdateHandlers(messaging)
    start = await updates.get_state(_ctx(bob, key=2), functions.updates.GetState())
    for n in range(3):
        await handlers.send_message(_ctx(ann), _send(bob_peer, f"m{n}", n + 1))
    diff = await updates.get_difference(
        _ctx(bob, key=2),
        functions.updates.GetDifference(pts=start.pts, date=0, qts=0, pts_total_limit=2),
    )
    assert isinstance(diff, types.updates.DifferenceSlice)
    assert len(diff.new_messages) == 2 and [u.id for u in diff.users] == [ann]  # type: ignore[union-attr]
    rest = await updates.get_difference(
        _ctx(bob, key=2),
        functions.updates.GetDifference(pts=diff.intermediate_state.pts, date=0, qts=0),
    )
    assert isinstance(rest, types.updates.Difference) and len(rest.new_messages) == 1


async def test_renderer_shapes(services: AccountServices, messaging: MessagingServices) -> None:
    ann, bob, _ = await _people(services)
    render = EventRenderer(messaging)
    typing = await render(bob, TypingEvent(bob, ann, types.SendMessageTypingAction().to_bytes(), 5))
    assert typing is not None
    short = read_object(typing)
    assert isinstance(short, types.UpdateShort)
    assert isinstance(short.update, types.UpdateUserTyping) and short.update.user_id == ann
    not_an_action = await render(
        bob, TypingEvent(bob, ann, types.PeerUser(user_id=1).to_bytes(), 5)
    )
    assert not_an_action is None
    assert await render(bob, "something else") is None
    gone = BoxEvent(
        bob, UpdateEntry(pts=2, pts_count=1, kind=UpdateKind.NEW_MESSAGE, date=1, ids=(1,))
    )
    assert await render(bob, gone) is None
    read = BoxEvent(
        bob,
        UpdateEntry(
            pts=3, pts_count=1, kind=UpdateKind.READ_HISTORY_OUTBOX, date=1, peer_id=ann, max_id=4
        ),
    )
    data = await render(bob, read)
    assert data is not None
    updates = read_object(data)
    assert isinstance(updates, types.Updates)
    assert isinstance(updates.updates[0], types.UpdateReadHistoryOutbox)
    assert [u.id for u in updates.users] == [ann]  # type: ignore[union-attr]
    assert updates.users[0].access_hash == services.users.access.user(bob, ann)  # type: ignore[union-attr]


def test_entities_round_trip() -> None:
    assert encode_objects(None) is None and encode_objects([]) is None
    assert decode_objects(None) == []
    ents = [
        types.MessageEntityBold(offset=0, length=1),
        types.MessageEntityCode(offset=1, length=2),
    ]
    data = encode_objects(ents)
    assert data is not None
    assert [e.to_bytes() for e in decode_objects(data)] == [e.to_bytes() for e in ents]
    assert Reader(data).read_vector_header() == 2


async def test_pinned_dialog_handlers_and_pushes(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob, bob_peer = await _people(services)
    handlers = MessageHandlers(messaging)
    await handlers.send_message(_ctx(ann), _send(bob_peer, "hi", 1))
    await handlers.send_message(_ctx(ann), _send(types.InputPeerSelf(), "note", 2))
    pin = functions.messages.ToggleDialogPin(peer=types.InputDialogPeer(peer=bob_peer), pinned=True)
    assert await handlers.toggle_dialog_pin(_ctx(ann), pin) == pack_bool(True)

    pinned = await handlers.get_pinned_dialogs(
        _ctx(ann), functions.messages.GetPinnedDialogs(folder_id=0)
    )
    [dialog] = pinned.dialogs
    assert isinstance(dialog, types.Dialog) and dialog.pinned
    assert dialog.peer == types.PeerUser(user_id=bob)
    assert pinned.state.pts == (await messaging.difference.state(ann)).pts
    archived = await handlers.get_pinned_dialogs(
        _ctx(ann), functions.messages.GetPinnedDialogs(folder_id=1)
    )
    assert archived.dialogs == []
    dialogs = await handlers.get_dialogs(
        _ctx(ann),
        functions.messages.GetDialogs(
            offset_date=0, offset_id=0, offset_peer=types.InputPeerEmpty(), limit=10, hash=0
        ),
    )
    assert [d.pinned for d in dialogs.dialogs] == [True, False]  # type: ignore[union-attr]
    assert dialogs.dialogs[0].peer == types.PeerUser(user_id=bob)  # type: ignore[union-attr]

    reorder = functions.messages.ReorderPinnedDialogs(
        folder_id=0,
        order=[
            types.InputDialogPeer(peer=types.InputPeerSelf()),
            types.InputDialogPeer(peer=bob_peer),
        ],
    )
    assert await handlers.reorder_pinned_dialogs(_ctx(ann), reorder) == pack_bool(True)
    pinned = await handlers.get_pinned_dialogs(
        _ctx(ann), functions.messages.GetPinnedDialogs(folder_id=0)
    )
    assert [d.peer for d in pinned.dialogs] == [
        types.PeerUser(user_id=ann),
        types.PeerUser(user_id=bob),
    ]

    for bad in (
        functions.messages.ToggleDialogPin(peer=types.InputDialogPeerFolder(folder_id=1)),
        functions.messages.ReorderPinnedDialogs(folder_id=1, order=[]),
        functions.messages.GetPinnedDialogs(folder_id=7),
    ):
        with pytest.raises(RpcError) as caught:
            if isinstance(bad, functions.messages.ToggleDialogPin):
                await handlers.toggle_dialog_pin(_ctx(ann), bad)
            elif isinstance(bad, functions.messages.ReorderPinnedDialogs):
                await handlers.reorder_pinned_dialogs(_ctx(ann), bad)
            else:
                await handlers.get_pinned_dialogs(_ctx(ann), bad)
        assert caught.value.code == 400

    render = EventRenderer(messaging)
    data = await render(ann, DialogPinEvent(ann, bob, True, 5))
    assert data is not None
    updates = read_object(data)
    assert isinstance(updates, types.Updates)
    [update] = updates.updates
    assert isinstance(update, types.UpdateDialogPinned) and update.pinned
    assert update.peer == types.DialogPeer(peer=types.PeerUser(user_id=bob))
    assert [u.id for u in updates.users] == [bob]  # type: ignore[union-attr]
    data = await render(ann, PinnedDialogsEvent(ann, (ann, bob), 5))
    assert data is not None
    updates = read_object(data)
    assert isinstance(updates, types.Updates)
    [update] = updates.updates
    assert isinstance(update, types.UpdatePinnedDialogs) and update.order is not None
    assert [p.peer for p in update.order] == [  # type: ignore[union-attr]
        types.PeerUser(user_id=ann),
        types.PeerUser(user_id=bob),
    ]
