"""Changing one box inside a shard transaction, and applying cross-shard operations.

Every function here runs on a shard's writer connection, inside the batch transaction (see
``_sqlite_shard``); none commits. A change to a box always appends its update-log entry in
the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import attrs

from tgserver.store.messages import _sqlite_rows as rows
from tgserver.store.messages._outbox import Delete, Op, Pending, Put, ReadOutbox, encode
from tgserver.store.messages.records import (
    INITIAL_PTS,
    BoxUpdate,
    MessageRecord,
    UpdateEntry,
    UpdateKind,
)

__all__: list[str] = []


@attrs.frozen
class Placement:
    """Which boxes live in the shard a function runs in."""

    index: int
    count: int

    def local(self, user_id: int) -> bool:
        """Whether ``user_id``'s box is in this shard."""
        return user_id % self.count == self.index


@attrs.frozen
class Applied:
    """The outcome of an operation at its target: the copy it concerns and the new entry."""

    message: MessageRecord | None = None
    update: BoxUpdate | None = None


def advance(
    conn: sqlite3.Connection, owner: int, *, new_id: bool, count: int, date: int
) -> tuple[int, int]:
    """Move a box's pts by ``count`` and, if ``new_id``, its id counter by one.

    Returns the box's (last message id, pts) afterwards; a new box starts from
    :data:`INITIAL_PTS`.
    """
    row = conn.execute(
        "INSERT INTO boxes (owner, last_id, pts, date) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (owner) DO UPDATE SET last_id = last_id + excluded.last_id, "
        "pts = pts + ?, date = excluded.date RETURNING last_id, pts",
        (owner, int(new_id), INITIAL_PTS + count, date, count),
    ).fetchone()
    return int(row[0]), int(row[1])


def _insert_entry(conn: sqlite3.Connection, owner: int, entry: UpdateEntry) -> None:
    conn.execute(
        f"INSERT INTO updates (owner, {rows.ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (owner, entry.pts, entry.pts_count, int(entry.kind), entry.date, entry.peer_id,
         rows.pack_ids(entry.ids), entry.max_id, entry.still_unread, entry.payload),
    )  # fmt: skip


