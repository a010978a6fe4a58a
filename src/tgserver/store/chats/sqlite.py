"""The chat store on one SQLite file (``chats.sqlite3`` in the data directory)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from tgserver.store.chats.records import ChatChange, ChatParticipant, ChatRecord, Membership
from tgserver.store.database import SqliteDatabase

__all__ = ["CHATS_FILE", "SqliteChatStore"]

#: Name of the chat database inside the data directory.
CHATS_FILE: Final = "chats.sqlite3"

_SCHEMA_VERSION: Final = 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS chats (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    creator_id  INTEGER NOT NULL,
    date        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    deactivated INTEGER NOT NULL DEFAULT 0,
    migrated_to INTEGER
);
CREATE TABLE IF NOT EXISTS chat_participants (
    chat_id    INTEGER NOT NULL REFERENCES chats (id),
    user_id    INTEGER NOT NULL,
    inviter_id INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    admin      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (chat_id, user_id)
);
CREATE INDEX IF NOT EXISTS chat_participants_user ON chat_participants (user_id);
"""

_CHAT = (
    "SELECT id, title, creator_id, date, version, "
    "(SELECT count(*) FROM chat_participants p WHERE p.chat_id = chats.id), "
    "deactivated, migrated_to FROM chats"
)
# rowid order is joining order: a user who leaves and comes back gets a new row.
_PARTICIPANT = "SELECT chat_id, user_id, inviter_id, date, admin FROM chat_participants"
_CHUNK = 500


def _chat(row: Sequence[Any]) -> ChatRecord:
    return ChatRecord(
        id=row[0],
        title=row[1],
        creator_id=row[2],
        date=row[3],
        version=row[4],
        participants_count=row[5],
        deactivated=bool(row[6]),
        migrated_to=row[7],
    )


def _participant(row: Sequence[Any]) -> ChatParticipant:
    return ChatParticipant(row[0], row[1], row[2], row[3], bool(row[4]))


def _find(conn: sqlite3.Connection, chat_id: int) -> ChatRecord | None:
    row = conn.execute(f"{_CHAT} WHERE id = ?", (chat_id,)).fetchone()
    return None if row is None else _chat(row)


def _open_chat(conn: sqlite3.Connection, chat_id: int) -> ChatRecord | ChatChange:
    chat = _find(conn, chat_id)
    if chat is None:
        return ChatChange(Membership.NO_CHAT)
    if chat.deactivated:
        return ChatChange(Membership.DEACTIVATED, chat)
    return chat


def _bump(conn: sqlite3.Connection, chat_id: int) -> ChatChange:
    conn.execute("UPDATE chats SET version = version + 1 WHERE id = ?", (chat_id,))
    return ChatChange(Membership.DONE, _find(conn, chat_id))


def _member(conn: sqlite3.Connection, chat_id: int, user_id: int) -> ChatParticipant | None:
    row = conn.execute(
        f"{_PARTICIPANT} WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
    ).fetchone()
    return None if row is None else _participant(row)


