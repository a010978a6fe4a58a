"""The SQLite schema of the channel store and row <-> record conversions."""

from __future__ import annotations

import sqlite3
from array import array
from typing import Any, Final

from tgserver.store.channels.records import (
    ChannelEntry,
    ChannelEntryKind,
    ChannelMessage,
    ChannelRecord,
    MemberRecord,
    MemberRole,
)

__all__: list[str] = []

#: ``PRAGMA user_version`` of this schema.
SCHEMA_VERSION: Final = 2

# Members are paged two ways: "recent" walks (channel, date, user) newest first and skips the
# few inactive rows; admins / kicked / banned are small sets found through (channel, role).
# A member's channels (dialogs, the online index) come from (user, channel). Messages are
# keyed by (channel, id) for history and by (channel, pts) for getChannelDifference.
SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS channels (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT    NOT NULL,
    about              TEXT    NOT NULL,
    megagroup          INTEGER NOT NULL,
    creator_id         INTEGER NOT NULL,
    date               INTEGER NOT NULL,
    username           TEXT,
    pts                INTEGER NOT NULL,
    top_message        INTEGER NOT NULL,
    top_date           INTEGER NOT NULL,
    updated            INTEGER NOT NULL,
    participants_count INTEGER NOT NULL,
    migrated_from_chat_id INTEGER NOT NULL DEFAULT 0,
    migrated_from_max_id  INTEGER NOT NULL DEFAULT 0,
    read_max_id           INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS channels_username
    ON channels (username COLLATE NOCASE) WHERE username IS NOT NULL;
CREATE TABLE IF NOT EXISTS members (
    channel_id        INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    role              INTEGER NOT NULL,
    date              INTEGER NOT NULL,
    inviter_id        INTEGER NOT NULL,
    admin_rights      INTEGER NOT NULL,
    banned_rights     INTEGER NOT NULL,
    until_date        INTEGER NOT NULL,
    rank              TEXT,
    read_inbox_max_id INTEGER NOT NULL,
    PRIMARY KEY (channel_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_recent ON members (channel_id, date, user_id);
CREATE INDEX IF NOT EXISTS members_role ON members (channel_id, role);
CREATE INDEX IF NOT EXISTS members_user ON members (user_id, channel_id);
CREATE TABLE IF NOT EXISTS messages (
    channel_id INTEGER NOT NULL,
    id         INTEGER NOT NULL,
    from_id    INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    entities   BLOB,
    media      BLOB,
    reply_to   INTEGER,
    fwd_from   BLOB,
    action     BLOB,
    post       INTEGER NOT NULL,
    edit_date  INTEGER,
    random_id  INTEGER,
    pts        INTEGER NOT NULL,
    reply_markup BLOB,
    PRIMARY KEY (channel_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_pts ON messages (channel_id, pts);
CREATE UNIQUE INDEX IF NOT EXISTS messages_random
    ON messages (channel_id, from_id, random_id) WHERE random_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS log (
    channel_id INTEGER NOT NULL,
    pts        INTEGER NOT NULL,
    pts_count  INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    ids        BLOB    NOT NULL,
    PRIMARY KEY (channel_id, pts)
) WITHOUT ROWID;
"""

CHANNEL_COLUMNS: Final = (
    "id, title, about, megagroup, creator_id, date, username, pts, top_message, top_date,"
    " updated, participants_count, migrated_from_chat_id, migrated_from_max_id,"
    " read_max_id"
)
MEMBER_COLUMNS: Final = (
    "channel_id, user_id, role, date, inviter_id, admin_rights, banned_rights, until_date,"
    " rank, read_inbox_max_id"
)
MESSAGE_COLUMNS: Final = (
    "channel_id, id, from_id, date, text, entities, media, reply_to, fwd_from, action, post,"
    " edit_date, random_id, pts, reply_markup"
)


def channel_of(row: sqlite3.Row | tuple[Any, ...]) -> ChannelRecord:
    """A ``channels`` row as a record."""
    return ChannelRecord(
        id=row[0],
        title=row[1],
        about=row[2],
        megagroup=bool(row[3]),
        creator_id=row[4],
        date=row[5],
        username=row[6],
        pts=row[7],
        top_message=row[8],
        top_date=row[9],
        updated=row[10],
        participants_count=row[11],
        migrated_from_chat_id=row[12],
        migrated_from_max_id=row[13],
        read_max_id=row[14],
    )


def member_of(row: tuple[Any, ...]) -> MemberRecord:
    """A ``members`` row as a record."""
    return MemberRecord(
        channel_id=row[0],
        user_id=row[1],
        role=MemberRole(row[2]),
        date=row[3],
        inviter_id=row[4],
        admin_rights=row[5],
        banned_rights=row[6],
        until_date=row[7],
        rank=row[8],
        read_inbox_max_id=row[9],
    )


def member_row(m: MemberRecord) -> tuple[Any, ...]:
    """A member record as ``members`` column values."""
    return (
        m.channel_id,
        m.user_id,
        int(m.role),
        m.date,
        m.inviter_id,
        m.admin_rights,
        m.banned_rights,
        m.until_date,
        m.rank,
        m.read_inbox_max_id,
    )


def message_of(row: tuple[Any, ...]) -> ChannelMessage:
    """A ``messages`` row as a record."""
    return ChannelMessage(
        channel_id=row[0],
        id=row[1],
        from_id=row[2],
        date=row[3],
        text=row[4],
        entities=row[5],
        media=row[6],
        reply_to=row[7],
        fwd_from=row[8],
        action=row[9],
        post=bool(row[10]),
        edit_date=row[11],
        random_id=row[12],
        pts=row[13],
        reply_markup=row[14],
    )


def message_row(m: ChannelMessage) -> tuple[Any, ...]:
    """A message record as ``messages`` column values."""
    return (
        m.channel_id,
        m.id,
        m.from_id,
        m.date,
        m.text,
        m.entities,
        m.media,
        m.reply_to,
        m.fwd_from,
        m.action,
        int(m.post),
        m.edit_date,
        m.random_id,
        m.pts,
        m.reply_markup,
    )


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a schema-1 file up to date (``CREATE TABLE IF NOT EXISTS`` leaves its tables as
    they were): schema 2 added ``messages.reply_markup`` (bots' inline keyboards)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
    if "reply_markup" not in columns:
        conn.execute("ALTER TABLE messages ADD COLUMN reply_markup BLOB")


def pack_ids(ids: tuple[int, ...]) -> bytes:
    """Message ids as a blob."""
    return array("q", ids).tobytes()


def entry_of(row: tuple[Any, ...]) -> ChannelEntry:
    """A ``log`` row (pts, pts_count, kind, date, ids) as an entry."""
    ids = array("q")
    ids.frombytes(row[4])
    return ChannelEntry(
        pts=row[0],
        pts_count=row[1],
        kind=ChannelEntryKind(row[2]),
        date=row[3],
        ids=tuple(ids),
    )
