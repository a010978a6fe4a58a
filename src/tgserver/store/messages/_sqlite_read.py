"""The store's queries, run on a shard's reader connection (blocking)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tgserver.store._history import history_windows, unique_ids
from tgserver.store.messages import _sqlite_rows as rows
from tgserver.store.messages._outbox import Pending, decode
from tgserver.store.messages._paging import (
    dialog_cursor,
    page_limit,
)
from tgserver.store.messages.records import (
    DialogRecord,
    DialogsPage,
    HistoryPage,
    MessageRecord,
    UpdateSlice,
)

__all__: list[str] = []

_DIALOG_SQL_COLUMNS = {"top_date": "top_date", "top_message": "top_message", "peer_id": "peer"}

# SQLite's default limit of host parameters per statement is 32766; stay far below it.
_CHUNK = 500


def messages(
    conn: sqlite3.Connection, owner: int, message_ids: Sequence[int]
) -> tuple[MessageRecord, ...]:
    """Existing messages among ``message_ids``, in the order asked, without repeats."""
    wanted = unique_ids(message_ids)
    found: dict[int, MessageRecord] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in conn.execute(
            f"{rows.SELECT_MESSAGE} WHERE owner = ? AND id IN ({marks})", (owner, *chunk)
        ):
            found[row[1]] = rows.message(row)
    return tuple(found[i] for i in wanted if i in found)


def history(
    conn: sqlite3.Connection,
    owner: int,
    peer: int,
    *,
    offset_id: int,
    offset_date: int,
    add_offset: int,
    limit: int,
    max_id: int,
    min_id: int,
) -> HistoryPage:
    """A history page by keyset queries on either side of the split (see ``_paging``)."""
    count = conn.execute(
        "SELECT count(*) FROM messages WHERE owner = ? AND peer = ?", (owner, peer)
    ).fetchone()[0]
    base = f"{rows.SELECT_MESSAGE} WHERE owner = ? AND peer = ?"
    split: tuple[int, ...]
    if offset_id > 0:
        newer_where, older_where, split = " AND id >= ?", " AND id < ?", (offset_id,)
    elif offset_date > 0:
        newer_where, older_where, split = " AND date >= ?", " AND date < ?", (offset_date,)
    else:
        # No split: nothing is newer than the newest message.
        newer_where, older_where, split = "", "", ()
    newer, older = history_windows(add_offset, page_limit(limit))
    page: list[MessageRecord] = []
    if newer is not None and split:
        found = conn.execute(
            f"{base}{newer_where} ORDER BY id ASC LIMIT ? OFFSET ?",
            (owner, peer, *split, newer.count, newer.offset),
        ).fetchall()
        page.extend(rows.message(row) for row in reversed(found))
    if older is not None:
        found = conn.execute(
            f"{base}{older_where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (owner, peer, *split, older.count, older.offset),
        ).fetchall()
        page.extend(rows.message(row) for row in found)
    # max_id and min_id filter the page after slicing, as the offsets page specifies.
    kept = tuple(
        m for m in page if (max_id <= 0 or m.id < max_id) and (min_id <= 0 or m.id > min_id)
    )
    return HistoryPage(kept, count)


def dialogs(
    conn: sqlite3.Connection,
    owner: int,
    *,
    offset_date: int,
    offset_id: int,
    offset_peer: int,
    limit: int,
    exclude_pinned: bool,
) -> DialogsPage:
    """A dialogs page: pinned first on the first page, then by top message, newest first."""
    limit = page_limit(limit)
    count = conn.execute(
        "SELECT count(*) FROM dialogs WHERE owner = ? AND top_message > 0", (owner,)
    ).fetchone()[0]
    select = f"SELECT {rows.DIALOG_COLUMNS} FROM dialogs WHERE owner = ? AND top_message > 0"
    found: list[DialogRecord] = []
    cursor = dialog_cursor(offset_date, offset_id, offset_peer)
    if cursor is None and not exclude_pinned:
        found.extend(
            rows.dialog(row)
            for row in conn.execute(
                f"{select} AND pinned_order IS NOT NULL ORDER BY pinned_order DESC LIMIT ?",
                (owner, limit),
            )
        )
    after = ""
    bound: tuple[int, ...] = ()
    if cursor is not None:
        columns = ", ".join(_DIALOG_SQL_COLUMNS[c] for c in cursor.columns)
        marks = ", ".join("?" * len(cursor.bound))
        after, bound = f" AND ({columns}) < ({marks})", cursor.bound
    found.extend(
        rows.dialog(row)
        for row in conn.execute(
            f"{select} AND pinned_order IS NULL{after} "
            "ORDER BY top_date DESC, top_message DESC, peer DESC LIMIT ?",
            (owner, *bound, limit - len(found)),
        )
    )
    tops = {m.id: m for m in messages(conn, owner, [d.top_message for d in found])}
    return DialogsPage(tuple(found), tuple(tops[d.top_message] for d in found), count)


def updates(
    conn: sqlite3.Connection, owner: int, pts: int, *, limit: int, too_long_gap: int
) -> UpdateSlice:
    """Log entries after ``pts`` with the current state."""
    state = rows.box_state(conn, owner)
    if state.pts - pts > too_long_gap:
        return UpdateSlice((), state, too_long=True)
    found = conn.execute(
        f"SELECT {rows.ENTRY_COLUMNS} FROM updates WHERE owner = ? AND pts > ? "
        "ORDER BY pts LIMIT ?",
        (owner, pts, limit),
    )
    return UpdateSlice(tuple(rows.entry(row) for row in found), state)


def new_messages(
    conn: sqlite3.Connection, owner: int, after_pts: int, up_to_pts: int | None, limit: int
) -> tuple[MessageRecord, ...]:
    """Messages created after ``after_pts`` (up to ``up_to_pts``), by pts."""
    upper = (1 << 62) if up_to_pts is None else up_to_pts
    found = conn.execute(
        f"{rows.SELECT_MESSAGE} WHERE owner = ? AND pts > ? AND pts <= ? ORDER BY pts LIMIT ?",
        (owner, after_pts, upper, limit),
    )
    return tuple(rows.message(row) for row in found)


def outbox(conn: sqlite3.Connection) -> list[Pending]:
    """Every operation still in the shard's outbox, oldest first."""
    found = conn.execute("SELECT seq, op FROM outbox ORDER BY seq").fetchall()
    return [Pending(seq, decode(op)) for seq, op in found]
