"""Authorizations (auth key -> account) and login codes in the SQLite account database."""

from __future__ import annotations

import sqlite3
from typing import Any

from tgserver.store.accounts.records import AuthorizationRecord, LoginCode
from tgserver.store.database import SqliteDatabase

__all__ = ["SqliteAuthorizationStore", "SqliteLoginCodeStore"]

_AUTH_COLUMNS = "key_id, user_id, hash, created_at, active_at, ip"
_CODE_COLUMNS = (
    "phone, phone_code_hash, code, auth_key_id, created_at, expires_at, attempts, verified"
)


def _authorization(row: tuple[Any, ...]) -> AuthorizationRecord:
    return AuthorizationRecord(*row)


def _code(row: tuple[Any, ...]) -> LoginCode:
    phone, code_hash, code, key_id, created_at, expires_at, attempts, verified = row
    return LoginCode(
        phone=phone,
        phone_code_hash=code_hash,
        code=code,
        auth_key_id=key_id,
        created_at=created_at,
        expires_at=expires_at,
        attempts=attempts,
        verified=bool(verified),
    )


class SqliteAuthorizationStore:
    """:class:`~tgserver.store.accounts.AuthorizationStore` over an open account database."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def bind(self, record: AuthorizationRecord) -> None:
        """Log a key in (replacing an earlier login of it)."""

        def bind(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO authorizations ({_AUTH_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.key_id,
                    record.user_id,
                    record.hash,
                    record.created_at,
                    record.active_at,
                    record.ip,
                ),
            )

        await self._db.write(bind)

    async def unbind(self, key_id: int) -> AuthorizationRecord | None:
        """Log a key out; the authorization it had."""

        def unbind(conn: sqlite3.Connection) -> AuthorizationRecord | None:
            row = conn.execute(
                f"SELECT {_AUTH_COLUMNS} FROM authorizations WHERE key_id = ?", (key_id,)
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM authorizations WHERE key_id = ?", (key_id,))
            return _authorization(row)

        return await self._db.write(unbind)

    async def user_for_key(self, key_id: int) -> int | None:
        """The account of a key, or None."""

        def get(conn: sqlite3.Connection) -> int | None:
            row = conn.execute(
                "SELECT user_id FROM authorizations WHERE key_id = ?", (key_id,)
            ).fetchone()
            return None if row is None else int(row[0])

        return await self._db.read(get)

    async def authorizations(self, user_id: int) -> list[AuthorizationRecord]:
        """The keys logged in to an account, oldest first."""

        def get(conn: sqlite3.Connection) -> list[AuthorizationRecord]:
            rows = conn.execute(
                f"SELECT {_AUTH_COLUMNS} FROM authorizations WHERE user_id = ? "
                "ORDER BY created_at, key_id",
                (user_id,),
            )
            return [_authorization(row) for row in rows]

        return await self._db.read(get)

    async def aclose(self) -> None:
        """Close the shared database."""
        await self._db.aclose()


class SqliteLoginCodeStore:
    """:class:`~tgserver.store.accounts.LoginCodeStore` over an open account database."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def save_code(self, code: LoginCode) -> None:
        """Store or replace a code."""

        def save(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO login_codes ({_CODE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code.phone,
                    code.phone_code_hash,
                    code.code,
                    code.auth_key_id,
                    code.created_at,
                    code.expires_at,
                    code.attempts,
                    int(code.verified),
                ),
            )

        await self._db.write(save)

    async def get_code(self, phone: str, phone_code_hash: str) -> LoginCode | None:
        """The code, or None."""

        def get(conn: sqlite3.Connection) -> LoginCode | None:
            row = conn.execute(
                f"SELECT {_CODE_COLUMNS} FROM login_codes WHERE phone = ? AND phone_code_hash = ?",
                (phone, phone_code_hash),
            ).fetchone()
            return None if row is None else _code(row)

        return await self._db.read(get)

    async def delete_code(self, phone: str, phone_code_hash: str) -> bool:
        """Forget a code."""

        def delete(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "DELETE FROM login_codes WHERE phone = ? AND phone_code_hash = ?",
                (phone, phone_code_hash),
            )
            return cursor.rowcount > 0

        return await self._db.write(delete)

    async def delete_expired_codes(self, now: float) -> int:
        """Forget expired codes."""

        def delete(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM login_codes WHERE expires_at <= ?", (now,)).rowcount

        return await self._db.write(delete)

    async def aclose(self) -> None:
        """Close the shared database."""
        await self._db.aclose()
