"""The message-store conformance suite: every backend must pass all of it.

Runs against the memory backend, SQLite in one file and SQLite over four files (where A and
B live in different shards and A and C share one, see ``message_store_helpers``).
"""

from __future__ import annotations

import itertools

import pytest
import trio
from message_store_helpers import A, B, C, D, send

from tgcore.errors import StorageError
from tgserver.store.messages import (
    DEFAULT_LIMIT,
    INITIAL_PTS,
    MAX_LIMIT,
    MessageRecord,
    MessageStore,
    NewMessage,
    UpdateKind,
)

# -- sending: ids, copies, Saved Messages, random_id --------------------------------------


async def test_each_box_counts_its_own_ids(store: MessageStore) -> None:
    first = await send(store, A, B, "one", date=10)
    second = await send(store, A, B, "two", date=11)
    reply = await send(store, B, A, "three", date=12)
    other = await send(store, C, A, "four", date=13)
    assert [first.message.id, second.message.id, reply.peer_message.id] == [1, 2, 3]  # type: ignore[union-attr]
    assert [first.peer_message.id, second.peer_message.id, reply.message.id] == [1, 2, 3]  # type: ignore[union-attr]
    assert other.message.id == 1 and other.peer_message is not None
    assert other.peer_message.id == 4


async def test_a_private_message_is_two_copies(store: MessageStore) -> None:
    await send(store, B, D, "unrelated")  # B's counter is ahead of A's now
    result = await send(store, A, B, "hello", date=77, random_id=-5)
    own, theirs = result.message, result.peer_message
    assert not result.duplicate and theirs is not None
    assert own == MessageRecord(
        user_id=A, id=1, peer_id=B, from_id=A, out=True, date=77, text="hello",
        entities=None, media=None, reply_to=None, fwd_from=None, edit_date=None,
        random_id=-5, origin_user_id=A, origin_id=1, pts=INITIAL_PTS + 1,
    )  # fmt: skip
    assert theirs == MessageRecord(
        user_id=B, id=2, peer_id=A, from_id=A, out=False, date=77, text="hello",
        entities=None, media=None, reply_to=None, fwd_from=None, edit_date=None,
        random_id=None, origin_user_id=A, origin_id=1, pts=INITIAL_PTS + 2,
    )  # fmt: skip
    assert await store.get_message(A, 1) == own
    assert await store.get_message(B, 2) == theirs


async def test_opaque_bytes_round_trip(store: MessageStore) -> None:
    blobs = {"entities": b"\x15\xc4\xb5\x1c\x00", "media": bytes(range(256)), "fwd_from": b""}
    result = await send(store, A, B, "x", **blobs)  # type: ignore[arg-type]
    for copy in (result.message, result.peer_message):
        assert copy is not None
        got = await store.get_message(copy.user_id, copy.id)
        assert got is not None
        assert (got.entities, got.media, got.fwd_from) == tuple(blobs.values())


async def test_reply_markup_and_action_reach_both_copies(store: MessageStore) -> None:
    markup, action = b"\x8b\x9c\xa5\x48markup", b"\x12\x34action"
    keyboard = await send(store, A, B, "pick one", reply_markup=markup)
    service = await send(store, A, B, "", action=action)
    for result, expected in ((keyboard, (markup, None)), (service, (None, action))):
        for copy in (result.message, result.peer_message):
            assert copy is not None and (copy.reply_markup, copy.action) == expected
            assert await store.get_message(copy.user_id, copy.id) == copy
    page = await store.get_history(B, A)
    assert [(m.reply_markup, m.action) for m in page.messages] == [(None, action), (markup, None)]
    fresh = await store.get_new_messages(B, INITIAL_PTS)
    assert [m.action for m in fresh] == [None, action]


async def test_grouped_id_reaches_both_copies(store: MessageStore) -> None:
    album = (1 << 62) + 12345
    first = await send(store, A, B, "", media=b"p1", grouped_id=album)
    second = await send(store, A, B, "", media=b"p2", grouped_id=album)
    single = await send(store, A, B, "alone")
    for result, expected in ((first, album), (second, album), (single, None)):
        for copy in (result.message, result.peer_message):
            assert copy is not None and copy.grouped_id == expected
            assert await store.get_message(copy.user_id, copy.id) == copy
    page = await store.get_history(B, A)
    assert [m.grouped_id for m in page.messages] == [None, album, album]
    fresh = await store.get_new_messages(B, INITIAL_PTS)
    assert [m.grouped_id for m in fresh] == [album, album, None]
    # An edit keeps the album.
    edited = await store.edit_message(A, 1, text="caption", entities=None, edit_date=5)
    assert edited is not None and edited.message.grouped_id == album
    theirs = await store.get_message(B, 1)
    assert theirs is not None and (theirs.text, theirs.grouped_id) == ("caption", album)


