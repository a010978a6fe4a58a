"""The SQLite message store: the embedded default, sharded over several database files.

Boxes are spread over ``shards`` files by owner (``user_id % shards``), each file in WAL mode
with its own writer (group commit, see ``_sqlite_shard``) and reader. A private message
touches two boxes that may live in different files; the sender's shard commits the sender's
copy together with an outbox row, the recipient's shard then applies that row idempotently,
and the outbox row is deleted by the sender shard's next commit. Opening the store applies
whatever a crash left in the outboxes. ``docs/message-store.md`` tells the whole story.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import trio

from tgserver.store.messages import _sqlite_read as reads
from tgserver.store.messages import _sqlite_rows as rows
from tgserver.store.messages import _sqlite_write as writes
from tgserver.store.messages._outbox import Op, Pending, Put
from tgserver.store.messages._paging import (
    check_chat_message,
    check_new_message,
    check_peer,
    check_user,
)
from tgserver.store.messages._sqlite_apply import Applied, Placement, apply, log
from tgserver.store.messages._sqlite_schema import Synchronous
from tgserver.store.messages._sqlite_shard import Shard, open_shards
from tgserver.store.messages.protocol import DEFAULT_LIMIT, MAX_LIMIT, TOO_LONG_GAP
from tgserver.store.messages.records import (
    BoxState,
    ChatSendResult,
    CopyChange,
    DeleteResult,
    DialogRecord,
    DialogsPage,
    EditResult,
    HistoryPage,
    MessageRecord,
    NewMessage,
    ReadResult,
    SendResult,
    UpdateEntry,
    UpdateKind,
    UpdateSlice,
)

__all__ = ["DEFAULT_SHARDS", "SqliteMessageStore"]

#: How many database files a store is spread over unless told otherwise.
DEFAULT_SHARDS: Final = 4


def _apply_each(conn: sqlite3.Connection, ops: list[Op], place: Placement) -> list[Applied]:
    return [apply(conn, op, place) for op in ops]


def _clear_tombstones(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM tombstones")


class SqliteMessageStore:
    """A :class:`~tgserver.store.messages.MessageStore` in sharded SQLite files.

    Open it with ``await SqliteMessageStore.open(directory)`` (or ``async with`` on the
    result). Every write is committed -- in both boxes of a private chat -- before its
    method returns. Mutating methods are not interrupted by cancellation once started: a
    cancelled caller gets ``Cancelled`` only before anything was written, or after all of
    it was.
    """

    def __init__(self, directory: Path, shards: list[Shard]) -> None:
        """Use :meth:`open` instead."""
        self._directory = directory
        self._shards = shards

    @classmethod
    async def open(
        cls,
        directory: Path | str,
        *,
        shards: int = DEFAULT_SHARDS,
        synchronous: Synchronous = "FULL",
    ) -> Self:
        """Open (creating) the store in ``directory`` and finish interrupted deliveries.

        Args:
            directory: Where the shard files ``messages.N.sqlite3`` live (must exist).
            shards: How many files; fixed for the life of the data (a store written with
                another count is refused).
            synchronous: ``FULL`` (default): a returned write survives a power cut.
                ``NORMAL``: it survives a killed process, and a power cut may lose the last
                commits. Both are crash-consistent.

        Raises:
            StorageError: a file cannot be opened, holds a newer schema, or was written with
                another shard count.
        """
        directory = Path(directory)
        opened = await open_shards(directory, shards, synchronous)
        store = cls(directory, opened)
        try:
            await store.recover()
            for shard in opened:
                # Every outbox is empty now: no delivery is left that a tombstone must stop.
                await shard.write(_clear_tombstones)
        except BaseException:
            await store.aclose()
            raise
        return store

    @property
    def directory(self) -> Path:
        """The directory of the shard files."""
        return self._directory

    @property
    def shard_count(self) -> int:
        """How many files the boxes are spread over."""
        return len(self._shards)

    @property
    def commit_stats(self) -> tuple[int, int]:
        """(transactions committed, writes they carried) since opening: group commit at work."""
        return (
            sum(shard.transactions for shard in self._shards),
            sum(shard.writes for shard in self._shards),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _shard(self, user_id: int) -> Shard:
        return self._shards[user_id % len(self._shards)]

    def _place(self, shard: Shard) -> Placement:
        return Placement(shard.index, len(self._shards))

    async def _apply(self, origin: Shard, pending: Pending, *, late: bool = False) -> Applied:
        """Apply an outbox row at its target shard, then let the origin forget it."""
        op = pending.op
        if late and isinstance(op, Put) and op.create:
            late_op = op
            op = await origin.read(lambda conn: writes.refreshed(conn, late_op))
        target = self._shard(op.target)
        place = self._place(target)
        applied = await target.write(lambda conn: apply(conn, op, place))
        origin.confirm(pending.seq)
        return applied

    async def _apply_all(
        self, origin: Shard, pending: Sequence[Pending], *, late: bool = False
    ) -> list[Applied]:
        """Apply outbox rows, one transaction per target shard (a group message to many
        members costs at most one commit per shard); results in the order given."""
        ops: list[Pending] = []
        for item in pending:
            if origin.is_confirmed(item.seq):
                continue
            op = item.op
            if late and isinstance(op, Put) and op.create:
                op = await origin.read(functools.partial(writes.refreshed, op=op))
            ops.append(Pending(item.seq, op))
        by_shard: dict[int, list[int]] = {}
        for position, item in enumerate(ops):
            by_shard.setdefault(self._shard(item.op.target).index, []).append(position)
        results: list[Applied] = [Applied()] * len(ops)
        failures: list[Exception] = []

        async def deliver(index: int, positions: list[int]) -> None:
            target = self._shards[index]
            place = self._place(target)
            batch = [ops[p].op for p in positions]
            try:
                applied = await target.write(functools.partial(_apply_each, ops=batch, place=place))
            except Exception as exc:  # the rows stay in the outbox for recover()
                failures.append(exc)
                return
            for position, outcome in zip(positions, applied, strict=True):
                results[position] = outcome
                origin.confirm(ops[position].seq)

        # The shards commit in parallel: their fsyncs overlap instead of adding up.
        async with trio.open_nursery() as nursery:
            for index, positions in sorted(by_shard.items()):
                nursery.start_soon(deliver, index, positions)
        if failures:
            raise failures[0]
        return results

    async def recover(self) -> int:
        """Apply every operation left in the outboxes; returns how many there were.

        :meth:`open` runs it. Running it again is harmless (every operation is idempotent),
        e.g. after a StorageError interrupted a delivery.
        """
        applied = 0
        for shard in self._shards:
            for pending in await shard.read(reads.outbox):
                if not shard.is_confirmed(pending.seq):
                    await self._apply(shard, pending, late=True)
                    applied += 1
        for shard in self._shards:
            await shard.flush()
        return applied

    async def send_message(self, message: NewMessage) -> SendResult:
        """Store a private message in both boxes (see the Protocol).

        Raises:
            StorageError: the sender's copy may be committed while its delivery failed; the
                delivery stays in the outbox for :meth:`recover` or a resend with the same
                random_id.
        """
        check_new_message(message)
        await trio.lowlevel.checkpoint_if_cancelled()
        with trio.CancelScope(shield=True):
            shard = self._shard(message.sender_id)
            place = self._place(shard)
            local = await shard.write(lambda conn: writes.send(conn, message, place))
            peer_message = local.peer_message
            pending = [p for p in local.pending if not shard.is_confirmed(p.seq)]
            for item in pending:
                peer_message = (await self._apply(shard, item, late=local.duplicate)).message
            first = local.message
            if local.duplicate and not pending and not place.local(first.peer_id):
                peer = self._shard(first.peer_id)
                found = await peer.read(
                    lambda conn: rows.find_by_origin(conn, first.peer_id, first.user_id, first.id)
                )
                peer_message = None if found is None else found[0]
        return SendResult(first, peer_message, local.duplicate)

    async def send_to_chat(self, message: NewMessage, members: Sequence[int]) -> ChatSendResult:
        """Store a basic-group message in every member's box (see the Protocol).

        The sender's shard commits the sender's copy together with the copies of members in
        the same shard and one outbox row per member elsewhere; each other shard then gets
        its copies in one transaction.

        Raises:
            StorageError: the sender's copy may be committed while a delivery failed; it
                stays in the outbox for :meth:`recover` or a resend with the same random_id.
        """
        others = check_chat_message(message, members)
        await trio.lowlevel.checkpoint_if_cancelled()
        with trio.CancelScope(shield=True):
            shard = self._shard(message.sender_id)
            place = self._place(shard)
            local = await shard.write(
                lambda conn: writes.send_to_chat(conn, message, others, place)
            )
            applied = await self._apply_all(shard, local.pending, late=local.duplicate)
        if local.duplicate:
            return ChatSendResult(local.message, duplicate=True)
        copies = [*local.copies, *(a.message for a in applied if a.message is not None)]
        copies.sort(key=lambda m: m.user_id)
        return ChatSendResult(local.message, tuple(copies))

    async def edit_message(
        self,
        user_id: int,
        message_id: int,
        *,
        text: str,
        entities: bytes | None,
        edit_date: int,
        reply_markup: bytes | None = None,
        members: Sequence[int] = (),
    ) -> EditResult | None:
        """Edit an outgoing message on both sides (see the Protocol)."""
        check_user(user_id)
        group = list(members)
        await trio.lowlevel.checkpoint_if_cancelled()
        with trio.CancelScope(shield=True):
            shard = self._shard(user_id)
            place = self._place(shard)
            local = await shard.write(
                lambda conn: writes.edit(
                    conn,
                    user_id,
                    message_id,
                    text=text,
                    entities=entities,
                    edit_date=edit_date,
                    reply_markup=reply_markup,
                    members=group,
                    place=place,
                )
            )
            result = None
            if local is not None and local.message.peer_id < 0:
                copies = list(local.copies)
                for applied in await self._apply_all(shard, local.pending):
                    if applied.message is not None and applied.update is not None:
                        copies.append(CopyChange(applied.message, applied.update.entry))
                copies.sort(key=lambda c: c.message.user_id)
                result = EditResult(local.message, local.entry, copies=tuple(copies))
            elif local is not None:
                peer = local.peer
                for item in local.pending:
                    peer = await self._apply(shard, item)
                peer_entry = None if peer.update is None else peer.update.entry
                result = EditResult(local.message, local.entry, peer.message, peer_entry)
        return result

    async def delete_messages(
        self,
        user_id: int,
        message_ids: Sequence[int],
        *,
        revoke: bool,
        date: int,
        members: Mapping[int, Sequence[int]] | None = None,
    ) -> DeleteResult:
        """Delete messages, for everyone with ``revoke`` (see the Protocol)."""
        check_user(user_id)
        ids = list(message_ids)
        groups = {chat: list(users) for chat, users in (members or {}).items()}
        await trio.lowlevel.checkpoint_if_cancelled()
        with trio.CancelScope(shield=True):
            shard = self._shard(user_id)
            place = self._place(shard)
            local = await shard.write(
                lambda conn: writes.delete(
                    conn, user_id, ids, revoke=revoke, date=date, members=groups, place=place
                )
            )
            peers = list(local.peers)
            for applied in await self._apply_all(shard, local.pending):
                if applied.update is not None:
                    peers.append(applied.update)
        peers.sort(key=lambda p: p.user_id)
        return DeleteResult(local.pts, local.entry, tuple(peers))

    async def read_history(
        self, user_id: int, peer_id: int, max_id: int, *, date: int
    ) -> ReadResult:
        """Mark a dialog read up to ``max_id`` on both sides (see the Protocol)."""
        check_user(user_id)
        check_peer(peer_id)
        await trio.lowlevel.checkpoint_if_cancelled()
        with trio.CancelScope(shield=True):
            shard = self._shard(user_id)
            place = self._place(shard)
            local = await shard.write(
                lambda conn: writes.read(conn, user_id, peer_id, max_id, date=date, place=place)
            )
            told = list(local.peers)
            for applied in await self._apply_all(shard, local.pending):
                if applied.update is not None:
                    told.append(applied.update)
        if peer_id < 0:
            told.sort(key=lambda u: u.user_id)
            return ReadResult(
                local.pts, local.entry, local.max_id, local.still_unread, authors=tuple(told)
            )
        peer = told[-1] if told else None
        return ReadResult(local.pts, local.entry, local.max_id, local.still_unread, peer)

    async def append_update(
        self,
        user_id: int,
        kind: UpdateKind,
        *,
        date: int,
        pts_count: int = 1,
        peer_id: int = 0,
        ids: Sequence[int] = (),
        max_id: int = 0,
        payload: bytes = b"",
    ) -> UpdateEntry:
        """Append a service-built entry (see the Protocol)."""
        check_user(user_id)
        if pts_count < 1:
            raise ValueError(f"pts_count must be at least 1, got {pts_count}")
        kind, ids, payload = UpdateKind(kind), tuple(ids), bytes(payload)
        return await self._shard(user_id).write(
            lambda conn: log(
                conn,
                user_id,
                kind,
                date,
                pts_count=pts_count,
                peer_id=peer_id,
                ids=tuple(ids),
                max_id=max_id,
                payload=payload,
            )
        )

    async def pin_dialog(self, user_id: int, peer_id: int, pinned: bool) -> bool:
        """Pin or unpin a dialog (see the Protocol)."""
        check_user(user_id)
        return await self._shard(user_id).write(
            lambda conn: writes.pin(conn, user_id, peer_id, pinned)
        )

    async def reorder_pinned(
        self, user_id: int, peer_ids: Sequence[int], *, force: bool = False
    ) -> None:
        """Pin dialogs in this order (see the Protocol)."""
        check_user(user_id)
        peers = list(peer_ids)
        await self._shard(user_id).write(lambda conn: writes.reorder(conn, user_id, peers, force))

    async def get_message(self, user_id: int, message_id: int) -> MessageRecord | None:
        """One message, or None."""
        found = await self._shard(user_id).read(
            lambda conn: rows.find_message(conn, user_id, message_id)
        )
        return None if found is None else found[0]

    async def get_messages(
        self, user_id: int, message_ids: Sequence[int]
    ) -> tuple[MessageRecord, ...]:
        """The existing messages among ``message_ids``, in the order asked."""
        ids = list(message_ids)
        return await self._shard(user_id).read(lambda conn: reads.messages(conn, user_id, ids))

    async def get_history(
        self,
        user_id: int,
        peer_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = DEFAULT_LIMIT,
        max_id: int = 0,
        min_id: int = 0,
    ) -> HistoryPage:
        """A page of history with Telegram's offsets (see the Protocol)."""
        return await self._shard(user_id).read(
            lambda conn: reads.history(
                conn,
                user_id,
                peer_id,
                offset_id=offset_id,
                offset_date=offset_date,
                add_offset=add_offset,
                limit=limit,
                max_id=max_id,
                min_id=min_id,
            )
        )

    async def get_dialog(self, user_id: int, peer_id: int) -> DialogRecord | None:
        """The dialog with ``peer_id``, or None."""
        return await self._shard(user_id).read(
            lambda conn: rows.find_dialog(conn, user_id, peer_id)
        )

    async def get_dialogs(
        self,
        user_id: int,
        *,
        offset_date: int = 0,
        offset_id: int = 0,
        offset_peer: int = 0,
        limit: int = MAX_LIMIT,
        exclude_pinned: bool = False,
    ) -> DialogsPage:
        """A page of dialogs (see the Protocol)."""
        return await self._shard(user_id).read(
            lambda conn: reads.dialogs(
                conn,
                user_id,
                offset_date=offset_date,
                offset_id=offset_id,
                offset_peer=offset_peer,
                limit=limit,
                exclude_pinned=exclude_pinned,
            )
        )

    async def get_state(self, user_id: int) -> BoxState:
        """The box's pts, last entry date and total unread count."""
        return await self._shard(user_id).read(lambda conn: rows.box_state(conn, user_id))

    async def get_updates(
        self, user_id: int, pts: int, *, limit: int = MAX_LIMIT, too_long_gap: int = TOO_LONG_GAP
    ) -> UpdateSlice:
        """Log entries after ``pts`` (see the Protocol)."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        return await self._shard(user_id).read(
            lambda conn: reads.updates(conn, user_id, pts, limit=limit, too_long_gap=too_long_gap)
        )

    async def get_new_messages(
        self, user_id: int, after_pts: int, *, up_to_pts: int | None = None, limit: int = 100
    ) -> tuple[MessageRecord, ...]:
        """Messages created after ``after_pts`` that still exist (see the Protocol)."""
        limit = max(limit, 0)
        return await self._shard(user_id).read(
            lambda conn: reads.new_messages(conn, user_id, after_pts, up_to_pts, limit)
        )

    async def aclose(self) -> None:
        """Flush and close every shard; later calls raise StorageError. Idempotent."""
        for shard in self._shards:
            await shard.aclose()