class SqliteChatStore:
    """A :class:`~tgserver.store.chats.ChatStore` on one SQLite file (WAL, synchronous FULL).

    Open it with ``await SqliteChatStore.open(path)`` (or ``async with`` on the result).
    """

    def __init__(self, db: SqliteDatabase) -> None:
        """Use :meth:`open` instead."""
        self._db = db

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Open (creating) the chat database at ``path``.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        db = await SqliteDatabase.open(
            path, schema=_SCHEMA, version=_SCHEMA_VERSION, what="chat store"
        )
        return cls(db)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def create_chat(
        self, creator_id: int, title: str, members: Sequence[int], *, date: int
    ) -> tuple[ChatRecord, tuple[ChatParticipant, ...]]:
        """Create a chat (see the Protocol)."""
        users = [creator_id, *(u for u in dict.fromkeys(members) if u != creator_id)]

        def create(conn: sqlite3.Connection) -> tuple[ChatRecord, tuple[ChatParticipant, ...]]:
            chat_id = conn.execute(
                "INSERT INTO chats (title, creator_id, date, version) VALUES (?, ?, ?, 1) "
                "RETURNING id",
                (title, creator_id, date),
            ).fetchone()[0]
            conn.executemany(
                "INSERT INTO chat_participants (chat_id, user_id, inviter_id, date, admin) "
                "VALUES (?, ?, ?, ?, ?)",
                [(chat_id, u, creator_id, date, int(u == creator_id)) for u in users],
            )
            chat = _find(conn, chat_id)
            assert chat is not None
            found = conn.execute(f"{_PARTICIPANT} WHERE chat_id = ? ORDER BY rowid", (chat_id,))
            return chat, tuple(_participant(r) for r in found)

        return await self._db.write(create)

    async def get_chat(self, chat_id: int) -> ChatRecord | None:
        """One chat, or None."""
        return await self._db.read(lambda conn: _find(conn, chat_id))

    async def get_chats(self, chat_ids: Sequence[int]) -> tuple[ChatRecord, ...]:
        """The existing chats among ``chat_ids``, in the order asked."""
        wanted = list(dict.fromkeys(chat_ids))

        def load(conn: sqlite3.Connection) -> tuple[ChatRecord, ...]:
            found: dict[int, ChatRecord] = {}
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(f"{_CHAT} WHERE id IN ({marks})", chunk):
                    found[row[0]] = _chat(row)
            return tuple(found[i] for i in wanted if i in found)

        return await self._db.read(load)

    async def get_participants(self, chat_id: int) -> tuple[ChatParticipant, ...]:
        """The participants in joining order."""
        return await self._db.read(
            lambda conn: tuple(
                _participant(r)
                for r in conn.execute(
                    f"{_PARTICIPANT} WHERE chat_id = ? ORDER BY rowid", (chat_id,)
                )
            )
        )

    async def get_participant(self, chat_id: int, user_id: int) -> ChatParticipant | None:
        """One participant, or None."""
        return await self._db.read(lambda conn: _member(conn, chat_id, user_id))

    async def chats_of(self, user_id: int) -> tuple[int, ...]:
        """The chats ``user_id`` is in."""
        return await self._db.read(
            lambda conn: tuple(
                r[0]
                for r in conn.execute(
                    "SELECT chat_id FROM chat_participants WHERE user_id = ? ORDER BY chat_id",
                    (user_id,),
                )
            )
        )

    async def add_participant(
        self, chat_id: int, user_id: int, *, inviter_id: int, date: int, limit: int
    ) -> ChatChange:
        """Add a user (see the Protocol)."""

        def add(conn: sqlite3.Connection) -> ChatChange:
            chat = _open_chat(conn, chat_id)
            if isinstance(chat, ChatChange):
                return chat
            if _member(conn, chat_id, user_id) is not None:
                return ChatChange(Membership.ALREADY_PARTICIPANT, chat)
            if chat.participants_count >= limit:
                return ChatChange(Membership.FULL, chat)
            conn.execute(
                "INSERT INTO chat_participants (chat_id, user_id, inviter_id, date) "
                "VALUES (?, ?, ?, ?)",
                (chat_id, user_id, inviter_id, date),
            )
            return _bump(conn, chat_id)

        return await self._db.write(add)

    async def remove_participant(self, chat_id: int, user_id: int) -> ChatChange:
        """Remove a user (see the Protocol)."""

        def remove(conn: sqlite3.Connection) -> ChatChange:
            chat = _open_chat(conn, chat_id)
            if isinstance(chat, ChatChange):
                return chat
            gone = conn.execute(
                "DELETE FROM chat_participants WHERE chat_id = ? AND user_id = ?",
                (chat_id, user_id),
            ).rowcount
            if not gone:
                return ChatChange(Membership.NOT_PARTICIPANT, chat)
            return _bump(conn, chat_id)

        return await self._db.write(remove)

    async def set_title(self, chat_id: int, title: str) -> ChatChange:
        """Rename the chat (see the Protocol)."""

        def rename(conn: sqlite3.Connection) -> ChatChange:
            chat = _open_chat(conn, chat_id)
            if isinstance(chat, ChatChange):
                return chat
            if chat.title == title:
                return ChatChange(Membership.UNCHANGED, chat)
            conn.execute("UPDATE chats SET title = ? WHERE id = ?", (title, chat_id))
            return _bump(conn, chat_id)

        return await self._db.write(rename)

    async def set_admin(self, chat_id: int, user_id: int, admin: bool) -> ChatChange:
        """Grant or revoke admin rights (see the Protocol)."""

        def change(conn: sqlite3.Connection) -> ChatChange:
            chat = _open_chat(conn, chat_id)
            if isinstance(chat, ChatChange):
                return chat
            member = _member(conn, chat_id, user_id)
            if member is None:
                return ChatChange(Membership.NOT_PARTICIPANT, chat)
            if member.admin == admin or user_id == chat.creator_id:
                return ChatChange(Membership.UNCHANGED, chat)
            conn.execute(
                "UPDATE chat_participants SET admin = ? WHERE chat_id = ? AND user_id = ?",
                (int(admin), chat_id, user_id),
            )
            return _bump(conn, chat_id)

        return await self._db.write(change)

    async def migrate(self, chat_id: int, channel_id: int) -> ChatChange:
        """Deactivate the chat in favour of a supergroup (see the Protocol)."""

        def migrate(conn: sqlite3.Connection) -> ChatChange:
            chat = _open_chat(conn, chat_id)
            if isinstance(chat, ChatChange):
                return chat
            conn.execute(
                "UPDATE chats SET deactivated = 1, migrated_to = ? WHERE id = ?",
                (channel_id, chat_id),
            )
            return _bump(conn, chat_id)

        return await self._db.write(migrate)

    async def aclose(self) -> None:
        """Close the database; later calls raise StorageError. Idempotent."""
        await self._db.aclose()