async def test_edit_replaces_the_reply_markup_on_both_sides(store: MessageStore) -> None:
    await send(store, A, B, "vote", reply_markup=b"old", action=None)
    first = await store.edit_message(
        A, 1, text="vote!", entities=None, edit_date=5, reply_markup=b"new"
    )
    assert first is not None and first.message.reply_markup == b"new"
    assert first.peer_message is not None and first.peer_message.reply_markup == b"new"
    theirs = await store.get_message(B, 1)
    assert theirs is not None and theirs.reply_markup == b"new"
    # An edit without a markup removes the keyboard, as Telegram does.
    await store.edit_message(A, 1, text="closed", entities=None, edit_date=6)
    for user in (A, B):
        copy = await store.get_message(user, 1)
        assert copy is not None and (copy.text, copy.reply_markup) == ("closed", None)


async def test_saved_messages_is_one_copy(store: MessageStore) -> None:
    result = await send(store, A, A, "note", random_id=1)
    assert result.peer_message is None
    assert result.message.out and result.message.peer_id == A
    assert (await store.get_history(A, A)).count == 1
    dialog = await store.get_dialog(A, A)
    assert dialog is not None and dialog.unread_count == 0 and dialog.top_message == 1
    assert (await store.get_state(A)).pts == INITIAL_PTS + 1


async def test_random_id_makes_a_resend_idempotent(store: MessageStore) -> None:
    first = await send(store, A, B, "once", random_id=42)
    again = await send(store, A, B, "once", random_id=42)
    assert again.duplicate
    assert (again.message, again.peer_message) == (first.message, first.peer_message)
    assert (await store.get_history(A, B)).count == 1
    assert (await store.get_history(B, A)).count == 1
    assert (await store.get_state(A)).pts == (await store.get_state(B)).pts == INITIAL_PTS + 1
    # random_id is per sender: B may use the same number.
    assert not (await send(store, B, A, "mine", random_id=42)).duplicate
    # Without a random_id nothing is deduplicated.
    await send(store, A, B, "same")
    await send(store, A, B, "same")
    assert (await store.get_history(A, B)).count == 4


async def test_duplicate_after_the_recipient_deleted_its_copy(store: MessageStore) -> None:
    first = await send(store, A, B, "x", random_id=9)
    assert first.peer_message is not None
    await store.delete_messages(B, [first.peer_message.id], revoke=False, date=2000)
    again = await send(store, A, B, "x", random_id=9)
    assert again.duplicate and again.message == first.message and again.peer_message is None
    assert (await store.get_history(B, A)).count == 0


async def test_concurrent_resends_store_one_message(store: MessageStore) -> None:
    results = []

    async def resend() -> None:
        results.append(await send(store, A, B, "burst", random_id=7))

    async with trio.open_nursery() as nursery:
        for _ in range(10):
            nursery.start_soon(resend)
    assert sum(not r.duplicate for r in results) == 1
    assert {r.message.id for r in results} == {1}
    assert (await store.get_history(B, A)).count == 1


async def test_reply_to_maps_to_the_recipients_copy(store: MessageStore) -> None:
    await send(store, B, D, "shift B's ids")
    original = await send(store, B, A, "question")  # A:1, B:2
    answer = await send(store, A, B, "answer", reply_to=original.peer_message.id)  # type: ignore[union-attr]
    assert answer.message.reply_to == 1
    assert answer.peer_message is not None and answer.peer_message.reply_to == 2
    # A reply to a message the recipient no longer has carries no reply_to on its side.
    await store.delete_messages(B, [2], revoke=False, date=2000)
    late = await send(store, A, B, "late", reply_to=1)
    assert late.message.reply_to == 1
    assert late.peer_message is not None and late.peer_message.reply_to is None


async def test_concurrent_sends_keep_every_box_consistent(store: MessageStore) -> None:
    users = [A, B, C, D]

    async def chat(sender: int) -> None:
        for n in range(8):
            await send(store, sender, users[(users.index(sender) + 1 + n % 3) % 4], f"{n}")

    async with trio.open_nursery() as nursery:
        for user in users:
            nursery.start_soon(chat, user)
    total = 0
    for user in users:
        ids = []
        unread = 0
        for peer in users:
            history = await store.get_history(user, peer, limit=MAX_LIMIT)
            ids += [m.id for m in history.messages]
            unread += sum(not m.out for m in history.messages)
        assert sorted(ids) == list(range(1, len(ids) + 1))
        state = await store.get_state(user)
        assert state.pts == INITIAL_PTS + len(ids)
        assert state.unread_count == unread
        total += len(ids)
    assert total == 2 * 4 * 8


