"""The SQLite machinery every embedded store shares: one connection, one worker at a time.

sqlite3 is a blocking library and aiosqlite resolves asyncio futures, which Trio cannot await.
:class:`SqliteDatabase` therefore runs the standard ``sqlite3`` module behind
``trio.to_thread.run_sync`` with a ``CapacityLimiter(1)``: one connection, and at most one
worker thread touching it at any time, every statement in call order. That is the
single-thread model aiosqlite uses, without the asyncio dependency.

The file is in WAL mode with a busy timeout, so another process (``tgserver users add``) can
write to it while a server runs, and readers never wait for writers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Literal, Self, TypeVar

import trio

from tgcore.errors import StorageError

__all__ = ["BUSY_TIMEOUT_MS", "SqliteDatabase"]

#: How long a writer waits for another connection's write lock (milliseconds).
BUSY_TIMEOUT_MS = 5000

T = TypeVar("T")

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


def connect(
    path: str, *, schema: str, version: int, synchronous: Synchronous = "FULL"
) -> sqlite3.Connection:
    """Open ``path`` (blocking): WAL mode, foreign keys, busy timeout, schema created.

    Raises:
        StorageError: the file holds a schema newer than ``version``.
        sqlite3.Error: the file cannot be opened.
    """
    # check_same_thread=False: successive calls may run on different worker threads; the
    # limiter guarantees they never overlap.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > version:
            raise StorageError(f"{path}: schema version {found} is newer than this server")
        conn.executescript(schema)
        conn.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        conn.close()
        raise
    return conn


class SqliteDatabase:
    """One SQLite connection driven from Trio, one statement batch at a time.

    Open it with ``await SqliteDatabase.open(path, schema=..., version=...)``. :meth:`read`
    runs a function on the connection in a worker thread; :meth:`write` does the same inside
    ``BEGIN IMMEDIATE`` ... ``COMMIT``, so a write is durable when it returns (with the
    default ``synchronous = FULL``) and rolled back entirely when it fails.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, *, what: str = "database") -> None:
        """Use :meth:`open` instead; this takes an already configured connection."""
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._what = what
        self._limiter = trio.CapacityLimiter(1)

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        schema: str,
        version: int,
        synchronous: Synchronous = "FULL",
        what: str = "database",
        migrate: Callable[[sqlite3.Connection], object] | None = None,
    ) -> Self:
        """Open (creating if needed) the database file at ``path`` and create ``schema``.

        Args:
            path: The file.
            schema: SQL run on every open (``CREATE ... IF NOT EXISTS`` statements).
            version: The schema version written to ``PRAGMA user_version``; a file with a
                newer one is refused.
            synchronous: SQLite's ``synchronous`` pragma (``FULL``: a committed write
                survives a power cut).
            what: How errors name this database ("the auth-key store").
            migrate: Run once opened, as one :meth:`write`: brings an older file's tables up
                to ``schema`` (``CREATE ... IF NOT EXISTS`` leaves existing tables as they
                were). The database is closed again when it fails.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        path = Path(path)
        try:
            conn = await trio.to_thread.run_sync(
                lambda: connect(str(path), schema=schema, version=version, synchronous=synchronous)
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {path}: {exc}") from exc
        db = cls(conn, path, what=what)
        if migrate is not None:
            try:
                await db.write(migrate)
            except BaseException:
                await db.aclose()
                raise
        return db

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._conn is None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` in a worker thread (statements autocommit).

        Raises:
            StorageError: the database is closed, or SQLite failed (the open transaction,
                if any, is rolled back first).
        """
        conn = self._conn
        if conn is None:
            raise StorageError(f"the {self._what} is closed")

        def call() -> T:
            try:
                return fn(conn)
            except sqlite3.Error as exc:
                # Roll back whatever the failed statement left open, then report.
                if conn.in_transaction:
                    conn.rollback()
                raise StorageError(f"{self._path.name}: {exc}") from exc

        # Not abandoned on cancel: a write either completes or rolls back, never half-way.
        return await trio.to_thread.run_sync(call, limiter=self._limiter)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` inside ``BEGIN IMMEDIATE`` ... ``COMMIT``.

        The transaction is committed when ``fn`` returns and rolled back when it raises
        (anything: an exception of ``fn`` propagates unchanged, sqlite3 errors as
        :class:`StorageError`).
        """

        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return result

        return await self.read(transaction)

    async def aclose(self) -> None:
        """Close the connection; later calls raise StorageError. Closing twice is fine."""
        conn, self._conn = self._conn, None
        if conn is not None:
            # Shielded: a server shutting down by cancellation still closes its database.
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(conn.close, limiter=self._limiter)
