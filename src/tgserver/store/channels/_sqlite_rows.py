"""Row-level helpers of the SQLite channel store (each runs on the store's connection,
inside the caller's transaction)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tgserver.store.channels._sqlite_schema import (
    CHANNEL_COLUMNS,
    MEMBER_COLUMNS,
    MESSAGE_COLUMNS,
    channel_of,
    member_of,
    member_row,
    message_of,
    pack_ids,
)
from tgserver.store.channels.records import (
    ChannelEntry,
    ChannelMessage,
    ChannelRecord,
    MemberRecord,
)

__all__: list[str] = []

# SQLite's default limit on host parameters is 32766; stay far below.
CHUNK = 500


def find_channel(conn: sqlite3.Connection, channel_id: int) -> ChannelRecord | None:
    row = conn.execute(
        f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = ?", (channel_id,)
    ).fetchone()
    return None if row is None else channel_of(row)


def find_member(conn: sqlite3.Connection, channel_id: int, user_id: int) -> MemberRecord | None:
    row = conn.execute(
        f"SELECT {MEMBER_COLUMNS} FROM members WHERE channel_id = ? AND user_id = ?",
        (channel_id, user_id),
    ).fetchone()
    return None if row is None else member_of(row)


def insert_member(conn: sqlite3.Connection, record: MemberRecord) -> None:
    conn.execute(
        f"INSERT OR REPLACE INTO members ({MEMBER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
        member_row(record),
    )


def add_to_count(conn: sqlite3.Connection, channel_id: int, delta: int) -> int:
    if delta:
        conn.execute(
            "UPDATE channels SET participants_count = participants_count + ? WHERE id = ?",
            (delta, channel_id),
        )
    row = conn.execute(
        "SELECT participants_count FROM channels WHERE id = ?", (channel_id,)
    ).fetchone()
    return int(row[0])


def messages_by_id(
    conn: sqlite3.Connection, channel_id: int, ids: Sequence[int]
) -> dict[int, ChannelMessage]:
    found: dict[int, ChannelMessage] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE channel_id = ? AND id IN ({marks})",
            (channel_id, *chunk),
        ):
            found[row[1]] = message_of(row)
    return found


def count_unread(conn: sqlite3.Connection, channel_id: int, user_id: int, after_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM messages WHERE channel_id = ? AND id > ? AND from_id != ?",
        (channel_id, after_id, user_id),
    ).fetchone()
    return int(row[0])


def append_entry(conn: sqlite3.Connection, channel_id: int, entry: ChannelEntry) -> None:
    conn.execute(
        "INSERT INTO log (channel_id, pts, pts_count, kind, date, ids) VALUES (?,?,?,?,?,?)",
        (channel_id, entry.pts, entry.pts_count, int(entry.kind), entry.date, pack_ids(entry.ids)),
    )
    conn.execute(
        "UPDATE channels SET pts = ?, updated = ? WHERE id = ?", (entry.pts, entry.date, channel_id)
    )
