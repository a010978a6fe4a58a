"""What only the SQLite message store has: files, shards, group commit, cross-shard recovery."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
import trio
from message_store_helpers import A, B, C, send

from tgcore.errors import StorageError
from tgserver.peerids import chat_key
from tgserver.store.groupcommit import _Job
from tgserver.store.messages import (
    INITIAL_PTS,
    MemoryMessageStore,
    MessageStore,
    NewMessage,
    SqliteMessageStore,
    UpdateKind,
)
from tgserver.store.messages import _sqlite_write as writes
from tgserver.store.messages._outbox import Delete, Put, ReadOutbox, decode, encode
from tgserver.store.messages._sqlite_schema import SCHEMA_VERSION
from tgserver.store.messages._sqlite_shard import Shard


def shard_of(store: SqliteMessageStore, user_id: int) -> Shard:
    return store._shard(user_id)


async def send_without_delivery(store: SqliteMessageStore, message: NewMessage) -> int:
    """Commit the sender's side only, as if the process died right after: the outbox seq."""
    shard = shard_of(store, message.sender_id)
    place = store._place(shard)
    local = await shard.write(lambda conn: writes.send(conn, message, place))
    assert len(local.pending) == 1
    return local.pending[0].seq


def outbox_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
    finally:
        conn.close()


# -- files and reopening -------------------------------------------------------------------


