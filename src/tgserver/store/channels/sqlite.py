"""The SQLite channel store: one WAL-mode file driven through :class:`SqliteDatabase`.

Every write is one ``BEGIN IMMEDIATE`` ... ``COMMIT`` (durable when the call returns). A post
inserts the message row and updates the channel row (pts, top message): two rows, whatever
the number of members. :attr:`SqliteChannelStore.rows_written` counts the rows SQLite changed
(``sqlite3.Connection.total_changes``), which the benchmark reports per post.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import Final, Self, TypeVar

import attrs

from tgserver.store._history import history_windows, unique_ids
from tgserver.store.channels._common import (
    FILTER_ROLES,
    after_post,
    creator_row,
    delete_entry,
    edit_entry,
    edited_ids,
    edited_message,
    merge_difference,
    next_message,
    page_limit,
)
from tgserver.store.channels._sqlite_rows import (
    CHUNK,
    add_to_count,
    append_entry,
    count_unread,
    find_channel,
    find_member,
    insert_member,
    messages_by_id,
)
from tgserver.store.channels._sqlite_schema import (
    CHANNEL_COLUMNS,
    MEMBER_COLUMNS,
    MESSAGE_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    channel_of,
    entry_of,
    member_of,
    message_of,
    message_row,
    migrate,
)
from tgserver.store.channels.protocol import DEFAULT_HISTORY_LIMIT
from tgserver.store.channels.records import (
    INITIAL_CHANNEL_PTS,
    AddMembersResult,
    ChannelDiff,
    ChannelMessage,
    ChannelRecord,
    DeleteChannelResult,
    EditChannelResult,
    MemberChange,
    MemberFilter,
    MemberRecord,
    MemberRole,
    MembersPage,
    NewChannel,
    NewChannelMessage,
    PostResult,
    ReadChannelResult,
)
from tgserver.store.database import SqliteDatabase, Synchronous

__all__ = ["CHANNELS_FILE", "SqliteChannelStore"]

#: The channel store's file name inside a server's data directory.
CHANNELS_FILE: Final = "channels.sqlite3"

T = TypeVar("T")
_ACTIVE = tuple(int(r) for r in FILTER_ROLES[MemberFilter.RECENT])
_ACTIVE_SQL = f"({', '.join(str(r) for r in _ACTIVE)})"


class SqliteChannelStore:
    """A :class:`~tgserver.store.channels.ChannelStore` in one SQLite file.

    Open it with ``await SqliteChannelStore.open(path)``.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        """Use :meth:`open` instead."""
        self._db = db
        self._rows = 0

    @classmethod
    async def open(cls, path: Path | str, *, synchronous: Synchronous = "FULL") -> Self:
        """Open (creating if needed) the channel store file at ``path``.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        db = await SqliteDatabase.open(
            path,
            schema=SCHEMA,
            version=SCHEMA_VERSION,
            synchronous=synchronous,
            what="channel store",
            migrate=migrate,
        )
        return cls(db)

    @property
    def rows_written(self) -> int:
        """Rows SQLite inserted, updated or deleted through this store so far."""
        return self._rows

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def counted(conn: sqlite3.Connection) -> T:
            before = conn.total_changes
            try:
                return fn(conn)
            finally:
                self._rows += conn.total_changes - before

        return await self._db.write(counted)

    # -- channels --------------------------------------------------------------------------------

    async def create_channel(self, new: NewChannel) -> ChannelRecord:
        """Create a channel whose creator is its member."""

        def create(conn: sqlite3.Connection) -> ChannelRecord:
            cursor = conn.execute(
                "INSERT INTO channels (title, about, megagroup, creator_id, date, username, pts,"
                " top_message, top_date, updated, participants_count, migrated_from_chat_id,"
                " migrated_from_max_id) VALUES (?, ?, ?, ?, ?, NULL, ?, 0, 0, ?, 1, ?, ?)",
                (
                    new.title,
                    new.about,
                    int(new.megagroup),
                    new.creator_id,
                    new.date,
                    INITIAL_CHANNEL_PTS,
                    new.date,
                    new.migrated_from_chat_id,
                    new.migrated_from_max_id,
                ),
            )
            channel_id = int(cursor.lastrowid or 0)
            insert_member(conn, creator_row(channel_id, new))
            channel = find_channel(conn, channel_id)
            assert channel is not None
            return channel

        return await self._write(create)

    async def get_channel(self, channel_id: int) -> ChannelRecord | None:
        """The channel, or None."""
        return await self._db.read(lambda conn: find_channel(conn, channel_id))

    async def get_channels(self, channel_ids: Collection[int]) -> dict[int, ChannelRecord]:
        """The channels that exist among ``channel_ids``."""
        ids = unique_ids(channel_ids)

        def read(conn: sqlite3.Connection) -> dict[int, ChannelRecord]:
            found: dict[int, ChannelRecord] = {}
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE id IN ({marks})", chunk
                ):
                    found[row[0]] = channel_of(row)
            return found

        return await self._db.read(read)

    async def channel_by_username(self, username: str) -> ChannelRecord | None:
        """The channel with this username (case-insensitive)."""

        def read(conn: sqlite3.Connection) -> ChannelRecord | None:
            row = conn.execute(
                f"SELECT {CHANNEL_COLUMNS} FROM channels"
                " WHERE username = ? COLLATE NOCASE AND username IS NOT NULL",
                (username,),
            ).fetchone()
            return None if row is None else channel_of(row)

        return await self._db.read(read)

    async def set_username(self, channel_id: int, username: str | None) -> bool:
        """Set or remove the username; False when another channel has it."""

        def write(conn: sqlite3.Connection) -> bool:
            try:
                cursor = conn.execute(
                    "UPDATE channels SET username = ? WHERE id = ?", (username, channel_id)
                )
            except sqlite3.IntegrityError:
                return False
            return cursor.rowcount > 0

        return await self._write(write)

    async def set_title(self, channel_id: int, title: str) -> ChannelRecord | None:
        """Change the title."""

        def write(conn: sqlite3.Connection) -> ChannelRecord | None:
            conn.execute("UPDATE channels SET title = ? WHERE id = ?", (title, channel_id))
            return find_channel(conn, channel_id)

        return await self._write(write)

    # -- members ---------------------------------------------------------------------------------

    async def get_member(self, channel_id: int, user_id: int) -> MemberRecord | None:
        """The user's row, or None."""
        return await self._db.read(lambda conn: find_member(conn, channel_id, user_id))

    async def members_among(
        self, channel_id: int, user_ids: Collection[int]
    ) -> dict[int, MemberRecord]:
        """The rows of these users."""
        ids = unique_ids(user_ids)

        def read(conn: sqlite3.Connection) -> dict[int, MemberRecord]:
            found: dict[int, MemberRecord] = {}
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT {MEMBER_COLUMNS} FROM members"
                    f" WHERE channel_id = ? AND user_id IN ({marks})",
                    (channel_id, *chunk),
                ):
                    found[row[1]] = member_of(row)
            return found

        return await self._db.read(read)

    async def put_member(
        self, record: MemberRecord, *, max_members: int | None = None
    ) -> MemberChange | None:
        """Insert or replace the user's row (its read pointer is kept)."""

        def write(conn: sqlite3.Connection) -> MemberChange | None:
            channel = find_channel(conn, record.channel_id)
            if channel is None:
                raise KeyError(record.channel_id)
            before = find_member(conn, record.channel_id, record.user_id)
            was = before is not None and before.active
            delta = int(record.active) - int(was)
            if (
                delta > 0
                and max_members is not None
                and channel.participants_count + delta > max_members
            ):
                return None
            after = record
            if before is not None:
                after = attrs.evolve(record, read_inbox_max_id=before.read_inbox_max_id)
            insert_member(conn, after)
            return MemberChange(before, after, add_to_count(conn, record.channel_id, delta))

        return await self._write(write)

    async def add_members(
        self,
        channel_id: int,
        user_ids: Sequence[int],
        *,
        inviter_id: int,
        date: int,
        max_members: int | None = None,
    ) -> AddMembersResult:
        """Make these users members in bulk, all or nothing against ``max_members``."""
        ids = unique_ids(user_ids)

        def write(conn: sqlite3.Connection) -> AddMembersResult:
            channel = find_channel(conn, channel_id)
            if channel is None:
                raise KeyError(channel_id)
            existing: dict[int, tuple[int, int]] = {}
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                for user_id, role, read_max in conn.execute(
                    "SELECT user_id, role, read_inbox_max_id FROM members"
                    f" WHERE channel_id = ? AND user_id IN ({marks})",
                    (channel_id, *chunk),
                ):
                    existing[user_id] = (role, read_max)
            new = [u for u in ids if u not in existing or existing[u][0] not in _ACTIVE]
            count = channel.participants_count
            if max_members is not None and count + len(new) > max_members:
                return AddMembersResult((), count, too_many=True)
            conn.executemany(
                f"INSERT OR REPLACE INTO members ({MEMBER_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, 0, 0, 0, NULL, ?)",
                [
                    (
                        channel_id,
                        u,
                        int(MemberRole.MEMBER),
                        date,
                        inviter_id,
                        existing.get(u, (0, 0))[1],
                    )
                    for u in new
                ],
            )
            return AddMembersResult(tuple(new), add_to_count(conn, channel_id, len(new)))

        return await self._write(write)

    async def members(
        self, channel_id: int, filter: MemberFilter, *, offset: int = 0, limit: int = 100
    ) -> MembersPage:
        """A page of the members matching ``filter``, newest row first."""
        roles = tuple(int(r) for r in FILTER_ROLES[filter])
        marks = ",".join("?" * len(roles))

        def read(conn: sqlite3.Connection) -> MembersPage:
            rows = conn.execute(
                f"SELECT {MEMBER_COLUMNS} FROM members"
                f" WHERE channel_id = ? AND role IN ({marks})"
                " ORDER BY date DESC, user_id DESC LIMIT ? OFFSET ?",
                (channel_id, *roles, max(0, limit), max(0, offset)),
            ).fetchall()
            if filter == MemberFilter.RECENT:
                channel = find_channel(conn, channel_id)
                count = 0 if channel is None else channel.participants_count
            else:
                count = conn.execute(
                    f"SELECT count(*) FROM members WHERE channel_id = ? AND role IN ({marks})",
                    (channel_id, *roles),
                ).fetchone()[0]
            return MembersPage(tuple(member_of(r) for r in rows), int(count))

        return await self._db.read(read)

    async def memberships(self, user_id: int) -> list[MemberRecord]:
        """The user's active rows."""

        def read(conn: sqlite3.Connection) -> list[MemberRecord]:
            rows = conn.execute(
                f"SELECT {MEMBER_COLUMNS} FROM members"
                f" WHERE user_id = ? AND role IN {_ACTIVE_SQL} ORDER BY channel_id",
                (user_id,),
            )
            return [member_of(r) for r in rows]

        return await self._db.read(read)

    # -- messages --------------------------------------------------------------------------------

    async def post_message(self, new: NewChannelMessage) -> PostResult:
        """Store a message with the next id and pts: two rows."""

        def write(conn: sqlite3.Connection) -> PostResult:
            channel = find_channel(conn, new.channel_id)
            if channel is None:
                raise KeyError(new.channel_id)
            if new.random_id is not None:
                row = conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages"
                    " WHERE channel_id = ? AND from_id = ? AND random_id = ?",
                    (new.channel_id, new.from_id, new.random_id),
                ).fetchone()
                if row is not None:
                    return PostResult(message_of(row), channel, duplicate=True)
            message = next_message(channel, new)
            conn.execute(
                f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                message_row(message),
            )
            conn.execute(
                "UPDATE channels SET pts = ?, top_message = ?, top_date = ?, updated = ?"
                " WHERE id = ?",
                (message.pts, message.id, message.date, message.date, channel.id),
            )
            return PostResult(message, after_post(channel, message))

        return await self._write(write)

    async def edit_message(
        self,
        channel_id: int,
        message_id: int,
        *,
        text: str,
        entities: bytes | None,
        edit_date: int,
        reply_markup: bytes | EllipsisType | None = ...,
    ) -> EditChannelResult | None:
        """Replace a message's text (and its ``reply_markup``, unless ``...``: kept)."""

        def write(conn: sqlite3.Connection) -> EditChannelResult | None:
            current = messages_by_id(conn, channel_id, [message_id]).get(message_id)
            channel = find_channel(conn, channel_id)
            if current is None or channel is None:
                return None
            edited = edited_message(
                current,
                text=text,
                entities=entities,
                edit_date=edit_date,
                reply_markup=reply_markup,
            )
            conn.execute(
                "UPDATE messages SET text = ?, entities = ?, edit_date = ?, reply_markup = ?"
                " WHERE channel_id = ? AND id = ?",
                (text, entities, edit_date, edited.reply_markup, channel_id, message_id),
            )
            entry = edit_entry(channel, message_id, edit_date)
            append_entry(conn, channel_id, entry)
            return EditChannelResult(edited, entry)

        return await self._write(write)

    async def delete_messages(
        self, channel_id: int, message_ids: Sequence[int], *, date: int
    ) -> DeleteChannelResult:
        """Delete these messages for everyone."""
        ids = unique_ids(message_ids)

        def write(conn: sqlite3.Connection) -> DeleteChannelResult:
            channel = find_channel(conn, channel_id)
            if channel is None:
                return DeleteChannelResult(0, None)
            found = messages_by_id(conn, channel_id, ids)
            gone = tuple(i for i in ids if i in found)
            if not gone:
                return DeleteChannelResult(channel.pts, None)
            conn.executemany(
                "DELETE FROM messages WHERE channel_id = ? AND id = ?",
                [(channel_id, i) for i in gone],
            )
            entry = delete_entry(channel, gone, date)
            append_entry(conn, channel_id, entry)
            return DeleteChannelResult(entry.pts, entry)

        return await self._write(write)

    async def get_messages(
        self, channel_id: int, message_ids: Sequence[int]
    ) -> tuple[ChannelMessage, ...]:
        """The messages that exist among ``message_ids``, in the asked order."""
        found = await self._db.read(lambda conn: messages_by_id(conn, channel_id, message_ids))
        return tuple(found[i] for i in message_ids if i in found)

    async def history(
        self,
        channel_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = DEFAULT_HISTORY_LIMIT,
        max_id: int = 0,
        min_id: int = 0,
    ) -> tuple[tuple[ChannelMessage, ...], int]:
        """A page of the history, newest first."""
        bounds = "channel_id = ? AND id > ? AND id < ?"
        upper = max_id if max_id > 0 else 1 << 62
        args: tuple[int, ...] = (channel_id, max(0, min_id), upper)
        if offset_id:
            older_sql, newer_sql, split = "id < ?", "id >= ?", offset_id
        elif offset_date:
            older_sql, newer_sql, split = "date < ?", "date >= ?", offset_date
        else:
            older_sql, newer_sql, split = "1", "0", 0
        newer_window, older_window = history_windows(add_offset, page_limit(limit))

        def read(conn: sqlite3.Connection) -> tuple[tuple[ChannelMessage, ...], int]:
            page: list[ChannelMessage] = []
            if newer_window is not None and newer_sql != "0":
                rows = conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {bounds} AND {newer_sql}"
                    " ORDER BY id ASC LIMIT ? OFFSET ?",
                    (*args, split, newer_window.count, newer_window.offset),
                ).fetchall()
                page.extend(message_of(r) for r in reversed(rows))
            if older_window is not None:
                extra = (split,) if older_sql != "1" else ()
                rows = conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {bounds} AND {older_sql}"
                    " ORDER BY id DESC LIMIT ? OFFSET ?",
                    (*args, *extra, older_window.count, older_window.offset),
                ).fetchall()
                page.extend(message_of(r) for r in rows)
            count = conn.execute(f"SELECT count(*) FROM messages WHERE {bounds}", args).fetchone()
            return tuple(page), int(count[0])

        return await self._db.read(read)

    async def read_history(
        self, channel_id: int, user_id: int, max_id: int
    ) -> ReadChannelResult | None:
        """Move the member's read pointer up."""

        def write(conn: sqlite3.Connection) -> ReadChannelResult | None:
            member = find_member(conn, channel_id, user_id)
            channel = find_channel(conn, channel_id)
            if member is None or channel is None:
                return None
            top = channel.top_message
            target = min(top, max_id) if max_id > 0 else top
            previous = member.read_inbox_max_id
            changed = target > previous
            if changed:
                conn.execute(
                    "UPDATE members SET read_inbox_max_id = ? WHERE channel_id = ? AND user_id = ?",
                    (target, channel_id, user_id),
                )
                conn.execute(
                    "UPDATE channels SET read_max_id = ? WHERE id = ? AND read_max_id < ?",
                    (target, channel_id, target),
                )
            now = max(target, previous)
            return ReadChannelResult(
                changed, now, previous, count_unread(conn, channel_id, user_id, now)
            )

        return await self._write(write)

    async def unread_count(self, channel_id: int, user_id: int, after_id: int) -> int:
        """Messages of others above ``after_id``."""
        return await self._db.read(lambda conn: count_unread(conn, channel_id, user_id, after_id))

    async def difference(self, channel_id: int, pts: int, *, limit: int) -> ChannelDiff | None:
        """New messages, edits and deletions after ``pts``."""
        limit = max(1, limit)

        def read(conn: sqlite3.Connection) -> ChannelDiff | None:
            channel = find_channel(conn, channel_id)
            if channel is None:
                return None
            messages = [
                message_of(r)
                for r in conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE channel_id = ? AND pts > ?"
                    " ORDER BY pts LIMIT ?",
                    (channel_id, pts, limit),
                )
            ]
            entries = [
                entry_of(r)
                for r in conn.execute(
                    "SELECT pts, pts_count, kind, date, ids FROM log"
                    " WHERE channel_id = ? AND pts > ? ORDER BY pts LIMIT ?",
                    (channel_id, pts, limit),
                )
            ]
            kept, logged, end = merge_difference(channel, pts, messages, entries, limit)
            edited = messages_by_id(conn, channel_id, edited_ids(logged))
            return ChannelDiff(channel, kept, logged, edited, end, end >= channel.pts)

        return await self._db.read(read)

    async def aclose(self) -> None:
        """Close the file (idempotent)."""
        await self._db.aclose()
