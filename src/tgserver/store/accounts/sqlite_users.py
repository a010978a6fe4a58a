"""Accounts in the SQLite account database."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from tgserver.store.accounts.records import (
    FIRST_USER_ID,
    AccountConflict,
    NewUser,
    UserRecord,
    username_key,
)
from tgserver.store.database import SqliteDatabase

__all__ = ["SqliteUserStore"]

_COLUMNS = "id, phone, first_name, last_name, username, about, created_at, bot"
_SECRET = "server_secret"
# SQLite binds at most 999 variables per statement in old builds; stay well below.
_CHUNK = 500


def _user(row: tuple[Any, ...]) -> UserRecord:
    return UserRecord(
        id=row[0],
        phone=row[1],
        first_name=row[2],
        last_name=row[3],
        username=row[4],
        about=row[5],
        created_at=row[6],
        bot=bool(row[7]),
    )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _conflict(conn: sqlite3.Connection, phone: str | None, key: str | None, user_id: int) -> None:
    """Raise AccountConflict if the phone or username key belongs to another account."""
    if phone is not None:
        row = conn.execute("SELECT id FROM users WHERE phone = ?", (phone,)).fetchone()
        if row is not None and row[0] != user_id:
            raise AccountConflict("phone")
    if key is not None:
        row = conn.execute("SELECT id FROM users WHERE username_key = ?", (key,)).fetchone()
        if row is not None and row[0] != user_id:
            raise AccountConflict("username")


class SqliteUserStore:
    """:class:`~tgserver.store.accounts.UserStore` over an open account database.

    Several stores share one :class:`~tgserver.store.database.SqliteDatabase`; closing any of
    them closes it.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def create_user(self, user: NewUser) -> UserRecord:
        """Create an account with the next free id (AccountConflict if phone/username taken)."""
        key = None if user.username is None else username_key(user.username)

        def create(conn: sqlite3.Connection) -> UserRecord:
            _conflict(conn, user.phone, key, 0)
            last = conn.execute("SELECT MAX(id) FROM users").fetchone()[0]
            user_id = FIRST_USER_ID if last is None else last + 1
            # ``pts`` is a legacy column nothing reads (the message store keeps pts); it is
            # still written because account databases of schema 1 declare it NOT NULL.
            conn.execute(
                "INSERT INTO users (id, phone, first_name, last_name, username, username_key, "
                "about, created_at, pts, bot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                (
                    user_id,
                    user.phone,
                    user.first_name,
                    user.last_name,
                    user.username,
                    key,
                    user.about,
                    user.created_at,
                    int(user.bot),
                ),
            )
            return UserRecord(
                id=user_id,
                phone=user.phone,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                about=user.about,
                created_at=user.created_at,
                bot=user.bot,
            )

        return await self._db.write(create)

    async def get_user(self, user_id: int) -> UserRecord | None:
        """The account with this id, or None."""
        return await self._one(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))

    async def get_users(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        """The existing accounts among ``user_ids``."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}

        def get(conn: sqlite3.Connection) -> dict[int, UserRecord]:
            found: dict[int, UserRecord] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                sql = f"SELECT {_COLUMNS} FROM users WHERE id IN ({marks})"
                for row in conn.execute(sql, chunk):
                    found[row[0]] = _user(row)
            return found

        return await self._db.read(get)

    async def user_by_phone(self, phone: str) -> UserRecord | None:
        """The account with this phone, or None."""
        return await self._one(f"SELECT {_COLUMNS} FROM users WHERE phone = ?", (phone,))

    async def user_by_username(self, username: str) -> UserRecord | None:
        """The account with this username (any case), or None."""
        return await self._one(
            f"SELECT {_COLUMNS} FROM users WHERE username_key = ?", (username_key(username),)
        )

    async def search_usernames(self, prefix: str, limit: int) -> list[UserRecord]:
        """Accounts whose username starts with ``prefix`` (any case), by username."""
        pattern = _like_prefix(username_key(prefix))

        def search(conn: sqlite3.Connection) -> list[UserRecord]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM users WHERE username_key LIKE ? ESCAPE '\\' "
                "ORDER BY username_key LIMIT ?",
                (pattern, max(limit, 0)),
            )
            return [_user(row) for row in rows]

        return await self._db.read(search)

    async def list_users(self, after_id: int = 0, limit: int = 100) -> list[UserRecord]:
        """Accounts with ids above ``after_id``, by id."""

        def page(conn: sqlite3.Connection) -> list[UserRecord]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?",
                (after_id, max(limit, 0)),
            )
            return [_user(row) for row in rows]

        return await self._db.read(page)

    async def update_profile(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
    ) -> UserRecord | None:
        """Change the given profile fields."""

        def update(conn: sqlite3.Connection) -> UserRecord | None:
            conn.execute(
                "UPDATE users SET first_name = COALESCE(?, first_name), "
                "last_name = COALESCE(?, last_name), about = COALESCE(?, about) WHERE id = ?",
                (first_name, last_name, about, user_id),
            )
            row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
            found = row.fetchone()
            return None if found is None else _user(found)

        return await self._db.write(update)

    async def set_username(self, user_id: int, username: str | None) -> UserRecord | None:
        """Set or remove the username (AccountConflict if another account has it)."""
        key = None if username is None else username_key(username)

        def update(conn: sqlite3.Connection) -> UserRecord | None:
            _conflict(conn, None, key, user_id)
            conn.execute(
                "UPDATE users SET username = ?, username_key = ? WHERE id = ?",
                (username, key, user_id),
            )
            found = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
            row = found.fetchone()
            return None if row is None else _user(row)

        return await self._db.write(update)

    async def server_secret(self, candidate: bytes) -> bytes:
        """The stored secret, or ``candidate`` once stored."""

        def secret(conn: sqlite3.Connection) -> bytes:
            conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)", (_SECRET, candidate)
            )
            row = conn.execute("SELECT value FROM meta WHERE name = ?", (_SECRET,)).fetchone()
            return bytes(row[0])

        return await self._db.write(secret)

    async def _one(self, sql: str, args: tuple[Any, ...]) -> UserRecord | None:
        def one(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(sql, args).fetchone()
            return None if row is None else _user(row)

        return await self._db.read(one)

    async def aclose(self) -> None:
        """Close the shared database."""
        await self._db.aclose()
