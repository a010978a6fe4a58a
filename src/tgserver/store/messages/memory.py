"""An in-memory message store: for tests, ephemeral servers and as the reference backend.

Every method runs to completion without yielding in the middle (after one checkpoint), so
each operation is atomic for other Trio tasks, both sides of a private chat included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import trio

from tgcore.errors import StorageError
from tgserver.store._history import unique_ids
from tgserver.store.messages._memory_box import Box
from tgserver.store.messages._paging import (
    check_chat_message,
    check_new_message,
    check_peer,
    check_user,
    dialog_cursor,
    own_copy,
    page_limit,
    pinned_orders,
)
from tgserver.store.messages.protocol import DEFAULT_LIMIT, MAX_LIMIT, TOO_LONG_GAP
from tgserver.store.messages.records import (
    INITIAL_PTS,
    BoxState,
    BoxUpdate,
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

__all__ = ["MemoryMessageStore"]


class MemoryMessageStore:
    """A :class:`~tgserver.store.messages.MessageStore` in dicts; lost with the process."""

    def __init__(self) -> None:
        self._boxes: dict[int, Box] = {}
        self._closed = False

    async def _enter(self) -> None:
        await trio.lowlevel.checkpoint()
        if self._closed:
            raise StorageError("the message store is closed")

    def _box(self, user_id: int) -> Box:
        box = self._boxes.get(user_id)
        if box is None:
            box = self._boxes[user_id] = Box(user_id)
        return box

    def _counterpart(self, message: MessageRecord) -> MessageRecord | None:
        if message.peer_id == message.user_id:
            return None
        other = self._boxes.get(message.peer_id)
        if other is None:
            return None
        other_id = other.by_origin.get((message.origin_user_id, message.origin_id))
        return None if other_id is None else other.messages[other_id]

    @staticmethod
    def _store_own(box: Box, message: NewMessage, reply_to: int | None) -> MessageRecord:
        """Store the sender's copy of ``message`` under the next id and pts of ``box``."""
        box.last_id += 1
        entry = box.log(
            UpdateKind.NEW_MESSAGE, message.date, peer_id=message.peer_id, ids=(box.last_id,)
        )
        own = own_copy(message, reply_to=reply_to, message_id=box.last_id, pts=entry.pts)
        box.add(own)
        return own

    @staticmethod
    def _store_copy(
        box: Box, own: MessageRecord, replied: MessageRecord | None, *, peer_id: int
    ) -> MessageRecord:
        """Store the incoming copy of ``own`` in another user's ``box`` (the dialog of
        ``peer_id``); its reply points to that box's copy of ``replied``, if it has one."""
        reply_to = None
        if replied is not None:
            reply_to = box.by_origin.get((replied.origin_user_id, replied.origin_id))
        box.last_id += 1
        entry = box.log(UpdateKind.NEW_MESSAGE, own.date, peer_id=peer_id, ids=(box.last_id,))
        copy = attrs.evolve(
            own,
            user_id=box.user_id,
            id=box.last_id,
            peer_id=peer_id,
            out=False,
            reply_to=reply_to,
            random_id=None,
            pts=entry.pts,
        )
        box.add(copy)
        return copy

    async def send_message(self, message: NewMessage) -> SendResult:
        """Store a private message in both boxes (see the Protocol)."""
        check_new_message(message)
        await self._enter()
        box = self._box(message.sender_id)
        if message.random_id is not None:
            first_id = box.by_random.get(message.random_id)
            if first_id is not None:
                first = box.messages[first_id]
                return SendResult(first, self._counterpart(first), duplicate=True)
        own = self._store_own(box, message, message.reply_to)
        if message.peer_id == message.sender_id:
            return SendResult(own, None)
        replied = box.messages.get(message.reply_to) if message.reply_to else None
        theirs = self._store_copy(
            self._box(message.peer_id), own, replied, peer_id=message.sender_id
        )
        return SendResult(own, theirs)

    async def send_to_chat(self, message: NewMessage, members: Sequence[int]) -> ChatSendResult:
        """Store a basic-group message in every member's box (see the Protocol)."""
        others = check_chat_message(message, members)
        await self._enter()
        box = self._box(message.sender_id)
        if message.random_id is not None:
            first_id = box.by_random.get(message.random_id)
            if first_id is not None:
                return ChatSendResult(box.messages[first_id], duplicate=True)
        replied = box.messages.get(message.reply_to) if message.reply_to else None
        own = self._store_own(box, message, replied.id if replied else None)
        copies = [
            self._store_copy(self._box(member), own, replied, peer_id=message.peer_id)
            for member in sorted(others)
        ]
        return ChatSendResult(own, tuple(copies))

    def _group_copies(self, message: MessageRecord, members: Sequence[int]) -> list[MessageRecord]:
        """The copies other members hold of a basic-group message, by user id."""
        found = []
        for member in sorted(set(members) - {message.user_id}):
            other = self._boxes.get(member)
            copy_id = (
                other.by_origin.get((message.origin_user_id, message.origin_id)) if other else None
            )
            if other is not None and copy_id is not None:
                found.append(other.messages[copy_id])
        return found

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
        await self._enter()
        box = self._boxes.get(user_id)
        message = box.messages.get(message_id) if box else None
        if box is None or message is None or not message.out:
            return None
        counterpart = self._counterpart(message)

        def changed(record: MessageRecord) -> MessageRecord:
            return attrs.evolve(
                record,
                text=text,
                entities=entities,
                edit_date=edit_date,
                reply_markup=reply_markup,
            )

        edited = changed(message)
        box.messages[message_id] = edited
        entry = box.log(
            UpdateKind.EDIT_MESSAGE, edit_date, peer_id=message.peer_id, ids=(message_id,)
        )
        if message.peer_id < 0:
            copies = []
            for copy in self._group_copies(message, members):
                other = self._boxes[copy.user_id]
                other.messages[copy.id] = copy = changed(copy)
                copy_entry = other.log(
                    UpdateKind.EDIT_MESSAGE, edit_date, peer_id=copy.peer_id, ids=(copy.id,)
                )
                copies.append(CopyChange(copy, copy_entry))
            return EditResult(edited, entry, copies=tuple(copies))
        if counterpart is None:
            return EditResult(edited, entry)
        other = self._boxes[counterpart.user_id]
        peer_edited = changed(counterpart)
        other.messages[counterpart.id] = peer_edited
        peer_entry = other.log(
            UpdateKind.EDIT_MESSAGE, edit_date, peer_id=user_id, ids=(counterpart.id,)
        )
        return EditResult(edited, entry, peer_edited, peer_entry)

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
        await self._enter()
        box = self._boxes.get(user_id)
        if box is None:
            return DeleteResult(INITIAL_PTS, None)
        doomed = [box.messages[i] for i in unique_ids(message_ids) if i in box.messages]
        counterparts: list[MessageRecord | None] = []
        if revoke:
            for message in doomed:
                if message.peer_id < 0:
                    group = (members or {}).get(message.peer_id, ())
                    counterparts.extend(self._group_copies(message, group))
                else:
                    counterparts.append(self._counterpart(message))
        removed = box.remove(m.id for m in doomed)
        entry = None
        if removed:
            entry = box.log(
                UpdateKind.DELETE_MESSAGES, date, pts_count=len(removed), ids=tuple(removed)
            )
        per_peer: dict[int, list[int]] = {}
        for counterpart in counterparts:
            if counterpart is not None:
                per_peer.setdefault(counterpart.user_id, []).append(counterpart.id)
        peers = []
        for peer_id in sorted(per_peer):
            other = self._boxes[peer_id]
            gone = other.remove(per_peer[peer_id])
            peer_entry = other.log(
                UpdateKind.DELETE_MESSAGES, date, pts_count=len(gone), ids=tuple(gone)
            )
            peers.append(BoxUpdate(peer_id, peer_entry))
        return DeleteResult(box.pts, entry, tuple(peers))

    async def read_history(
        self, user_id: int, peer_id: int, max_id: int, *, date: int
    ) -> ReadResult:
        """Mark a dialog read up to ``max_id`` on both sides (see the Protocol)."""
        check_user(user_id)
        check_peer(peer_id)
        await self._enter()
        box = self._boxes.get(user_id)
        dialog = box.dialogs.get(peer_id) if box else None
        if box is None or dialog is None:
            return ReadResult(box.pts if box else INITIAL_PTS, None, 0, 0)
        target = dialog.top_message if max_id <= 0 else min(max_id, dialog.top_message)
        if target <= dialog.read_inbox_max_id:
            return ReadResult(box.pts, None, dialog.read_inbox_max_id, dialog.unread_count)
        newly_read = [
            box.messages[i]
            for i in box.by_peer.get(peer_id, [])
            if dialog.read_inbox_max_id < i <= target
        ]
        unread = box.unread(peer_id, target)
        box.dialogs[peer_id] = attrs.evolve(dialog, read_inbox_max_id=target, unread_count=unread)
        entry = box.log(
            UpdateKind.READ_HISTORY_INBOX,
            date,
            peer_id=peer_id,
            max_id=target,
            still_unread=unread,
        )
        if peer_id < 0:
            authors = self._read_by_authors(peer_id, newly_read, date)
            return ReadResult(box.pts, entry, target, unread, authors=authors)
        origin_max = max((m.origin_id for m in newly_read if not m.out), default=0)
        other = self._boxes.get(peer_id) if peer_id != user_id else None
        peer_dialog = other.dialogs.get(user_id) if other else None
        if other is None or peer_dialog is None or origin_max <= peer_dialog.read_outbox_max_id:
            return ReadResult(box.pts, entry, target, unread)
        other.dialogs[user_id] = attrs.evolve(peer_dialog, read_outbox_max_id=origin_max)
        peer_entry = other.log(
            UpdateKind.READ_HISTORY_OUTBOX, date, peer_id=user_id, max_id=origin_max
        )
        return ReadResult(box.pts, entry, target, unread, BoxUpdate(peer_id, peer_entry))

    def _read_by_authors(
        self, chat: int, newly_read: list[MessageRecord], date: int
    ) -> tuple[BoxUpdate, ...]:
        """Move each author's outbox mark in the group to its newest message read."""
        newest: dict[int, int] = {}
        for message in newly_read:
            if not message.out:
                author = message.origin_user_id
                newest[author] = max(newest.get(author, 0), message.origin_id)
        told = []
        for author in sorted(newest):
            other = self._boxes.get(author)
            dialog = other.dialogs.get(chat) if other else None
            if other is None or dialog is None or newest[author] <= dialog.read_outbox_max_id:
                continue
            other.dialogs[chat] = attrs.evolve(dialog, read_outbox_max_id=newest[author])
            entry = other.log(
                UpdateKind.READ_HISTORY_OUTBOX, date, peer_id=chat, max_id=newest[author]
            )
            told.append(BoxUpdate(author, entry))
        return tuple(told)

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
        await self._enter()
        return self._box(user_id).log(
            UpdateKind(kind),
            date,
            pts_count=pts_count,
            peer_id=peer_id,
            ids=tuple(ids),
            max_id=max_id,
            payload=bytes(payload),
        )

    async def pin_dialog(self, user_id: int, peer_id: int, pinned: bool) -> bool:
        """Pin or unpin a dialog (see the Protocol)."""
        check_user(user_id)
        await self._enter()
        box = self._boxes.get(user_id)
        dialog = box.dialogs.get(peer_id) if box else None
        if box is None or dialog is None:
            return False
        if not pinned:
            box.dialogs[peer_id] = attrs.evolve(dialog, pinned_order=None)
        elif dialog.pinned_order is None:
            orders = [d.pinned_order for d in box.dialogs.values() if d.pinned_order is not None]
            box.dialogs[peer_id] = attrs.evolve(dialog, pinned_order=max(orders, default=0) + 1)
        return True

    async def reorder_pinned(
        self, user_id: int, peer_ids: Sequence[int], *, force: bool = False
    ) -> None:
        """Pin dialogs in this order (see the Protocol)."""
        check_user(user_id)
        await self._enter()
        box = self._boxes.get(user_id)
        if box is None:
            return
        current = {
            d.peer_id: d.pinned_order for d in box.dialogs.values() if d.pinned_order is not None
        }
        wanted = [p for p in peer_ids if p in box.dialogs]
        for peer_id, order in pinned_orders(current, wanted, force).items():
            box.dialogs[peer_id] = attrs.evolve(box.dialogs[peer_id], pinned_order=order)

    async def get_message(self, user_id: int, message_id: int) -> MessageRecord | None:
        """One message, or None."""
        await self._enter()
        box = self._boxes.get(user_id)
        return box.messages.get(message_id) if box else None

    async def get_messages(
        self, user_id: int, message_ids: Sequence[int]
    ) -> tuple[MessageRecord, ...]:
        """The existing messages among ``message_ids``, in the order asked."""
        await self._enter()
        box = self._boxes.get(user_id)
        if box is None:
            return ()
        return tuple(box.messages[i] for i in unique_ids(message_ids) if i in box.messages)

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
        await self._enter()
        box = self._boxes.get(user_id) or Box(user_id)
        return box.history_page(
            peer_id,
            offset_id=offset_id,
            offset_date=offset_date,
            add_offset=add_offset,
            limit=page_limit(limit),
            max_id=max_id,
            min_id=min_id,
        )

    async def get_dialog(self, user_id: int, peer_id: int) -> DialogRecord | None:
        """The dialog with ``peer_id``, or None."""
        await self._enter()
        box = self._boxes.get(user_id)
        return box.dialogs.get(peer_id) if box else None

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
        await self._enter()
        box = self._boxes.get(user_id) or Box(user_id)
        cursor = dialog_cursor(offset_date, offset_id, offset_peer)
        return box.dialogs_page(cursor, page_limit(limit), exclude_pinned)

    async def get_state(self, user_id: int) -> BoxState:
        """The box's pts, last entry date and total unread count."""
        await self._enter()
        return self._state(user_id)

    def _state(self, user_id: int) -> BoxState:
        box = self._boxes.get(user_id)
        if box is None:
            return BoxState(INITIAL_PTS, 0, 0)
        return BoxState(box.pts, box.date, sum(d.unread_count for d in box.dialogs.values()))

    async def get_updates(
        self, user_id: int, pts: int, *, limit: int = MAX_LIMIT, too_long_gap: int = TOO_LONG_GAP
    ) -> UpdateSlice:
        """Log entries after ``pts`` (see the Protocol)."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        await self._enter()
        state = self._state(user_id)
        if state.pts - pts > too_long_gap:
            return UpdateSlice((), state, too_long=True)
        box = self._boxes.get(user_id)
        entries = box.entries_after(pts)[:limit] if box else []
        return UpdateSlice(tuple(entries), state)

    async def get_new_messages(
        self, user_id: int, after_pts: int, *, up_to_pts: int | None = None, limit: int = 100
    ) -> tuple[MessageRecord, ...]:
        """Messages created after ``after_pts`` that still exist (see the Protocol)."""
        await self._enter()
        box = self._boxes.get(user_id)
        if box is None or limit < 1:
            return ()
        found: list[MessageRecord] = []
        for entry in box.entries_after(after_pts):
            if (up_to_pts is not None and entry.pts > up_to_pts) or len(found) >= limit:
                break
            if entry.kind is UpdateKind.NEW_MESSAGE and entry.ids and entry.ids[0] in box.messages:
                found.append(box.messages[entry.ids[0]])
        return tuple(found)

    async def aclose(self) -> None:
        """Drop everything; later calls raise StorageError."""
        self._closed = True
        self._boxes.clear()
