"""Conformance suite, basic groups: one copy per member box, filed under the group's key.

Every backend runs it (see ``conftest``). With four shards A and C share a file while B and D
each have their own, so a group message is copied in the sender's transaction for some
members and through the outbox for the others.
"""

from __future__ import annotations

import attrs
import pytest
from message_store_helpers import A, B, C, D, send

from tgserver.peerids import channel_key, chat_key
from tgserver.store.messages import (
    INITIAL_PTS,
    ChatSendResult,
    MessageStore,
    NewMessage,
    UpdateKind,
)

G = chat_key(7)
H = chat_key(8)
EVERYONE = (A, B, C, D)


async def post(
    store: MessageStore,
    sender: int,
    text: str = "",
    *,
    chat: int = G,
    members: tuple[int, ...] = EVERYONE,
    date: int = 1000,
    random_id: int | None = None,
    reply_to: int | None = None,
    action: bytes | None = None,
    grouped_id: int | None = None,
) -> ChatSendResult:
    return await store.send_to_chat(
        NewMessage(
            sender_id=sender,
            peer_id=chat,
            date=date,
            text=text,
            reply_to=reply_to,
            random_id=random_id,
            action=action,
            grouped_id=grouped_id,
        ),
        members,
    )


async def test_a_group_message_is_a_copy_in_every_box(store: MessageStore) -> None:
    await send(store, B, D, "private first")  # B's and D's counters are ahead now
    result = await post(store, A, "hello group", date=50, random_id=9)
    own = result.message
    assert not result.duplicate
    assert (own.user_id, own.id, own.peer_id, own.from_id, own.out) == (A, 1, G, A, True)
    assert [c.user_id for c in result.copies] == sorted((B, C, D))
    for copy in result.copies:
        assert (copy.peer_id, copy.from_id, copy.out, copy.text, copy.date) == (
            G, A, False, "hello group", 50,
        )  # fmt: skip
        assert (copy.origin_user_id, copy.origin_id, copy.random_id) == (A, 1, None)
        assert await store.get_message(copy.user_id, copy.id) == copy
        entry = (await store.get_updates(copy.user_id, copy.pts - 1)).entries[0]
        assert (entry.kind, entry.peer_id, entry.ids) == (UpdateKind.NEW_MESSAGE, G, (copy.id,))
    assert {c.user_id: c.id for c in result.copies} == {B: 2, C: 1, D: 2}
    dialog = await store.get_dialog(B, G)
    assert dialog is not None and (dialog.top_message, dialog.unread_count) == (2, 1)
    mine = await store.get_dialog(A, G)
    assert mine is not None and mine.unread_count == 0
    assert [m.text for m in (await store.get_history(C, G)).messages] == ["hello group"]


async def test_a_group_album_keeps_its_grouped_id_in_every_box(store: MessageStore) -> None:
    result = await post(store, A, "album item", grouped_id=77)
    assert result.message.grouped_id == 77
    for copy in result.copies:
        assert copy.grouped_id == 77
        assert await store.get_message(copy.user_id, copy.id) == copy


async def test_the_sender_and_repeats_are_not_copied_twice(store: MessageStore) -> None:
    result = await post(store, B, "x", members=(B, C, C, A))
    assert [c.user_id for c in result.copies] == sorted((A, C))
    assert (await store.get_history(B, G)).count == 1
    assert (await store.get_history(C, G)).count == 1


async def test_a_group_resend_is_idempotent(store: MessageStore) -> None:
    first = await post(store, A, "once", random_id=3)
    again = await post(store, A, "once", random_id=3)
    assert again.duplicate and again.message == first.message and again.copies == ()
    for member in (B, C, D):
        assert (await store.get_history(member, G)).count == 1


async def test_replies_map_to_each_members_copy(store: MessageStore) -> None:
    await send(store, C, D, "shift D")
    question = await post(store, B, "question?")
    answer = await post(store, A, "answer", reply_to=question.copies[0].id)
    assert answer.message.reply_to == question.copies[0].id
    replied = {c.user_id: c.id for c in question.copies} | {B: question.message.id}
    for copy in answer.copies:
        assert copy.reply_to == replied[copy.user_id]


async def test_service_messages_carry_their_action(store: MessageStore) -> None:
    result = await post(store, A, action=b"\xa8\x3b\x72\xbdcreated")
    assert result.message.action == b"\xa8\x3b\x72\xbdcreated"
    assert {c.action for c in result.copies} == {b"\xa8\x3b\x72\xbdcreated"}


async def test_group_and_private_dialogs_list_together(store: MessageStore) -> None:
    await send(store, A, B, "private", date=10)
    await post(store, C, "group", date=20, members=(A, C))
    await post(store, D, "other group", chat=H, date=15, members=(A, D))
    page = await store.get_dialogs(A)
    assert [d.peer_id for d in page.dialogs] == [G, H, B]
    assert [m.text for m in page.messages] == ["group", "other group", "private"]
    assert (await store.get_state(A)).unread_count == 2


