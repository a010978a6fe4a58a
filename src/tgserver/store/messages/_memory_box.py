"""One user's box held in memory: messages, dialogs and update log (used by memory.py)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import attrs

from tgserver.store.messages._paging import DialogCursor
from tgserver.store.messages.records import (
    INITIAL_PTS,
    DialogRecord,
    DialogsPage,
    HistoryPage,
    MessageRecord,
    UpdateEntry,
    UpdateKind,
)

__all__: list[str] = []


@attrs.define
class Box:
    """The mutable state of one box; every method keeps its indexes in step."""

    user_id: int
    last_id: int = 0
    pts: int = INITIAL_PTS
    date: int = 0
    messages: dict[int, MessageRecord] = attrs.Factory(dict)
    #: Ascending message ids per peer.
    by_peer: dict[int, list[int]] = attrs.Factory(dict)
    by_origin: dict[tuple[int, int], int] = attrs.Factory(dict)
    by_random: dict[int, int] = attrs.Factory(dict)
    dialogs: dict[int, DialogRecord] = attrs.Factory(dict)
    updates: list[UpdateEntry] = attrs.Factory(list)
    #: The pts of each entry of ``updates`` (for bisection).
    update_pts: list[int] = attrs.Factory(list)

    def log(
        self,
        kind: UpdateKind,
        date: int,
        *,
        pts_count: int = 1,
        peer_id: int = 0,
        ids: tuple[int, ...] = (),
        max_id: int = 0,
        still_unread: int = 0,
        payload: bytes = b"",
    ) -> UpdateEntry:
        """Append an entry, moving the pts by ``pts_count``."""
        self.pts += pts_count
        self.date = date
        entry = UpdateEntry(
            self.pts, pts_count, kind, date, peer_id, ids, max_id, still_unread, payload
        )
        self.updates.append(entry)
        self.update_pts.append(entry.pts)
        return entry

    def add(self, message: MessageRecord) -> None:
        """Index a new message (its id is above every other one) and update its dialog."""
        self.messages[message.id] = message
        self.by_peer.setdefault(message.peer_id, []).append(message.id)
        self.by_origin[(message.origin_user_id, message.origin_id)] = message.id
        if message.random_id is not None:
            self.by_random[message.random_id] = message.id
        dialog = self.dialogs.get(message.peer_id)
        if dialog is None:
            dialog = DialogRecord(self.user_id, message.peer_id, 0, 0, 0, 0, 0)
        self.dialogs[message.peer_id] = attrs.evolve(
            dialog,
            top_message=message.id,
            top_date=message.date,
            unread_count=dialog.unread_count + (not message.out),
        )

    def remove(self, ids: Iterable[int]) -> list[int]:
        """Drop messages; returns the ids that existed, ascending. Dialogs follow."""
        removed = []
        touched = set()
        for msg_id in ids:
            message = self.messages.pop(msg_id, None)
            if message is None:
                continue
            removed.append(msg_id)
            touched.add(message.peer_id)
            peer_ids = self.by_peer[message.peer_id]
            del peer_ids[bisect.bisect_left(peer_ids, msg_id)]
            del self.by_origin[(message.origin_user_id, message.origin_id)]
            if message.random_id is not None:
                del self.by_random[message.random_id]
        for peer_id in touched:
            self.refresh_dialog(peer_id)
        return sorted(removed)

    def refresh_dialog(self, peer_id: int) -> DialogRecord:
        """Recompute a dialog's top message and unread count from the messages."""
        dialog = self.dialogs[peer_id]
        ids = self.by_peer.get(peer_id, [])
        top = self.messages[ids[-1]] if ids else None
        dialog = attrs.evolve(
            dialog,
            top_message=top.id if top else 0,
            top_date=top.date if top else 0,
            unread_count=self.unread(peer_id, dialog.read_inbox_max_id),
        )
        self.dialogs[peer_id] = dialog
        return dialog

    def unread(self, peer_id: int, read_max_id: int) -> int:
        """Incoming messages from ``peer_id`` above ``read_max_id``."""
        ids = self.by_peer.get(peer_id, [])
        newer = ids[bisect.bisect_right(ids, read_max_id) :]
        return sum(1 for msg_id in newer if not self.messages[msg_id].out)

    def history_page(
        self,
        peer_id: int,
        *,
        offset_id: int,
        offset_date: int,
        add_offset: int,
        limit: int,
        max_id: int,
        min_id: int,
    ) -> HistoryPage:
        """A history page by the literal reading of the offsets page: split, slice, filter."""
        history = [self.messages[i] for i in reversed(self.by_peer.get(peer_id, []))]
        if offset_id > 0:
            newer = [m for m in history if m.id >= offset_id]
            older = [m for m in history if m.id < offset_id]
        elif offset_date > 0:
            newer = [m for m in history if m.date >= offset_date]
            older = [m for m in history if m.date < offset_date]
        else:
            newer, older = [], history
        start = len(newer) + add_offset
        page = (newer + older)[max(start, 0) : max(start + limit, 0)]
        page = [
            m for m in page if (max_id <= 0 or m.id < max_id) and (min_id <= 0 or m.id > min_id)
        ]
        return HistoryPage(tuple(page), len(history))

    def dialogs_page(
        self, cursor: DialogCursor | None, limit: int, exclude_pinned: bool
    ) -> DialogsPage:
        """A dialogs page: pinned first on the first page, then newest top message first."""
        listed = [d for d in self.dialogs.values() if d.top_message]
        pinned = sorted((d for d in listed if d.pinned), key=lambda d: -(d.pinned_order or 0))
        unpinned = sorted(
            (d for d in listed if not d.pinned),
            key=lambda d: (d.top_date, d.top_message, d.peer_id),
            reverse=True,
        )
        if cursor is not None:
            rows = [d for d in unpinned if cursor.after(d)]
        elif exclude_pinned:
            rows = unpinned
        else:
            rows = pinned + unpinned
        rows = rows[:limit]
        messages = tuple(self.messages[d.top_message] for d in rows)
        return DialogsPage(tuple(rows), messages, len(listed))

    def entries_after(self, pts: int) -> list[UpdateEntry]:
        """Log entries with pts above ``pts``, ascending."""
        return self.updates[bisect.bisect_right(self.update_pts, pts) :]