async def test_everything_survives_reopening(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        assert store.directory == tmp_path and store.shard_count == 4
        first = await send(store, A, B, "kept", random_id=5, entities=b"e")
        await store.read_history(B, A, 0, date=3)
        await store.pin_dialog(A, B, True)
        before = [await store.get_state(u) for u in (A, B)]
    async with await SqliteMessageStore.open(tmp_path) as store:
        assert [await store.get_state(u) for u in (A, B)] == before
        again = await send(store, A, B, "kept", random_id=5)
        assert again.duplicate and again.message == first.message
        assert again.peer_message == first.peer_message
        dialog = await store.get_dialog(A, B)
        assert dialog is not None and dialog.pinned and dialog.read_outbox_max_id == 1
        assert (await send(store, A, B, "next")).message.id == 2


async def test_files_wal_schema_and_placement(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path, shards=3, synchronous="NORMAL") as store:
        assert store._shards[0]._writer.execute("PRAGMA synchronous").fetchone()[0] == 1
    for index in range(3):
        conn = sqlite3.connect(tmp_path / f"messages.{index}.sqlite3")
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert conn.execute("SELECT shard_index, shard_count FROM shard").fetchone() == (
                index,
                3,
            )
        finally:
            conn.close()
    async with await SqliteMessageStore.open(tmp_path, shards=3) as store:
        assert store._shards[0]._writer.execute("PRAGMA synchronous").fetchone()[0] == 2


async def test_the_shard_count_is_fixed(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path, shards=4):
        pass
    with pytest.raises(StorageError, match="more than 2"):
        await SqliteMessageStore.open(tmp_path, shards=2)
    with pytest.raises(StorageError, match="shard 0 of 4"):
        await SqliteMessageStore.open(tmp_path, shards=8)
    with pytest.raises(ValueError, match="shards"):
        await SqliteMessageStore.open(tmp_path, shards=0)


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "messages.0.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        await SqliteMessageStore.open(tmp_path, shards=1)


def _version_1_shard(path: Path) -> None:
    """A shard file as version 1 wrote it: ``messages`` without reply_markup and action."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE shard (singleton INTEGER PRIMARY KEY CHECK (singleton = 0), "
        "shard_index INTEGER NOT NULL, shard_count INTEGER NOT NULL);"
        "INSERT INTO shard VALUES (0, 0, 1);"
        "CREATE TABLE boxes (owner INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, "
        "pts INTEGER NOT NULL, date INTEGER NOT NULL);"
        "INSERT INTO boxes VALUES (1, 1, 2, 50), (2, 1, 2, 50);"
        "CREATE TABLE messages (owner INTEGER NOT NULL, id INTEGER NOT NULL, "
        "peer INTEGER NOT NULL, from_id INTEGER NOT NULL, out INTEGER NOT NULL, "
        "date INTEGER NOT NULL, text TEXT NOT NULL, entities BLOB, media BLOB, "
        "reply_to INTEGER, fwd_from BLOB, edit_date INTEGER, random_id INTEGER, "
        "origin_user INTEGER NOT NULL, origin_id INTEGER NOT NULL, pts INTEGER NOT NULL, "
        "version INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (owner, id));"
        "INSERT INTO messages VALUES (1, 1, 2, 1, 1, 50, 'old', NULL, NULL, NULL, NULL, "
        "NULL, 7, 1, 1, 2, 0), (2, 1, 1, 1, 0, 50, 'old', NULL, NULL, NULL, NULL, NULL, "
        "NULL, 1, 1, 2, 0);"
        "PRAGMA user_version = 1;"
    )
    conn.close()


async def test_a_version_1_file_is_migrated(tmp_path: Path) -> None:
    _version_1_shard(tmp_path / "messages.0.sqlite3")
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        old = await store.get_message(B, 1)
        assert old is not None and old.text == "old" and old.from_id == A
        assert (old.reply_markup, old.action) == (None, None)
        sent = await send(store, A, B, "new", reply_markup=b"kb", action=b"act")
        assert sent.message.id == 2 and sent.peer_message is not None
        assert (sent.peer_message.reply_markup, sent.peer_message.action) == (b"kb", b"act")
        assert old.grouped_id is None
        album = await send(store, A, B, "", media=b"m", grouped_id=5)
        assert album.peer_message is not None and album.peer_message.grouped_id == 5
    conn = sqlite3.connect(tmp_path / "messages.0.sqlite3")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    # Opening again (the columns exist now) changes nothing.
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        again = await store.get_message(B, 2)
        assert again is not None and again.action == b"act"


async def test_a_version_2_file_gains_grouped_id(tmp_path: Path) -> None:
    path = tmp_path / "messages.0.sqlite3"
    _version_1_shard(path)
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE messages ADD COLUMN reply_markup BLOB;"
        "ALTER TABLE messages ADD COLUMN action BLOB;"
        "PRAGMA user_version = 2;"
    )
    conn.close()
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        old = await store.get_message(B, 1)
        assert old is not None and (old.text, old.grouped_id) == ("old", None)
        sent = await send(store, A, B, "", media=b"m", grouped_id=9)
        assert sent.peer_message is not None and sent.peer_message.grouped_id == 9
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    finally:
        conn.close()


async def test_unopenable_directory(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open"):
        await SqliteMessageStore.open(tmp_path / "missing")


# -- group commit --------------------------------------------------------------------------


async def test_concurrent_writers_share_commits(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        async with trio.open_nursery() as nursery:
            for n in range(40):
                nursery.start_soon(send, store, 10 + n, 100 + n, "x")
        transactions, writes_done = store.commit_stats
        assert writes_done == 40 + 1  # + the tombstone sweep of open()
        assert transactions < writes_done / 2


async def test_a_failing_write_rolls_back_alone(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        shard = shard_of(store, A)
        errors: list[BaseException] = []

        def bad(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO boxes (owner, last_id, pts, date) VALUES (99, 0, 1, 0)")
            raise KeyError("boom")

        async def run_bad() -> None:
            try:
                await shard.write(bad)
            except KeyError as exc:
                errors.append(exc)

        async def run_sql_error() -> None:
            with pytest.raises(StorageError, match="no such table"):
                await shard.write(lambda conn: conn.execute("SELECT * FROM nowhere"))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send, store, A, B, "before")
            nursery.start_soon(run_bad)
            nursery.start_soon(run_sql_error)
            nursery.start_soon(send, store, A, B, "after")
        assert len(errors) == 1
        assert (await store.get_history(A, B)).count == 2
        assert (await store.get_state(99)).pts == INITIAL_PTS  # rolled back


async def test_a_cancelled_queued_write_never_runs(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        shard = shard_of(store, A)
        ran: list[str] = []

        def job(name: str) -> None:
            ran.append(name)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(shard.write, lambda conn: job("leader"))
            await trio.testing.wait_all_tasks_blocked()  # the leader's batch is running
            with trio.CancelScope() as scope:
                nursery.start_soon(shard.write, lambda conn: job("after"))
                scope.cancel()
                await shard.write(lambda conn: job("cancelled"))
        assert ran == ["leader", "after"]


async def test_a_leader_cancelled_before_its_batch_hands_the_queue_on(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path, shards=1) as store:
        shard = shard_of(store, A)
        ran: list[str] = []
        waiting = _Job(lambda conn: ran.append("waiting"))  # a writer queued behind a batch
        shard._queue.append(waiting)
        with trio.CancelScope() as scope:
            scope.cancel()
            await shard.write(lambda conn: ran.append("cancelled leader"))
        assert ran == [] and shard._queue == [waiting] and waiting.wake.is_set()
        await shard.write(lambda conn: ran.append("next"))
        assert ran == ["waiting", "next"]


async def test_cancel_before_send_stores_nothing(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        with trio.CancelScope() as scope:
            scope.cancel()
            await send(store, A, B, "never")
        assert scope.cancelled_caught
        assert (await store.get_state(A)).pts == INITIAL_PTS


async def test_closed_store_refuses_writes_and_reads(tmp_path: Path) -> None:
    store = await SqliteMessageStore.open(tmp_path, shards=1)
    shard = shard_of(store, A)
    await store.aclose()
    with pytest.raises(StorageError, match="closed"):
        await shard.write(lambda conn: None)
    with pytest.raises(StorageError, match="closed"):
        await shard.read(lambda conn: None)


# -- cross-shard delivery and recovery -----------------------------------------------------


async def test_a_delivery_cut_short_is_finished_on_open(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        await send_without_delivery(store, NewMessage(A, B, 10, "in flight", random_id=3))
        assert (await store.get_history(B, A)).count == 0
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 1
    async with await SqliteMessageStore.open(tmp_path) as store:
        page = await store.get_history(B, A)
        assert [(m.id, m.text) for m in page.messages] == [(1, "in flight")]
        dialog = await store.get_dialog(B, A)
        assert dialog is not None and dialog.unread_count == 1
        assert await store.recover() == 0
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 0


async def test_a_group_delivery_cut_short_is_finished_on_open(tmp_path: Path) -> None:
    group, members = chat_key(4), [B, C, 3]
    async with await SqliteMessageStore.open(tmp_path) as store:
        shard = shard_of(store, A)
        place = store._place(shard)
        message = NewMessage(A, group, 10, "to all", random_id=8, action=b"act")
        local = await shard.write(lambda conn: writes.send_to_chat(conn, message, members, place))
        # C shares A's shard: its copy is in the same commit; B and 3 wait in the outbox.
        assert [m.user_id for m in local.copies] == [C] and len(local.pending) == 2
        assert (await store.get_history(B, group)).count == 0
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 2
    async with await SqliteMessageStore.open(tmp_path) as store:
        for member in members:
            page = await store.get_history(member, group)
            assert [(m.text, m.action, m.from_id) for m in page.messages] == [("to all", b"act", A)]
        again = await store.send_to_chat(message, members)
        assert again.duplicate and again.message == local.message
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 0


async def test_a_group_message_costs_one_commit_per_shard(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        before = store.commit_stats[0]
        members = list(range(1, 41))
        result = await store.send_to_chat(NewMessage(A, chat_key(9), 1, "hi"), members)
        assert len(result.copies) == 39
        assert store.commit_stats[0] - before == 4


async def test_applying_an_operation_twice_changes_nothing(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        # Keep every outbox row, as a crash before the lazy deletes would.
        for shard in store._shards:
            shard.confirm = lambda seq: None  # type: ignore[method-assign]
        await send(store, A, B, "x")
        await store.edit_message(A, 1, text="y", entities=None, edit_date=5)
        await store.read_history(B, A, 0, date=6)
        await send(store, A, B, "doomed")
        await store.delete_messages(A, [2], revoke=True, date=7)
        states = [await store.get_state(u) for u in (A, B)]
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 4
    assert outbox_rows(tmp_path / "messages.2.sqlite3") == 1
    async with await SqliteMessageStore.open(tmp_path) as store:
        assert [await store.get_state(u) for u in (A, B)] == states
        theirs = await store.get_message(B, 1)
        assert theirs is not None and theirs.text == "y"
        assert await store.get_message(B, 2) is None


async def test_a_deleted_copy_is_not_delivered_again(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        for shard in store._shards:
            shard.confirm = lambda seq: None  # type: ignore[method-assign]
        await send(store, A, B, "read and deleted")
        await store.delete_messages(B, [1], revoke=False, date=5)
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 1  # applied again on open
    async with await SqliteMessageStore.open(tmp_path) as store:
        assert (await store.get_history(B, A)).count == 0
        entries = (await store.get_updates(B, 0)).entries
        assert [e.kind for e in entries] == [UpdateKind.NEW_MESSAGE, UpdateKind.DELETE_MESSAGES]
    conn = sqlite3.connect(tmp_path / "messages.2.sqlite3")
    try:  # open() swept the tombstones once the outboxes were empty
        assert conn.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 0
    finally:
        conn.close()


async def test_a_late_delivery_carries_later_edits(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        await send_without_delivery(store, NewMessage(A, B, 10, "draft"))
        shard = shard_of(store, A)
        place = store._place(shard)
        local = await shard.write(
            lambda conn: writes.edit(
                conn, A, 1, text="final", entities=b"E", edit_date=20, place=place
            )
        )
        assert local is not None and len(local.pending) == 1
    async with await SqliteMessageStore.open(tmp_path) as store:
        theirs = await store.get_message(B, 1)
        assert theirs is not None
        assert (theirs.text, theirs.entities, theirs.edit_date) == ("final", b"E", 20)
        entries = (await store.get_updates(B, 0)).entries
        assert [e.kind for e in entries] == [UpdateKind.NEW_MESSAGE]


async def test_a_message_revoked_before_delivery_never_arrives(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        await send_without_delivery(store, NewMessage(A, B, 10, "oops"))
        result = await store.delete_messages(A, [1], revoke=True, date=11)
        assert result.entry is not None and result.peers == ()
    async with await SqliteMessageStore.open(tmp_path) as store:
        assert (await store.get_history(B, A)).count == 0
        assert (await store.get_state(B)).pts == INITIAL_PTS


async def test_a_failed_delivery_is_retried_by_a_resend(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        target = shard_of(store, B)
        real_write = target.write
        calls = 0

        async def failing_once(fn):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            if calls == 1:
                raise StorageError("disk full")
            return await real_write(fn)

        target.write = failing_once  # type: ignore[method-assign]
        with pytest.raises(StorageError, match="disk full"):
            await send(store, A, B, "retry me", random_id=11)
        assert (await store.get_history(A, B)).count == 1
        assert (await store.get_history(B, A)).count == 0
        again = await send(store, A, B, "retry me", random_id=11)
        assert again.duplicate and again.peer_message is not None
        assert again.peer_message.text == "retry me"
        again = await send(store, A, B, "retry me", random_id=11)
        assert again.peer_message is not None and again.peer_message.id == 1


async def test_same_shard_pairs_need_no_outbox(tmp_path: Path) -> None:
    async with await SqliteMessageStore.open(tmp_path) as store:
        assert shard_of(store, A) is shard_of(store, C)
        await send(store, A, C, "local")
        await store.read_history(C, A, 0, date=2)
        await store.delete_messages(A, [1], revoke=True, date=3)
    assert outbox_rows(tmp_path / "messages.1.sqlite3") == 0


# -- the outbox codec ----------------------------------------------------------------------


def test_outbox_operations_round_trip() -> None:
    ops: list[Put | Delete | ReadOutbox] = [
        Put(B, A, 7, 2, True, A, 10, "text", b"\x00e", None, b"", (B, 3), 12),
        Put(B, A, 7, 0, False, A, 10, "", None, b"m", None, None, None),
        Put(B, A, 7, 1, True, A, 10, "", None, None, None, None, None, b"kb", b"act", -40),
        Delete(B, ((A, 1), (B, 2)), 5),
        ReadOutbox(A, B, 9, 6),
    ]
    for op in ops:
        assert decode(encode(op)) == op
    with pytest.raises(ValueError, match="unknown"):
        decode(b'{"op": "teleport"}')
    # A row written before reply_markup, action and peer existed still decodes.
    old = (
        b'{"op":"put","target":2,"origin":[1,7],"version":0,"create":true,"from":1,'
        b'"date":10,"text":"t","entities":null,"media":null,"fwd_from":null,"reply":null,'
        b'"edit_date":null}'
    )
    assert decode(old) == Put(B, A, 7, 0, True, A, 10, "t", None, None, None, None, None)
    album = Put(B, A, 8, 0, True, A, 10, "", None, b"m", None, None, None, grouped_id=1 << 62)
    assert decode(encode(album)) == album


# -- differential: the sharded store behaves exactly like the reference --------------------


async def observable(store: MessageStore, users: range) -> list[object]:
    """Everything a client could see of every box."""
    seen: list[object] = []
    for user in users:
        seen.append(await store.get_state(user))
        seen.append(await store.get_updates(user, 0, limit=1000))
        seen.append(await store.get_dialogs(user, limit=100))
        for peer in users:
            seen.append(await store.get_history(user, peer, limit=100))
            seen.append(await store.get_dialog(user, peer))
    return seen


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_operations_match_the_memory_store(tmp_path: Path, seed: int) -> None:
    users = range(1, 7)
    reference = MemoryMessageStore()
    sharded = await SqliteMessageStore.open(tmp_path, shards=4, synchronous="NORMAL")
    rng = random.Random(seed)
    try:
        for step in range(150):
            user, peer = rng.choice(users), rng.choice(users)
            top = (await reference.get_state(user)).pts  # an upper bound on ids in the box
            ids = [rng.randrange(1, top + 2) for _ in range(rng.randrange(1, 4))]
            kind = rng.random()
            message = NewMessage(
                user, peer, 100 + step, f"m{step}", random_id=rng.randrange(40) or None,
                reply_to=ids[0], entities=bytes([step % 256]),
            )  # fmt: skip
            results: list[object] = []
            for store in (reference, sharded):
                if kind < 0.55:
                    results.append(await store.send_message(message))
                elif kind < 0.7:
                    results.append(
                        await store.edit_message(
                            user, ids[0], text=f"e{step}", entities=None, edit_date=200 + step
                        )
                    )
                elif kind < 0.85:
                    results.append(
                        await store.delete_messages(user, ids, revoke=kind < 0.78, date=step)
                    )
                else:
                    results.append(await store.read_history(user, peer, ids[0] - 1, date=step))
            assert results[0] == results[1], step
        assert await observable(sharded, users) == await observable(reference, users)
    finally:
        await sharded.aclose()
        await reference.aclose()
