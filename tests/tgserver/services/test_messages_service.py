"""The messaging service over the in-memory message store: sends, edits, reads, deletes."""

from __future__ import annotations

import pytest
from account_support import sign_up

from tgcore.errors import RpcError
from tgcore.testing import FakeClock
from tgserver.bus import MemoryBus
from tgserver.services import (
    AccountServices,
    BoxEvent,
    DialogPinEvent,
    MessagingServices,
    Origin,
    PinnedDialogsEvent,
    TypingEvent,
    utf16_length,
)
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


async def _pair(services: AccountServices) -> tuple[int, int]:
    ann = await sign_up(services, "9996621001", "Ann", key=1)
    bob = await sign_up(services, "9996621002", "Bob", key=2)
    return ann.id, bob.id


async def test_send_stores_both_copies_and_publishes_each_box(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob)
    result = await messaging.messages.send(
        ann, bob, "hi", entities=b"ents", random_id=42, origin=ORIGIN
    )
    mine, theirs = result.message, result.peer_message
    assert theirs is not None
    assert (mine.out, mine.peer_id, mine.entities) == (True, bob, b"ents")
    assert (theirs.out, theirs.peer_id, theirs.from_id) == (False, ann, ann)
    events = seen.take()
    assert [(u, type(e)) for u, e in events] == [(ann, BoxEvent), (bob, BoxEvent)]
    to_ann, to_bob = (e for _, e in events)
    assert isinstance(to_ann, BoxEvent) and isinstance(to_bob, BoxEvent)
    assert to_ann.origin == ORIGIN and to_bob.origin is None
    assert to_bob.entry.kind == UpdateKind.NEW_MESSAGE
    assert to_bob.entry.pts == theirs.pts and to_bob.messages == (theirs,)

    # The same random_id again: the first message, nothing published.
    again = await messaging.messages.send(ann, bob, "hi", random_id=42, origin=ORIGIN)
    assert again.duplicate and again.message.id == mine.id
    assert seen.take() == []


async def test_saved_messages_are_one_copy(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, _ = await _pair(services)
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann)
    result = await messaging.messages.send(ann, ann, "note")
    assert result.peer_message is None and result.message.peer_id == ann
    assert len(seen.take()) == 1


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "MESSAGE_EMPTY"), ("  \n", "MESSAGE_EMPTY"), ("a" * 4097, "MESSAGE_TOO_LONG")],
)
async def test_bad_texts_are_refused(
    services: AccountServices, messaging: MessagingServices, text: str, error: str
) -> None:
    ann, bob = await _pair(services)
    with pytest.raises(RpcError) as caught:
        await messaging.messages.send(ann, bob, text)
    assert caught.value.name == error