# -- dialogs and unread counts -------------------------------------------------------------


async def test_dialogs_track_top_message_and_unread(store: MessageStore) -> None:
    await send(store, A, B, "1", date=10)
    await send(store, A, B, "2", date=11)
    last = await send(store, A, B, "3", date=12)
    incoming = await store.get_dialog(B, A)
    outgoing = await store.get_dialog(A, B)
    assert incoming is not None and outgoing is not None
    assert (incoming.top_message, incoming.top_date, incoming.unread_count) == (3, 12, 3)
    assert (outgoing.top_message, outgoing.unread_count) == (last.message.id, 0)
    assert (await store.get_state(B)).unread_count == 3
    assert (await store.get_state(A)).unread_count == 0
    assert await store.get_dialog(A, C) is None


async def test_read_history_moves_both_sides(store: MessageStore) -> None:
    await send(store, A, D, "A's ids run ahead of B's")
    for n in range(3):
        await send(store, A, B, str(n), date=10 + n)  # A: 2, 3, 4; B: 1, 2, 3
    await send(store, B, A, "reply", date=20)  # B: 4 (out), A: 5
    pts_a = (await store.get_state(A)).pts
    result = await store.read_history(B, A, 2, date=30)
    assert (result.max_id, result.still_unread, result.pts_count) == (2, 1, 1)
    assert result.entry is not None
    assert result.entry.kind is UpdateKind.READ_HISTORY_INBOX
    assert (result.entry.peer_id, result.entry.max_id, result.entry.still_unread) == (A, 2, 1)
    assert result.pts == result.entry.pts == (await store.get_state(B)).pts
    assert result.peer is not None and result.peer.user_id == A
    outbox = result.peer.entry
    assert outbox.kind is UpdateKind.READ_HISTORY_OUTBOX
    assert (outbox.peer_id, outbox.max_id, outbox.pts, outbox.date) == (B, 3, pts_a + 1, 30)
    reader, sender = await store.get_dialog(B, A), await store.get_dialog(A, B)
    assert reader is not None and sender is not None
    assert (reader.read_inbox_max_id, reader.unread_count) == (2, 1)
    assert sender.read_outbox_max_id == 3
    assert (await store.get_state(B)).unread_count == 1


async def test_read_history_to_zero_reads_everything(store: MessageStore) -> None:
    for n in range(3):
        await send(store, A, B, str(n))
    result = await store.read_history(B, A, 0, date=5)
    assert (result.max_id, result.still_unread) == (3, 0)
    sender = await store.get_dialog(A, B)
    assert sender is not None and sender.read_outbox_max_id == 3


async def test_read_history_above_the_top_is_clamped(store: MessageStore) -> None:
    await send(store, A, B, "x")
    result = await store.read_history(B, A, 2**31 - 1, date=5)
    assert result.max_id == 1


async def test_read_history_twice_changes_nothing(store: MessageStore) -> None:
    await send(store, A, B, "x")
    await send(store, A, B, "y")
    await store.read_history(B, A, 2, date=5)
    pts = (await store.get_state(B)).pts
    again = await store.read_history(B, A, 1, date=6)
    assert (again.entry, again.peer, again.pts, again.pts_count) == (None, None, pts, 0)
    assert (again.max_id, again.still_unread) == (2, 0)
    assert (await store.get_state(B)).pts == pts


async def test_reading_own_messages_does_not_move_the_peer(store: MessageStore) -> None:
    await send(store, B, A, "from B")  # A: 1 (in)
    await send(store, A, B, "from A")  # A: 2 (out)
    await store.read_history(A, B, 1, date=5)
    pts_b = (await store.get_state(B)).pts
    # Messages 2 is A's own: reading up to it moves A's inbox but no read receipt for B.
    result = await store.read_history(A, B, 2, date=6)
    assert result.entry is not None and result.peer is None
    assert (await store.get_state(B)).pts == pts_b


async def test_read_history_of_an_unknown_dialog(store: MessageStore) -> None:
    result = await store.read_history(A, B, 5, date=1)
    assert (result.pts, result.entry, result.max_id, result.still_unread) == (
        INITIAL_PTS,
        None,
        0,
        0,
    )
    await send(store, A, C, "x")
    assert (await store.read_history(A, B, 5, date=1)).pts == INITIAL_PTS + 1


async def test_saved_messages_can_be_read(store: MessageStore) -> None:
    await send(store, A, A, "note")
    result = await store.read_history(A, A, 0, date=5)
    assert result.entry is not None and result.peer is None and result.max_id == 1


# -- editing -------------------------------------------------------------------------------


