"""Rows of the shard tables and the records they become (blocking helpers)."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence
from typing import Any, Final

from tgserver.store.messages.records import (
    INITIAL_PTS,
    BoxState,
    DialogRecord,
    MessageRecord,
    UpdateEntry,
    UpdateKind,
)

__all__: list[str] = []

MESSAGE_COLUMNS: Final = (
    "owner, id, peer, from_id, out, date, text, entities, media, reply_to, fwd_from, "
    "edit_date, random_id, origin_user, origin_id, pts, reply_markup, action, grouped_id"
)
SELECT_MESSAGE: Final = f"SELECT {MESSAGE_COLUMNS}, version FROM messages"
#: Where the version column sits in a ``SELECT_MESSAGE`` row.
VERSION_INDEX: Final = 19
DIALOG_COLUMNS: Final = (
    "owner, peer, top_message, top_date, read_inbox_max_id, read_outbox_max_id, "
    "unread_count, pinned_order"
)
ENTRY_COLUMNS: Final = "pts, pts_count, kind, date, peer, ids, max_id, still_unread, payload"


def _opt_bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def message(row: Sequence[Any]) -> MessageRecord:
    """A ``SELECT_MESSAGE`` row (the trailing version column is ignored)."""
    return MessageRecord(
        user_id=row[0],
        id=row[1],
        peer_id=row[2],
        from_id=row[3],
        out=bool(row[4]),
        date=row[5],
        text=row[6],
        entities=_opt_bytes(row[7]),
        media=_opt_bytes(row[8]),
        reply_to=row[9],
        fwd_from=_opt_bytes(row[10]),
        edit_date=row[11],
        random_id=row[12],
        origin_user_id=row[13],
        origin_id=row[14],
        pts=row[15],
        reply_markup=_opt_bytes(row[16]),
        action=_opt_bytes(row[17]),
        grouped_id=row[18],
    )


def message_values(record: MessageRecord, version: int) -> tuple[Any, ...]:
    """The INSERT values of a message, ``MESSAGE_COLUMNS`` then version."""
    return (
        record.user_id,
        record.id,
        record.peer_id,
        record.from_id,
        int(record.out),
        record.date,
        record.text,
        record.entities,
        record.media,
        record.reply_to,
        record.fwd_from,
        record.edit_date,
        record.random_id,
        record.origin_user_id,
        record.origin_id,
        record.pts,
        record.reply_markup,
        record.action,
        record.grouped_id,
        version,
    )


def dialog(row: Sequence[Any]) -> DialogRecord:
    """A row of ``DIALOG_COLUMNS``."""
    return DialogRecord(*row)


def pack_ids(ids: Sequence[int]) -> bytes:
    """Message ids as little-endian int64s (the ``updates.ids`` column)."""
    return struct.pack(f"<{len(ids)}q", *ids)


def unpack_ids(raw: bytes) -> tuple[int, ...]:
    """The inverse of :func:`pack_ids`."""
    return struct.unpack(f"<{len(raw) // 8}q", raw)


def entry(row: Sequence[Any]) -> UpdateEntry:
    """A row of ``ENTRY_COLUMNS``."""
    pts, pts_count, kind, date, peer, ids, max_id, still_unread, payload = row
    return UpdateEntry(
        pts=pts,
        pts_count=pts_count,
        kind=UpdateKind(kind),
        date=date,
        peer_id=peer,
        ids=unpack_ids(ids),
        max_id=max_id,
        still_unread=still_unread,
        payload=bytes(payload),
    )


def find_message(
    conn: sqlite3.Connection, owner: int, message_id: int
) -> tuple[MessageRecord, int] | None:
    """A message and its version, or None."""
    row = conn.execute(f"{SELECT_MESSAGE} WHERE owner = ? AND id = ?", (owner, message_id))
    found = row.fetchone()
    return None if found is None else (message(found), found[VERSION_INDEX])


def find_by_origin(
    conn: sqlite3.Connection, owner: int, origin_user: int, origin_id: int
) -> tuple[MessageRecord, int] | None:
    """``owner``'s copy of the message with this origin, and its version, or None."""
    row = conn.execute(
        f"{SELECT_MESSAGE} WHERE owner = ? AND origin_user = ? AND origin_id = ?",
        (owner, origin_user, origin_id),
    ).fetchone()
    return None if row is None else (message(row), row[VERSION_INDEX])


def find_dialog(conn: sqlite3.Connection, owner: int, peer: int) -> DialogRecord | None:
    """A dialog, or None."""
    row = conn.execute(
        f"SELECT {DIALOG_COLUMNS} FROM dialogs WHERE owner = ? AND peer = ?", (owner, peer)
    ).fetchone()
    return None if row is None else dialog(row)


def box_state(conn: sqlite3.Connection, owner: int) -> BoxState:
    """The pts, last entry date and total unread of a box."""
    row = conn.execute("SELECT pts, date FROM boxes WHERE owner = ?", (owner,)).fetchone()
    if row is None:
        return BoxState(INITIAL_PTS, 0, 0)
    unread = conn.execute(
        "SELECT COALESCE(SUM(unread_count), 0) FROM dialogs WHERE owner = ?", (owner,)
    ).fetchone()[0]
    return BoxState(row[0], row[1], unread)


def box_pts(conn: sqlite3.Connection, owner: int) -> int:
    """The pts of a box (:data:`INITIAL_PTS` for a box nothing happened in)."""
    row = conn.execute("SELECT pts FROM boxes WHERE owner = ?", (owner,)).fetchone()
    return INITIAL_PTS if row is None else int(row[0])