def log(
    conn: sqlite3.Connection,
    owner: int,
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
    """Append an entry to ``owner``'s update log, moving its pts."""
    _, pts = advance(conn, owner, new_id=False, count=pts_count, date=date)
    entry = UpdateEntry(pts, pts_count, kind, date, peer_id, ids, max_id, still_unread, payload)
    _insert_entry(conn, owner, entry)
    return entry


def add_message(
    conn: sqlite3.Connection, record: MessageRecord, version: int
) -> tuple[MessageRecord, UpdateEntry]:
    """Give ``record`` the next id of its box, store it, log it, update its dialog.

    ``record.id`` and ``record.pts`` are replaced; so is ``origin_id`` when the record is
    its own origin (the sender's copy), since the origin is that new id.
    """
    msg_id, pts = advance(conn, record.user_id, new_id=True, count=1, date=record.date)
    own_origin = record.origin_user_id == record.user_id
    record = attrs.evolve(
        record, id=msg_id, pts=pts, origin_id=msg_id if own_origin else record.origin_id
    )
    entry = UpdateEntry(pts, 1, UpdateKind.NEW_MESSAGE, record.date, record.peer_id, (msg_id,))
    _insert_entry(conn, record.user_id, entry)
    conn.execute(
        f"INSERT INTO messages ({rows.MESSAGE_COLUMNS}, version) VALUES ({', '.join('?' * 20)})",
        rows.message_values(record, version),
    )
    conn.execute(
        "INSERT INTO dialogs (owner, peer, top_message, top_date, unread_count) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner, peer) DO UPDATE SET "
        "top_message = excluded.top_message, top_date = excluded.top_date, "
        "unread_count = unread_count + excluded.unread_count",
        (record.user_id, record.peer_id, record.id, record.date, int(not record.out)),
    )
    return record, entry


def refresh_dialogs(conn: sqlite3.Connection, owner: int, peers: Iterable[int]) -> None:
    """Recompute top message and unread count of dialogs that lost messages."""
    for peer in set(peers):
        conn.execute(
            "UPDATE dialogs SET "
            "top_message = COALESCE((SELECT id FROM messages WHERE owner = :o AND peer = :p "
            "ORDER BY id DESC LIMIT 1), 0), "
            "top_date = COALESCE((SELECT date FROM messages WHERE owner = :o AND peer = :p "
            "ORDER BY id DESC LIMIT 1), 0), "
            "unread_count = (SELECT count(*) FROM messages WHERE owner = :o AND peer = :p "
            "AND out = 0 AND id > dialogs.read_inbox_max_id) "
            "WHERE owner = :o AND peer = :p",
            {"o": owner, "p": peer},
        )


def remove_messages(
    conn: sqlite3.Connection, owner: int, doomed: list[MessageRecord], place: Placement
) -> tuple[int, ...]:
    """Delete copies from ``owner``'s box; returns their ids, ascending (no log entry).

    An incoming copy from another shard leaves a tombstone: its sender's delivery may still
    be in that shard's outbox, and applying it again must not bring the copy back.
    """
    conn.executemany(
        "DELETE FROM messages WHERE owner = ? AND id = ?", [(owner, m.id) for m in doomed]
    )
    conn.executemany(
        "INSERT OR IGNORE INTO tombstones (owner, origin_user, origin_id) VALUES (?, ?, ?)",
        [
            (owner, m.origin_user_id, m.origin_id)
            for m in doomed
            if m.origin_user_id != owner and not place.local(m.origin_user_id)
        ],
    )
    refresh_dialogs(conn, owner, (m.peer_id for m in doomed))
    return tuple(sorted(m.id for m in doomed))


def enqueue(conn: sqlite3.Connection, op: Op) -> Pending:
    """Record an operation for another shard in this shard's outbox."""
    origin = (op.origin_user, op.origin_id) if isinstance(op, Put) else (0, 0)
    seq = conn.execute(
        "INSERT INTO outbox (origin_user, origin_id, op) VALUES (?, ?, ?) RETURNING seq",
        (*origin, encode(op)),
    ).fetchone()[0]
    return Pending(seq, op)


def apply_put(conn: sqlite3.Connection, op: Put, place: Placement) -> Applied:
    """Create or update the target's copy of a message (idempotent, see ``_outbox``)."""
    found = rows.find_by_origin(conn, op.target, op.origin_user, op.origin_id)
    if found is not None:
        current, version = found
        if op.version <= version:
            return Applied(current)
        conn.execute(
            "UPDATE messages SET text = ?, entities = ?, edit_date = ?, reply_markup = ?, "
            "version = ? WHERE owner = ? AND id = ?",
            (op.text, op.entities, op.edit_date, op.reply_markup, op.version, op.target,
             current.id),
        )  # fmt: skip
        entry = log(
            conn, op.target, UpdateKind.EDIT_MESSAGE, op.edit_date or op.date,
            peer_id=op.dialog, ids=(current.id,),
        )  # fmt: skip
        edited = attrs.evolve(
            current,
            text=op.text,
            entities=op.entities,
            edit_date=op.edit_date,
            reply_markup=op.reply_markup,
        )
        return Applied(edited, BoxUpdate(op.target, entry))
    if not op.create:
        return Applied()
    # Only a delivery from another shard can come late, after its copy was deleted.
    if not place.local(op.origin_user) and _tombstoned(conn, op.target, *_key(op)):
        return Applied()
    reply_to = None
    if op.reply_key is not None:
        replied = rows.find_by_origin(conn, op.target, *op.reply_key)
        reply_to = None if replied is None else replied[0].id
    record = MessageRecord(
        user_id=op.target,
        id=0,
        peer_id=op.dialog,
        from_id=op.from_id,
        out=False,
        date=op.date,
        text=op.text,
        entities=op.entities,
        media=op.media,
        reply_to=reply_to,
        fwd_from=op.fwd_from,
        edit_date=op.edit_date,
        random_id=None,
        origin_user_id=op.origin_user,
        origin_id=op.origin_id,
        pts=0,
        reply_markup=op.reply_markup,
        action=op.action,
        grouped_id=op.grouped_id,
    )
    record, entry = add_message(conn, record, op.version)
    return Applied(record, BoxUpdate(op.target, entry))


def _key(op: Put) -> tuple[int, int]:
    return op.origin_user, op.origin_id


def _tombstoned(conn: sqlite3.Connection, owner: int, origin_user: int, origin_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM tombstones WHERE owner = ? AND origin_user = ? AND origin_id = ?",
        (owner, origin_user, origin_id),
    ).fetchone()
    return row is not None


def apply_delete(conn: sqlite3.Connection, op: Delete, place: Placement) -> Applied:
    """Delete the target's copies of these messages; deleting what is gone is a no-op."""
    doomed = []
    for origin_user, origin_id in op.keys:
        found = rows.find_by_origin(conn, op.target, origin_user, origin_id)
        if found is not None:
            doomed.append(found[0])
        elif origin_user != op.target and not place.local(origin_user):
            # Not delivered yet (or deleted already): make sure a late delivery is void.
            conn.execute(
                "INSERT OR IGNORE INTO tombstones (owner, origin_user, origin_id) VALUES (?, ?, ?)",
                (op.target, origin_user, origin_id),
            )
    if not doomed:
        return Applied()
    ids = remove_messages(conn, op.target, doomed, place)
    entry = log(conn, op.target, UpdateKind.DELETE_MESSAGES, op.date, pts_count=len(ids), ids=ids)
    return Applied(update=BoxUpdate(op.target, entry))


def apply_read(conn: sqlite3.Connection, op: ReadOutbox) -> Applied:
    """Raise the target's ``read_outbox_max_id`` towards the reader; never lowers it."""
    found = rows.find_dialog(conn, op.target, op.reader)
    if found is None or op.max_id <= found.read_outbox_max_id:
        return Applied()
    conn.execute(
        "UPDATE dialogs SET read_outbox_max_id = ? WHERE owner = ? AND peer = ?",
        (op.max_id, op.target, op.reader),
    )
    entry = log(
        conn, op.target, UpdateKind.READ_HISTORY_OUTBOX, op.date,
        peer_id=op.reader, max_id=op.max_id,
    )  # fmt: skip
    return Applied(update=BoxUpdate(op.target, entry))


def apply(conn: sqlite3.Connection, op: Op, place: Placement) -> Applied:
    """Apply any operation at its target (which must be in this shard)."""
    if isinstance(op, Put):
        return apply_put(conn, op, place)
    if isinstance(op, Delete):
        return apply_delete(conn, op, place)
    return apply_read(conn, op)


def send_or_apply(
    conn: sqlite3.Connection, op: Op, place: Placement, pending: list[Pending]
) -> Applied:
    """Apply ``op`` here when its target is local, else queue it in the outbox."""
    if place.local(op.target):
        return apply(conn, op, place)
    pending.append(enqueue(conn, op))
    return Applied()