async def test_edit_reaches_both_sides(store: MessageStore) -> None:
    await send(store, B, D, "shift")
    sent = await send(store, A, B, "draft", entities=b"old")
    result = await store.edit_message(A, 1, text="final", entities=b"new", edit_date=500)
    assert result is not None
    assert (result.message.text, result.message.entities, result.message.edit_date) == (
        "final",
        b"new",
        500,
    )
    assert result.entry.kind is UpdateKind.EDIT_MESSAGE
    assert (result.entry.ids, result.entry.peer_id, result.entry.date) == ((1,), B, 500)
    assert result.peer_message is not None and result.peer_entry is not None
    assert result.peer_message.id == 2 and result.peer_message.text == "final"
    assert (result.peer_entry.ids, result.peer_entry.peer_id) == ((2,), A)
    assert await store.get_message(A, 1) == result.message
    assert await store.get_message(B, 2) == result.peer_message
    # Everything else is unchanged, including the creation pts.
    assert result.message.pts == sent.message.pts and result.message.date == sent.message.date
    assert result.entry.pts == (await store.get_state(A)).pts


async def test_only_outgoing_messages_can_be_edited(store: MessageStore) -> None:
    await send(store, A, B, "mine")
    pts = (await store.get_state(B)).pts
    assert await store.edit_message(B, 1, text="hijack", entities=None, edit_date=1) is None
    assert await store.edit_message(A, 99, text="missing", entities=None, edit_date=1) is None
    assert await store.edit_message(C, 1, text="no box", entities=None, edit_date=1) is None
    assert (await store.get_state(B)).pts == pts


async def test_edit_without_a_counterpart(store: MessageStore) -> None:
    await send(store, A, A, "note")
    saved = await store.edit_message(A, 1, text="note!", entities=None, edit_date=9)
    assert saved is not None and saved.peer_message is None and saved.peer_entry is None
    await send(store, A, B, "gone soon")  # A: 2, B: 1
    await store.delete_messages(B, [1], revoke=False, date=10)
    pts_b = (await store.get_state(B)).pts
    orphan = await store.edit_message(A, 2, text="still mine", entities=None, edit_date=11)
    assert orphan is not None and orphan.peer_message is None
    assert (await store.get_state(B)).pts == pts_b
    assert await store.get_message(B, 1) is None


async def test_repeated_edits_end_with_the_last(store: MessageStore) -> None:
    await send(store, A, B, "v0")
    for version in range(1, 4):
        await store.edit_message(A, 1, text=f"v{version}", entities=None, edit_date=version)
    theirs = await store.get_message(B, 1)
    assert theirs is not None and (theirs.text, theirs.edit_date) == ("v3", 3)


# -- deleting ------------------------------------------------------------------------------


async def test_delete_for_me_touches_one_side(store: MessageStore) -> None:
    for n in range(3):
        await send(store, A, B, str(n), date=10 + n)
    pts_b = (await store.get_state(B)).pts
    result = await store.delete_messages(A, [3, 1, 99, 3], revoke=False, date=50)
    assert result.entry is not None and result.entry.kind is UpdateKind.DELETE_MESSAGES
    assert (result.entry.ids, result.entry.pts_count, result.pts_count) == ((1, 3), 2, 2)
    assert result.pts == result.entry.pts == (await store.get_state(A)).pts
    assert result.peers == ()
    assert [m.id for m in (await store.get_history(A, B)).messages] == [2]
    dialog = await store.get_dialog(A, B)
    assert dialog is not None and (dialog.top_message, dialog.top_date) == (2, 11)
    assert (await store.get_history(B, A)).count == 3
    assert (await store.get_state(B)).pts == pts_b


async def test_delete_for_everyone_touches_both_sides(store: MessageStore) -> None:
    await send(store, B, D, "shift")
    for n in range(3):
        await send(store, A, B, str(n))  # A: 1..3, B: 2..4
    reply = await send(store, B, A, "r")  # B: 5, A: 4
    result = await store.delete_messages(A, [2, 4], revoke=True, date=60)
    assert result.entry is not None and result.entry.ids == (2, 4)
    assert len(result.peers) == 1 and result.peers[0].user_id == B
    peer_entry = result.peers[0].entry
    assert (peer_entry.ids, peer_entry.pts_count, peer_entry.date) == ((3, 5), 2, 60)
    assert peer_entry.pts == (await store.get_state(B)).pts
    assert [m.id for m in (await store.get_history(B, A)).messages] == [4, 2]
    assert reply.message.id == 5 and await store.get_message(B, 5) is None