async def test_length_counts_utf16_units(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    emoji = "\U0001f600"
    assert utf16_length(emoji) == 2
    await messaging.messages.send(ann, bob, emoji * 2048)
    with pytest.raises(RpcError, match="MESSAGE_TOO_LONG"):
        await messaging.messages.send(ann, bob, emoji * 2048 + "a")


async def test_unknown_and_blocked_peers(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    with pytest.raises(RpcError, match="PEER_ID_INVALID"):
        await messaging.messages.send(ann, 999_999_999, "hi")
    await services.contacts.block(ann, bob)
    with pytest.raises(RpcError, match="YOU_BLOCKED_USER"):
        await messaging.messages.send(ann, bob, "hi")
    with pytest.raises(RpcError, match="USER_IS_BLOCKED"):
        await messaging.messages.send(bob, ann, "hi")


async def test_edit_rules_and_events(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    assert isinstance(messaging.bus, MemoryBus)
    sent = await messaging.messages.send(ann, bob, "v1")
    theirs = sent.peer_message
    assert theirs is not None
    seen = Recorder(messaging.bus, ann, bob)
    with pytest.raises(RpcError, match="MESSAGE_NOT_MODIFIED"):
        await messaging.messages.edit(ann, bob, sent.message.id, "v1")
    with pytest.raises(RpcError, match="MESSAGE_AUTHOR_REQUIRED"):
        await messaging.messages.edit(bob, ann, theirs.id, "mine now")
    with pytest.raises(RpcError, match="MESSAGE_ID_INVALID"):
        await messaging.messages.edit(ann, bob, 12345, "v2")
    with pytest.raises(RpcError, match="MESSAGE_ID_INVALID"):
        await messaging.messages.edit(ann, ann, sent.message.id, "v2")
    result = await messaging.messages.edit(ann, bob, sent.message.id, "v2", origin=ORIGIN)
    assert result.message.text == "v2" and result.message.edit_date is not None
    events = seen.take()
    assert [u for u, _ in events] == [ann, bob]
    assert all(
        isinstance(e, BoxEvent) and e.entry.kind == UpdateKind.EDIT_MESSAGE for _, e in events
    )


async def test_read_and_delete_publish_to_both_sides(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    assert isinstance(messaging.bus, MemoryBus)
    sent = await messaging.messages.send(ann, bob, "read me")
    seen = Recorder(messaging.bus, ann, bob)
    read = await messaging.messages.read_history(bob, ann, 0, origin=ORIGIN)
    assert read.pts_count == 1
    kinds = [(u, e.entry.kind) for u, e in seen.take() if isinstance(e, BoxEvent)]
    assert kinds == [(bob, UpdateKind.READ_HISTORY_INBOX), (ann, UpdateKind.READ_HISTORY_OUTBOX)]

    deleted = await messaging.messages.delete(ann, [sent.message.id], revoke=False)
    assert deleted.pts_count == 1
    assert [u for u, _ in seen.take()] == [ann]
    sent = await messaging.messages.send(ann, bob, "gone for both")
    seen.take()
    await messaging.messages.delete(ann, [sent.message.id], revoke=True)
    assert [u for u, _ in seen.take()] == [ann, bob]
    with pytest.raises(RpcError, match="MESSAGE_ID_INVALID"):
        await messaging.messages.delete(ann, list(range(1, 102)), revoke=False)


async def test_typing_is_relayed_at_most_once_a_second(
    services: AccountServices, messaging: MessagingServices, clock: FakeClock
) -> None:
    ann, bob = await _pair(services)
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann, bob)
    await messaging.messages.typing(ann, bob, b"act")
    await messaging.messages.typing(ann, bob, b"act")
    await messaging.messages.typing(ann, ann, b"act")
    clock.advance(1.5)
    await messaging.messages.typing(ann, bob, b"act")
    events = seen.take()
    assert [(u, type(e)) for u, e in events] == [(bob, TypingEvent), (bob, TypingEvent)]


async def test_history_dialogs_and_peer_dialogs(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    for n in range(5):
        await messaging.messages.send(ann, bob, f"m{n}")
    page = await messaging.messages.history(bob, ann, limit=2)
    assert [m.text for m in page.messages] == ["m4", "m3"] and page.count == 5
    dialogs = await messaging.messages.dialogs(bob)
    assert [(d.peer_id, d.unread_count) for d in dialogs.dialogs] == [(ann, 5)]
    [(dialog, top)] = await messaging.messages.peer_dialogs(bob, [ann, ann, 999])
    assert dialog.peer_id == ann and top is not None and top.text == "m4"
    got = await messaging.messages.get_messages(bob, [page.messages[0].id, 777])
    assert [m.text for m in got] == ["m4"]


async def test_pinned_dialogs_limit_order_and_events(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann, bob = await _pair(services)
    others = [
        (await sign_up(services, f"99966210{n:02d}", f"U{n}", key=10 + n)).id for n in range(3, 9)
    ]
    for peer in [bob, *others]:
        await messaging.messages.send(ann, peer, "hi")
    assert isinstance(messaging.bus, MemoryBus)
    seen = Recorder(messaging.bus, ann)
    service = messaging.messages

    with pytest.raises(RpcError) as no_dialog:
        await service.toggle_pin(bob, others[0], True)
    assert no_dialog.value.name == "PEER_HISTORY_EMPTY"

    assert await service.toggle_pin(ann, bob, True, origin=ORIGIN)
    [(user, event)] = seen.take()
    assert user == ann and isinstance(event, DialogPinEvent)
    assert (event.peer_id, event.pinned, event.origin) == (bob, True, ORIGIN)
    assert not await service.toggle_pin(ann, bob, True)  # no change, nothing published
    assert seen.take() == []

    for peer in others[:4]:
        await service.toggle_pin(ann, peer, True)
    assert [d.peer_id for d, _ in await service.pinned_dialogs(ann)] == [
        *reversed(others[:4]),
        bob,
    ]
    with pytest.raises(RpcError) as too_much:
        await service.toggle_pin(ann, others[4], True)
    assert too_much.value.name == "PINNED_DIALOGS_TOO_MUCH"
    seen.take()

    # Without force the others stay pinned (below); with force they are unpinned.
    order = await service.reorder_pinned(ann, [bob, others[0]], origin=ORIGIN)
    assert order[:2] == (bob, others[0]) and len(order) == 5
    [(_, reordered)] = seen.take()
    assert isinstance(reordered, PinnedDialogsEvent) and reordered.order == order
    with pytest.raises(RpcError):
        await service.reorder_pinned(ann, [others[5]])
    order = await service.reorder_pinned(ann, [others[5], bob, 999_999], force=True)
    assert order == (others[5], bob)
    dialogs = (await service.dialogs(ann)).dialogs
    assert [d.peer_id for d in dialogs[:2]] == [others[5], bob]
    assert [d.pinned for d in dialogs] == [True, True] + [False] * 5

    assert await service.toggle_pin(ann, bob, False)
    assert [d.peer_id for d, _ in await service.pinned_dialogs(ann)] == [others[5]]