async def test_a_group_edit_reaches_every_copy(store: MessageStore) -> None:
    sent = await post(store, A, "draft")
    result = await store.edit_message(
        A, 1, text="final", entities=b"e", edit_date=60, members=EVERYONE
    )
    assert result is not None and result.peer_message is None
    assert (result.entry.peer_id, result.message.text) == (G, "final")
    assert [c.message.user_id for c in result.copies] == sorted((B, C, D))
    for before, change in zip(sent.copies, result.copies, strict=True):
        assert change.message == attrs.evolve(before, text="final", entities=b"e", edit_date=60)
        assert (change.entry.kind, change.entry.peer_id, change.entry.ids) == (
            UpdateKind.EDIT_MESSAGE, G, (before.id,),
        )  # fmt: skip
        stored = await store.get_message(before.user_id, before.id)
        assert stored is not None and (stored.text, stored.edit_date) == ("final", 60)
        assert stored.pts == before.pts


async def test_a_group_edit_without_members_touches_only_the_author(store: MessageStore) -> None:
    await post(store, A, "draft")
    result = await store.edit_message(A, 1, text="mine only", entities=None, edit_date=2)
    assert result is not None and result.copies == ()
    copy = await store.get_message(B, 1)
    assert copy is not None and copy.text == "draft"


async def test_revoking_a_group_message_deletes_every_copy(store: MessageStore) -> None:
    first = await post(store, A, "one")
    second = await post(store, B, "two")
    await send(store, A, C, "private")
    result = await store.delete_messages(A, [1, 2, 3], revoke=True, date=70, members={G: EVERYONE})
    assert result.entry is not None and result.entry.ids == (1, 2, 3)
    told = {u.user_id: u.entry.ids for u in result.peers}
    copies = {c.user_id: c.id for c in first.copies}
    seconds = {c.user_id: c.id for c in second.copies} | {B: second.message.id}
    # C lost both group messages and the private one (its id 3).
    assert told[B] == tuple(sorted((copies[B], seconds[B])))
    assert told[C] == tuple(sorted((copies[C], seconds[C], 3)))
    assert told[D] == tuple(sorted((copies[D], seconds[D])))
    for member in (B, C, D):
        assert (await store.get_history(member, G)).count == 0
        dialog = await store.get_dialog(member, G)
        assert dialog is not None and (dialog.top_message, dialog.unread_count) == (0, 0)


async def test_deleting_group_messages_for_me(store: MessageStore) -> None:
    await post(store, A, "one")
    result = await store.delete_messages(B, [1], revoke=False, date=1, members={G: EVERYONE})
    assert result.pts_count == 1 and result.peers == ()
    assert (await store.get_history(A, G)).count == 1
    assert (await store.get_history(C, G)).count == 1


async def test_reading_a_group_tells_the_authors(store: MessageStore) -> None:
    a1 = await post(store, A, "a1", date=1)
    c1 = await post(store, C, "c1", date=2)
    a2 = await post(store, A, "a2", date=3)
    d1 = await post(store, D, "d1", date=4)
    b_copy = {r.message.text: next(c.id for c in r.copies if c.user_id == B)
              for r in (a1, c1, a2, d1)}  # fmt: skip
    read = await store.read_history(B, G, b_copy["a2"], date=9)
    assert read.entry is not None and read.peer is None
    assert (read.entry.kind, read.entry.peer_id, read.entry.max_id) == (
        UpdateKind.READ_HISTORY_INBOX, G, b_copy["a2"],
    )  # fmt: skip
    assert read.still_unread == 1 and read.max_id == b_copy["a2"]
    assert [u.user_id for u in read.authors] == [A, C]
    by_author = {u.user_id: u.entry for u in read.authors}
    assert by_author[A].kind is UpdateKind.READ_HISTORY_OUTBOX
    assert (by_author[A].peer_id, by_author[A].max_id) == (G, a2.message.id)
    assert (by_author[C].peer_id, by_author[C].max_id) == (G, c1.message.id)
    dialog_a = await store.get_dialog(A, G)
    assert dialog_a is not None and dialog_a.read_outbox_max_id == a2.message.id
    # Reading on: only D's message is new, and A is not told again.
    rest = await store.read_history(B, G, 0, date=10)
    assert [u.user_id for u in rest.authors] == [D] and rest.still_unread == 0
    again = await store.read_history(B, G, 0, date=11)
    assert again.entry is None and again.authors == ()


async def test_reading_own_group_messages_tells_nobody(store: MessageStore) -> None:
    await post(store, A, "mine")
    result = await store.read_history(A, G, 0, date=2)
    assert result.authors == ()


async def test_group_arguments(store: MessageStore) -> None:
    with pytest.raises(ValueError, match="basic group"):
        await store.send_to_chat(NewMessage(A, B, 1, "x"), [B])
    with pytest.raises(ValueError, match="peer_id"):
        await store.send_to_chat(NewMessage(A, channel_key(5), 1, "x"), [B])
    with pytest.raises(ValueError, match="member"):
        await store.send_to_chat(NewMessage(A, G, 1, "x"), [0])
    with pytest.raises(ValueError, match="peer_id"):
        await store.read_history(A, channel_key(5), 0, date=1)
    assert (await store.get_state(A)).pts == INITIAL_PTS
