"""Contact lists and block lists in the SQLite account database."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from tgserver.store.accounts.records import BlockRecord, ContactRecord, Relation
from tgserver.store.database import SqliteDatabase

__all__ = ["SqliteContactStore"]

_CONTACT_COLUMNS = "owner_id, user_id, first_name, last_name, added_at"
_CHUNK = 500


def _contact(row: tuple[Any, ...]) -> ContactRecord:
    return ContactRecord(*row)


def _chunks(ids: Collection[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


class SqliteContactStore:
    """:class:`~tgserver.store.accounts.ContactStore` over an open account database."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_contacts(self, contacts: Sequence[ContactRecord]) -> None:
        """Add or rename contacts (a renamed contact keeps its ``added_at``)."""
        rows = [(c.owner_id, c.user_id, c.first_name, c.last_name, c.added_at) for c in contacts]
        if not rows:
            return

        def add(conn: sqlite3.Connection) -> None:
            conn.executemany(
                f"INSERT INTO contacts ({_CONTACT_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (owner_id, user_id) DO UPDATE SET "
                "first_name = excluded.first_name, last_name = excluded.last_name",
                rows,
            )

        await self._db.write(add)

    async def delete_contacts(self, owner_id: int, user_ids: Collection[int]) -> list[int]:
        """Remove contacts; the ids that were there."""
        chunks = _chunks(user_ids)
        if not chunks:
            return []

        def delete(conn: sqlite3.Connection) -> list[int]:
            deleted: list[int] = []
            for chunk in chunks:
                marks = ", ".join("?" * len(chunk))
                where = f"WHERE owner_id = ? AND user_id IN ({marks})"
                rows = conn.execute(f"SELECT user_id FROM contacts {where}", (owner_id, *chunk))
                deleted.extend(row[0] for row in rows.fetchall())
                conn.execute(f"DELETE FROM contacts {where}", (owner_id, *chunk))
            return sorted(deleted)

        return await self._db.write(delete)

    async def contacts(self, owner_id: int) -> list[ContactRecord]:
        """The contact list, by user id."""

        def get(conn: sqlite3.Connection) -> list[ContactRecord]:
            rows = conn.execute(
                f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE owner_id = ? ORDER BY user_id",
                (owner_id,),
            )
            return [_contact(row) for row in rows]

        return await self._db.read(get)

    async def count_contacts(self, owner_id: int) -> int:
        """How many contacts."""
        return await self._count("SELECT COUNT(*) FROM contacts WHERE owner_id = ?", owner_id)

    async def relations(self, viewer_id: int, user_ids: Collection[int]) -> dict[int, Relation]:
        """How the viewer and each user are related (unrelated users left out)."""
        chunks = _chunks(user_ids)

        def get(conn: sqlite3.Connection) -> dict[int, Relation]:
            mine: dict[int, ContactRecord] = {}
            theirs: set[int] = set()
            for chunk in chunks:
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT {_CONTACT_COLUMNS} FROM contacts "
                    f"WHERE owner_id = ? AND user_id IN ({marks})",
                    (viewer_id, *chunk),
                ):
                    mine[row[1]] = _contact(row)
                reverse = (
                    f"SELECT owner_id FROM contacts WHERE user_id = ? AND owner_id IN ({marks})"
                )
                theirs.update(row[0] for row in conn.execute(reverse, (viewer_id, *chunk)))
            return {
                user_id: Relation(contact=mine.get(user_id), reverse=user_id in theirs)
                for user_id in mine.keys() | theirs
            }

        return await self._db.read(get)

    async def block(self, record: BlockRecord) -> bool:
        """Block a peer (False if already blocked)."""

        def block(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO blocked (owner_id, peer_id, date) VALUES (?, ?, ?)",
                (record.owner_id, record.peer_id, record.date),
            )
            return cursor.rowcount > 0

        return await self._db.write(block)

    async def unblock(self, owner_id: int, peer_id: int) -> bool:
        """Unblock a peer (False if it was not blocked)."""

        def unblock(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "DELETE FROM blocked WHERE owner_id = ? AND peer_id = ?", (owner_id, peer_id)
            )
            return cursor.rowcount > 0

        return await self._db.write(unblock)

    async def blocked(self, owner_id: int, offset: int, limit: int) -> list[BlockRecord]:
        """A page of the block list, most recent first."""

        def page(conn: sqlite3.Connection) -> list[BlockRecord]:
            rows = conn.execute(
                "SELECT owner_id, peer_id, date FROM blocked WHERE owner_id = ? "
                "ORDER BY date DESC, peer_id LIMIT ? OFFSET ?",
                (owner_id, max(limit, 0), max(offset, 0)),
            )
            return [BlockRecord(*row) for row in rows]

        return await self._db.read(page)

    async def count_blocked(self, owner_id: int) -> int:
        """How many peers are blocked."""
        return await self._count("SELECT COUNT(*) FROM blocked WHERE owner_id = ?", owner_id)

    async def blocked_among(self, owner_id: int, peer_ids: Collection[int]) -> set[int]:
        """Which of ``peer_ids`` are blocked."""
        chunks = _chunks(peer_ids)

        def get(conn: sqlite3.Connection) -> set[int]:
            found: set[int] = set()
            for chunk in chunks:
                marks = ", ".join("?" * len(chunk))
                found.update(
                    row[0]
                    for row in conn.execute(
                        f"SELECT peer_id FROM blocked WHERE owner_id = ? AND peer_id IN ({marks})",
                        (owner_id, *chunk),
                    )
                )
            return found

        return await self._db.read(get)

    async def _count(self, sql: str, owner_id: int) -> int:
        def count(conn: sqlite3.Connection) -> int:
            return int(conn.execute(sql, (owner_id,)).fetchone()[0])

        return await self._db.read(count)

    async def aclose(self) -> None:
        """Close the shared database."""
        await self._db.aclose()
