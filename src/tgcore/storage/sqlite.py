"""A session store in an SQLite file, driven from Trio through a worker thread.

aiosqlite resolves asyncio futures and cannot be awaited from Trio, so this module uses the
standard :mod:`sqlite3` module and runs each operation with :func:`trio.to_thread.run_sync`
behind a ``CapacityLimiter(1)``: one operation at a time, the same single-thread model
aiosqlite has, without an event loop of its own.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import trio

from tgcore.errors import StorageError
from tgcore.files import UploadState
from tgcore.storage.session import SessionData

__all__ = ["SqliteSessionStore"]

_T = TypeVar("_T")

_SCHEMA_VERSION = 2
# Version 1 had the session table only; version 2 adds upload states (a file of version 1 is
# upgraded by the first write, which creates the missing table).
# One session row (id = 1): a session file belongs to one client.
_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    dc_id INTEGER NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    auth_key BLOB NOT NULL,
    salt INTEGER NOT NULL,
    time_offset REAL NOT NULL,
    user_id INTEGER
)
""",
    """
CREATE TABLE IF NOT EXISTS upload_state (
    key TEXT PRIMARY KEY,
    state BLOB NOT NULL
)
""",
)
_COLUMNS = "dc_id, host, port, auth_key, salt, time_offset, user_id"


class SqliteSessionStore:
    """Keeps the session and upload states in an SQLite file (WAL mode), created on the first
    write (:meth:`save` or :meth:`put_upload`).

    :meth:`load` of a file that does not exist returns None and creates nothing. Every
    operation opens the file, does its work in one transaction and closes it again, on a
    worker thread (one at a time, per store). Sessions are saved rarely (a new auth key, a
    new salt), so this costs nothing that matters and leaves no connection to close.

    Args:
        path: The file, e.g. ``"me.session"``.
        timeout: Seconds to wait for another process holding a write lock on the file.

    Raises:
        StorageError: from every method, when the file cannot be read or written, is not an
            SQLite database, or was written by a newer schema version.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        self._path = Path(path)
        self._timeout = timeout
        self._limiter = trio.CapacityLimiter(1)

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._path

    async def load(self) -> SessionData | None:
        """The saved session, or None if the file or the session in it does not exist."""
        return await self._run(self._load)

    async def save(self, data: SessionData) -> None:
        """Write ``data`` (durably: committed before this returns), creating the file if needed."""
        await self._run(lambda: self._save(data))

    async def delete(self) -> None:
        """Remove the saved session from the file (the file itself stays)."""
        await self._run(self._delete)

    async def get_upload(self, key: str) -> UploadState | None:
        """The upload state saved under ``key``, or None."""
        return await self._run(lambda: self._get_upload(key))

    async def put_upload(self, key: str, state: UploadState) -> None:
        """Save ``state`` under ``key`` (durably), creating the file if needed."""
        await self._run(lambda: self._put_upload(key, state))

    async def delete_upload(self, key: str) -> None:
        """Forget the upload state under ``key``."""
        await self._run(lambda: self._delete_upload(key))

    async def _run(self, fn: Callable[[], _T]) -> _T:
        try:
            return await trio.to_thread.run_sync(fn, limiter=self._limiter)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"session file {self._path}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            conn.close()
            raise StorageError(
                f"session file {self._path} has schema version {version};"
                f" this tgcore reads up to {_SCHEMA_VERSION}"
            )
        return conn

    def _load(self) -> SessionData | None:
        if not self._path.exists():
            return None
        with closing(self._connect()) as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session'"
            ).fetchone()
            if exists is None:
                return None
            row = conn.execute(f"SELECT {_COLUMNS} FROM session WHERE id = 1").fetchone()
        if row is None:
            return None
        dc_id, host, port, auth_key, salt, time_offset, user_id = row
        try:
            return SessionData(
                dc_id=dc_id,
                host=host,
                port=port,
                auth_key=bytes(auth_key),
                salt=salt,
                time_offset=time_offset,
                user_id=user_id,
            )
        except (TypeError, ValueError) as exc:
            raise StorageError(f"session file {self._path} holds a bad session: {exc}") from exc

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        """Run one write in a transaction, creating or upgrading the schema first."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _save(self, data: SessionData) -> None:
        self._write(
            f"INSERT OR REPLACE INTO session (id, {_COLUMNS}) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
            (
                data.dc_id,
                data.host,
                data.port,
                data.auth_key,
                data.salt,
                data.time_offset,
                data.user_id,
            ),
        )

    def _has_table(self, conn: sqlite3.Connection, name: str) -> bool:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return found is not None

    def _get_upload(self, key: str) -> UploadState | None:
        if not self._path.exists():
            return None
        with closing(self._connect()) as conn:
            if not self._has_table(conn, "upload_state"):
                return None
            row = conn.execute("SELECT state FROM upload_state WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return UploadState.from_bytes(bytes(row[0]))
        except (TypeError, ValueError) as exc:
            raise StorageError(
                f"session file {self._path} holds a bad upload state for {key!r}: {exc}"
            ) from exc

    def _put_upload(self, key: str, state: UploadState) -> None:
        self._write(
            "INSERT OR REPLACE INTO upload_state (key, state) VALUES (?, ?)",
            (key, state.to_bytes()),
        )

    def _delete_upload(self, key: str) -> None:
        if not self._path.exists():
            return
        with closing(self._connect()) as conn:
            if self._has_table(conn, "upload_state"):
                conn.execute("DELETE FROM upload_state WHERE key = ?", (key,))

    def _delete(self) -> None:
        if not self._path.exists():
            return
        with closing(self._connect()) as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session'"
            ).fetchone()
            if exists is not None:
                conn.execute("DELETE FROM session")