async def test_revoke_spans_several_peers(store: MessageStore) -> None:
    await send(store, A, D, "to D")  # A: 1
    await send(store, A, B, "to B")  # A: 2
    await send(store, A, C, "to C")  # A: 3
    await send(store, A, A, "saved")  # A: 4
    result = await store.delete_messages(A, [1, 2, 3, 4], revoke=True, date=70)
    assert result.entry is not None and result.entry.pts_count == 4
    assert [p.user_id for p in result.peers] == sorted([B, C, D])
    for peer in (B, C, D):
        assert (await store.get_history(peer, A)).count == 0
    assert (await store.get_dialogs(A)).count == 0


async def test_delete_updates_unread_counts(store: MessageStore) -> None:
    for n in range(3):
        await send(store, A, B, str(n))
    await store.delete_messages(B, [2], revoke=False, date=5)
    dialog = await store.get_dialog(B, A)
    assert dialog is not None and dialog.unread_count == 2
    await store.delete_messages(A, [3], revoke=True, date=6)
    dialog = await store.get_dialog(B, A)
    assert dialog is not None and (dialog.unread_count, dialog.top_message) == (1, 1)
    assert (await store.get_state(B)).unread_count == 1


async def test_deleting_nothing_changes_nothing(store: MessageStore) -> None:
    assert (await store.delete_messages(A, [1], revoke=True, date=1)).pts == INITIAL_PTS
    await send(store, A, B, "x")
    pts = (await store.get_state(A)).pts
    result = await store.delete_messages(A, [5, 6], revoke=True, date=2)
    assert (result.pts, result.entry, result.peers, result.pts_count) == (pts, None, (), 0)


async def test_revoking_an_incoming_message_deletes_the_senders_copy(
    store: MessageStore,
) -> None:
    await send(store, A, B, "x")
    result = await store.delete_messages(B, [1], revoke=True, date=3)
    assert [p.user_id for p in result.peers] == [A]
    assert await store.get_message(A, 1) is None


async def test_deleted_dialogs_leave_the_list(store: MessageStore) -> None:
    await send(store, A, B, "x")
    await store.delete_messages(A, [1], revoke=False, date=2)
    dialog = await store.get_dialog(A, B)
    assert dialog is not None and dialog.top_message == 0
    assert await store.get_dialogs(A) == (await store.get_dialogs(C))


# -- history offsets (https://core.telegram.org/api/offsets) -------------------------------


def reference_page(
    history: list[MessageRecord],
    *,
    offset_id: int = 0,
    offset_date: int = 0,
    add_offset: int = 0,
    limit: int = DEFAULT_LIMIT,
    max_id: int = 0,
    min_id: int = 0,
) -> list[int]:
    """The offsets page read literally: position of the split, slice, then filter."""
    newest_first = sorted(history, key=lambda m: -m.id)
    if offset_id:
        position = sum(1 for m in newest_first if m.id >= offset_id)
    elif offset_date:
        position = sum(1 for m in newest_first if m.date >= offset_date)
    else:
        position = 0
    limit = DEFAULT_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    start = position + add_offset
    window = [m for index, m in enumerate(newest_first) if max(start, 0) <= index < start + limit]
    return [m.id for m in window if (not max_id or m.id < max_id) and (not min_id or m.id > min_id)]


async def history_fixture(store: MessageStore, size: int = 30) -> list[MessageRecord]:
    """A dialog A-B of ``size`` messages with gaps in A's ids (other chats interleave).

    Dates rise with ids, two messages per second.
    """
    dialog = []
    for n in range(size):
        sender, peer = (A, B) if n % 3 else (B, A)
        result = await send(store, sender, peer, str(n), date=1000 + n // 2)
        dialog.append(result.message if sender == A else result.peer_message)
        if n % 4 == 0:
            await send(store, A, C, "elsewhere", date=1000 + n // 2)
    return [m for m in dialog if m is not None]


async def test_history_spec_examples(store: MessageStore) -> None:
    history = await history_fixture(store)
    ids = sorted((m.id for m in history), reverse=True)
    msgid = ids[15]

    async def page(**kw: int) -> list[int]:
        return [m.id for m in (await store.get_history(A, B, **kw)).messages]

    assert await page(limit=20) == ids[:20]
    # "Loading 20 messages older than MSGID"
    assert await page(offset_id=msgid, limit=20) == ids[16:]
    # "... newer than MSGID": the 20 above it, MSGID itself included at the bottom.
    assert await page(offset_id=msgid, add_offset=-20, limit=20) == ids[:16]
    # "... around MSGID"
    assert await page(offset_id=msgid, add_offset=-10, limit=20) == ids[6:26]
    page_all = await store.get_history(A, B, limit=MAX_LIMIT)
    assert page_all.count == len(history) == len(page_all.messages)
    assert [m.id for m in page_all.messages] == ids


async def test_history_matches_the_literal_reading(store: MessageStore) -> None:
    history = await history_fixture(store)
    ids = sorted(m.id for m in history)
    offsets = [0, ids[0], ids[10], ids[10] + 1, ids[-1], ids[-1] + 5]
    for offset_id, add_offset, limit in itertools.product(
        offsets, [-40, -25, -10, -1, 0, 3, 28], [0, 1, 7, 150]
    ):
        got = await store.get_history(A, B, offset_id=offset_id, add_offset=add_offset, limit=limit)
        want = reference_page(history, offset_id=offset_id, add_offset=add_offset, limit=limit)
        assert [m.id for m in got.messages] == want, (offset_id, add_offset, limit)
        assert got.count == len(history)


async def test_history_filters_apply_after_slicing(store: MessageStore) -> None:
    history = await history_fixture(store)
    ids = sorted((m.id for m in history), reverse=True)
    for kw in [
        {"max_id": ids[5]},
        {"min_id": ids[25]},
        {"max_id": ids[5], "min_id": ids[8], "limit": 10},
        {"offset_id": ids[3], "max_id": ids[1]},  # everything below offset_id is below max_id
        {"max_id": ids[-1], "limit": 20},  # nothing newer than the oldest in the first 20
        {"offset_id": ids[20], "add_offset": -5, "min_id": ids[18], "limit": 10},
    ]:
        got = await store.get_history(A, B, **kw)
        assert [m.id for m in got.messages] == reference_page(history, **kw), kw
    empty = await store.get_history(A, B, max_id=ids[-1])
    assert empty.messages == () and empty.count == len(history)


async def test_history_by_offset_date(store: MessageStore) -> None:
    history = await history_fixture(store)
    for offset_date, add_offset in itertools.product(
        [999, 1000, 1007, 1014, 1015, 2000], [-12, -3, 0, 4]
    ):
        got = await store.get_history(A, B, offset_date=offset_date, add_offset=add_offset, limit=8)
        want = reference_page(history, offset_date=offset_date, add_offset=add_offset, limit=8)
        assert [m.id for m in got.messages] == want, (offset_date, add_offset)
    # offset_id wins over offset_date.
    ids = sorted((m.id for m in history), reverse=True)
    both = await store.get_history(A, B, offset_id=ids[2], offset_date=1001, limit=3)
    assert [m.id for m in both.messages] == ids[3:6]


async def test_history_of_an_empty_dialog(store: MessageStore) -> None:
    page = await store.get_history(A, B, offset_id=5, add_offset=-3)
    assert (page.messages, page.count) == ((), 0)
    await send(store, A, C, "x")
    assert (await store.get_history(A, B)).count == 0


async def test_get_messages_by_ids(store: MessageStore) -> None:
    for n in range(4):
        await send(store, A, B, str(n))
    got = await store.get_messages(A, [3, 99, 1, 3])
    assert [m.id for m in got] == [3, 1]
    assert await store.get_messages(C, [1]) == ()
    assert await store.get_message(A, 99) is None
    assert len(await store.get_messages(A, list(range(1, 1200)))) == 4


# -- dialogs paging ------------------------------------------------------------------------


async def dialogs_fixture(store: MessageStore) -> list[int]:
    """A talks to eight peers; returns them by newest top message first."""
    peers = [B, C, D, 4, 6, 7, 8, 9]
    for n, peer in enumerate(peers):
        await send(store, A, peer, "hi", date=100 + n // 2)  # two dialogs share each date
    return peers[::-1]


async def test_dialogs_newest_first(store: MessageStore) -> None:
    order = await dialogs_fixture(store)
    page = await store.get_dialogs(A)
    assert [d.peer_id for d in page.dialogs] == order
    assert page.count == len(order)
    assert [m.id for m in page.messages] == [d.top_message for d in page.dialogs]
    assert all(m.peer_id == d.peer_id for m, d in zip(page.messages, page.dialogs, strict=True))


async def test_dialogs_paging_like_telethon(store: MessageStore) -> None:
    order = await dialogs_fixture(store)
    await store.pin_dialog(A, order[5], True)
    seen: list[int] = []
    page = await store.get_dialogs(A, limit=3)
    while page.dialogs:
        seen += [d.peer_id for d in page.dialogs]
        last = page.dialogs[-1]
        page = await store.get_dialogs(
            A,
            offset_date=last.top_date,
            offset_id=last.top_message,
            offset_peer=last.peer_id,
            limit=3,
            exclude_pinned=True,
        )
    assert seen[0] == order[5]
    assert sorted(seen) == sorted(order) and len(seen) == len(order)


async def test_dialogs_cursor_bounds(store: MessageStore) -> None:
    order = await dialogs_fixture(store)
    # A date alone keeps dialogs at or before it.
    page = await store.get_dialogs(A, offset_date=101)
    assert [d.peer_id for d in page.dialogs] == order[4:]
    # An id alone bounds by top message.
    assert [d.peer_id for d in (await store.get_dialogs(A, offset_id=3)).dialogs] == order[6:]


async def test_pinned_dialogs_come_first(store: MessageStore) -> None:
    order = await dialogs_fixture(store)
    assert await store.pin_dialog(A, order[3], True)
    assert await store.pin_dialog(A, order[6], True)  # pinned last -> on top
    assert await store.pin_dialog(A, order[6], True)  # again: no change
    page = await store.get_dialogs(A)
    assert [d.peer_id for d in page.dialogs] == [order[6], order[3]] + [
        p for p in order if p not in (order[3], order[6])
    ]
    assert page.dialogs[0].pinned and not page.dialogs[2].pinned
    unpinned = await store.get_dialogs(A, exclude_pinned=True)
    assert [d.peer_id for d in unpinned.dialogs] == [
        p for p in order if p not in (order[3], order[6])
    ]
    assert unpinned.count == len(order)
    assert [d.peer_id for d in (await store.get_dialogs(A, limit=1)).dialogs] == [order[6]]
    assert await store.pin_dialog(A, order[6], False)
    assert [d.peer_id for d in (await store.get_dialogs(A)).dialogs][:2] == [order[3], order[0]]
    assert not await store.pin_dialog(A, 12345, True)


async def test_reorder_pinned(store: MessageStore) -> None:
    order = await dialogs_fixture(store)
    for peer in order[:3]:
        await store.pin_dialog(A, peer, True)

    async def pinned() -> list[int]:
        return [d.peer_id for d in (await store.get_dialogs(A)).dialogs if d.pinned]

    assert await pinned() == order[:3][::-1]
    await store.reorder_pinned(A, [order[1], 12345, order[7]])
    assert await pinned() == [order[1], order[7], order[2], order[0]]
    await store.reorder_pinned(A, [order[0], order[2]], force=True)
    assert await pinned() == [order[0], order[2]]
    await store.reorder_pinned(C, [A])  # C has no dialogs: nothing happens


async def test_dialog_limits(store: MessageStore) -> None:
    for peer in range(10, 10 + MAX_LIMIT + 5):
        await send(store, peer, A, "hi")
    assert len((await store.get_dialogs(A, limit=0)).dialogs) == DEFAULT_LIMIT
    page = await store.get_dialogs(A, limit=1000)
    assert len(page.dialogs) == MAX_LIMIT and page.count == MAX_LIMIT + 5
    assert (await store.get_state(A)).unread_count == MAX_LIMIT + 5


# -- pts and the update log ----------------------------------------------------------------


async def test_update_log_records_every_change(store: MessageStore) -> None:
    await send(store, A, B, "1", date=1)  # B: new 1
    await send(store, B, A, "2", date=2)  # B: new 2
    await store.read_history(B, A, 0, date=3)  # B: read inbox
    await store.read_history(A, B, 0, date=4)  # B: read outbox
    await store.edit_message(A, 1, text="1!", entities=None, edit_date=5)  # B: edit 1
    await store.delete_messages(B, [1, 2], revoke=False, date=6)  # B: delete 2
    entries = (await store.get_updates(B, INITIAL_PTS)).entries
    assert [(e.kind, e.pts, e.pts_count, e.date) for e in entries] == [
        (UpdateKind.NEW_MESSAGE, 2, 1, 1),
        (UpdateKind.NEW_MESSAGE, 3, 1, 2),
        (UpdateKind.READ_HISTORY_INBOX, 4, 1, 3),
        (UpdateKind.READ_HISTORY_OUTBOX, 5, 1, 4),
        (UpdateKind.EDIT_MESSAGE, 6, 1, 5),
        (UpdateKind.DELETE_MESSAGES, 8, 2, 6),
    ]
    assert [e.ids for e in entries] == [(1,), (2,), (), (), (1,), (1, 2)]
    assert [e.peer_id for e in entries] == [A, A, A, A, A, 0]
    assert (entries[2].max_id, entries[3].max_id) == (2, 2)
    state = await store.get_state(B)
    assert (state.pts, state.date, state.unread_count) == (8, 6, 0)


async def test_updates_slice_and_resume(store: MessageStore) -> None:
    for n in range(10):
        await send(store, A, B, str(n))
    first = await store.get_updates(B, INITIAL_PTS, limit=4)
    assert [e.pts for e in first.entries] == [2, 3, 4, 5]
    assert first.state.pts == 11 and not first.too_long
    rest = await store.get_updates(B, first.entries[-1].pts, limit=100)
    assert [e.pts for e in rest.entries] == list(range(6, 12))
    assert (await store.get_updates(B, 11)).entries == ()
    # A client ahead of the server (it lost nothing but we did) gets nothing.
    assert (await store.get_updates(B, 50)).entries == ()
    # An entry covering several pts is returned when the asked pts falls inside it.
    await store.delete_messages(B, [1, 2, 3], revoke=False, date=9)  # pts 12..14
    inside = await store.get_updates(B, 12)
    assert [(e.pts, e.pts_count) for e in inside.entries] == [(14, 3)]


async def test_too_long_gap(store: MessageStore) -> None:
    for n in range(6):
        await send(store, A, B, str(n))
    assert (await store.get_updates(B, INITIAL_PTS, too_long_gap=6)).entries
    gap = await store.get_updates(B, INITIAL_PTS, too_long_gap=5)
    assert gap.too_long and gap.entries == () and gap.state.pts == INITIAL_PTS + 6


async def test_new_messages_since_a_pts(store: MessageStore) -> None:
    for n in range(5):
        await send(store, A, B, str(n))  # B's pts 2..6
    await store.edit_message(A, 2, text="edited", entities=None, edit_date=9)  # B pts 7
    await store.delete_messages(B, [3], revoke=False, date=9)  # B pts 8
    found = await store.get_new_messages(B, 2)
    assert [(m.id, m.text) for m in found] == [(2, "edited"), (4, "3"), (5, "4")]
    assert [m.id for m in await store.get_new_messages(B, 2, up_to_pts=5)] == [2, 4]
    assert [m.id for m in await store.get_new_messages(B, INITIAL_PTS, limit=2)] == [1, 2]
    assert await store.get_new_messages(B, 8) == ()
    assert await store.get_new_messages(C, 0) == ()


async def test_append_update_for_service_kinds(store: MessageStore) -> None:
    await send(store, A, B, "x")
    entry = await store.append_update(
        A,
        UpdateKind.READ_MESSAGES_CONTENTS,
        date=77,
        pts_count=2,
        peer_id=B,
        ids=[1, 1],
        max_id=3,
        payload=b"\x00opaque",
    )
    assert (entry.pts, entry.pts_count, entry.kind) == (INITIAL_PTS + 3, 2, entry.kind)
    assert entry.kind is UpdateKind.READ_MESSAGES_CONTENTS
    assert (await store.get_updates(A, INITIAL_PTS + 1)).entries == (entry,)
    fresh = await store.append_update(C, UpdateKind.WEB_PAGE, date=1)
    assert fresh.pts == INITIAL_PTS + 1 and fresh.payload == b""
    with pytest.raises(ValueError, match="pts_count"):
        await store.append_update(A, UpdateKind.WEB_PAGE, date=1, pts_count=0)


async def test_state_of_an_untouched_box(store: MessageStore) -> None:
    state = await store.get_state(A)
    assert (state.pts, state.date, state.unread_count) == (INITIAL_PTS, 0, 0)
    page = await store.get_updates(A, 0)
    assert page.entries == () and page.state == state
    assert (await store.get_dialogs(A)).count == 0
    assert await store.get_dialog(A, B) is None


async def test_pts_rises_by_pts_count_in_every_box(store: MessageStore) -> None:
    for n in range(6):
        await send(store, [A, B, C][n % 3], [B, C, A][n % 3], str(n))
    await store.delete_messages(A, [1, 2], revoke=True, date=5)
    await store.read_history(B, A, 0, date=6)
    for user in (A, B, C):
        entries = (await store.get_updates(user, 0)).entries
        pts = INITIAL_PTS
        for entry in entries:
            assert entry.pts == pts + entry.pts_count
            pts = entry.pts
        assert pts == (await store.get_state(user)).pts


# -- arguments and lifetime ----------------------------------------------------------------


async def test_bad_arguments(store: MessageStore) -> None:
    with pytest.raises(ValueError, match="sender_id"):
        await store.send_message(NewMessage(0, B, 1, "x"))
    with pytest.raises(ValueError, match="peer_id"):
        await store.send_message(NewMessage(A, -5, 1, "x"))
    with pytest.raises(ValueError, match="user_id"):
        await store.delete_messages(0, [1], revoke=False, date=1)
    with pytest.raises(ValueError, match="peer_id"):
        await store.read_history(A, 0, 0, date=1)
    with pytest.raises(ValueError, match="limit"):
        await store.get_updates(A, 0, limit=0)


async def test_closed_store_refuses_work(store: MessageStore) -> None:
    await store.aclose()
    with pytest.raises(StorageError):
        await send(store, A, B, "x")
    with pytest.raises(StorageError):
        await store.get_state(A)
    await store.aclose()
