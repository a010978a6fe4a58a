"""One shard of the SQLite message store: its file, a group-committing writer and a reader.

sqlite3 blocks and aiosqlite resolves asyncio futures, which Trio cannot await, so each shard
drives two plain ``sqlite3`` connections through ``trio.to_thread.run_sync``, each behind its
own ``CapacityLimiter(1)`` (at most one worker thread per connection, the model aiosqlite
uses). Reads use the reader connection and never wait for a commit: WAL mode.

Writes are group-committed (:class:`tgserver.store.groupcommit.GroupCommit`): writers queue,
the first one runs every queued write in one transaction and one fsync; a batch also deletes
the outbox rows other shards have applied since the last one.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import trio

from tgcore.errors import StorageError
from tgserver.store.groupcommit import GroupCommit
from tgserver.store.messages._sqlite_schema import (
    Synchronous,
    connect_reader,
    connect_writer,
    shard_path,
)

__all__: list[str] = []

T = TypeVar("T")


def _storage_error(path: Path, exc: BaseException) -> StorageError:
    error = StorageError(f"{path.name}: {exc}")
    error.__cause__ = exc
    return error


class Shard(GroupCommit):
    """A shard file with its writer (group commit) and reader connections."""

    def __init__(
        self, index: int, path: Path, writer: sqlite3.Connection, reader: sqlite3.Connection
    ) -> None:
        super().__init__()
        self.index = index
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_limiter = trio.CapacityLimiter(1)
        self._read_limiter = trio.CapacityLimiter(1)
        self._closed = False
        #: Outbox rows applied at their target, deleted by the next batch of this shard.
        self._confirmed: list[int] = []
        #: The rows the running batch deletes.
        self._deleting: list[int] = []

    # -- writing -------------------------------------------------------------------------

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(writer)`` inside a (shared) transaction; returns once it is committed.

        An exception of ``fn`` rolls back ``fn``'s own statements only and is re-raised here
        (sqlite3 errors as StorageError). A failed commit fails every write of the batch.
        """
        if self._closed:
            raise StorageError(f"{self.path.name}: the message store is closed")
        return await super().write(fn)

    async def _execute(self, batch: Callable[[sqlite3.Connection], bool]) -> bool:
        # Not abandoned on cancel: once started, a batch commits or rolls back whole.
        return await trio.to_thread.run_sync(batch, self._writer, limiter=self._write_limiter)

    def _storage_error(self, exc: BaseException) -> StorageError:
        return _storage_error(self.path, exc)

    def _batch_started(self) -> None:
        self._deleting, self._confirmed = self._confirmed, []

    def _prologue(self, conn: sqlite3.Connection) -> None:
        if self._deleting:
            conn.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in self._deleting])

    def _batch_ended(self, committed: bool) -> None:
        if not committed:
            self._confirmed[:0] = self._deleting
        self._deleting = []

    def confirm(self, seq: int) -> None:
        """Mark an outbox row as applied; the next batch of this shard deletes it.

        Deleting lazily saves a commit per cross-shard operation; a crash before that batch
        only means the (idempotent) operation is applied again on the next open.
        """
        self._confirmed.append(seq)

    def is_confirmed(self, seq: int) -> bool:
        """Whether ``seq`` was applied and only awaits deletion."""
        return seq in self._confirmed

    async def flush(self) -> None:
        """Commit pending outbox deletions now (used before closing)."""
        if self._confirmed:
            await self.write(lambda conn: None)

    # -- reading -------------------------------------------------------------------------

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(reader)`` in one read transaction (a consistent snapshot)."""
        if self._closed:
            raise StorageError(f"{self.path.name}: the message store is closed")
        conn = self._reader

        def call() -> T:
            try:
                conn.execute("BEGIN")
                try:
                    return fn(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.rollback()
                raise _storage_error(self.path, exc) from exc

        return await trio.to_thread.run_sync(call, limiter=self._read_limiter)

    # -- lifetime ------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Flush confirmations and close both connections; closing twice is fine."""
        if self._closed:
            return
        # Shielded: a server shutting down by cancellation still closes its files cleanly.
        with trio.CancelScope(shield=True):
            # On failure the rows stay; the next open applies them again, harmlessly.
            with contextlib.suppress(StorageError):
                await self.flush()
            self._closed = True
            await trio.to_thread.run_sync(self._reader.close, limiter=self._read_limiter)
            await trio.to_thread.run_sync(self._writer.close, limiter=self._write_limiter)


def _open_shard(directory: Path, index: int, count: int, synchronous: Synchronous) -> Shard:
    path = shard_path(directory, index)
    writer = connect_writer(path, index=index, count=count, synchronous=synchronous)
    try:
        reader = connect_reader(path, synchronous=synchronous)
    except BaseException:
        writer.close()
        raise
    return Shard(index, path, writer, reader)


async def open_shards(directory: Path, count: int, synchronous: Synchronous) -> list[Shard]:
    """Open (creating) the ``count`` shard files of a store directory.

    Raises:
        StorageError: a file cannot be opened, holds a newer schema, or belongs to a store
            with another shard count.
    """
    if count < 1:
        raise ValueError(f"shards must be at least 1, got {count}")
    if shard_path(directory, count).exists():
        raise StorageError(
            f"{directory}: holds more than {count} message shards; "
            "changing the shard count needs a migration"
        )
    opened: list[Shard] = []
    try:
        for index in range(count):
            shard = await trio.to_thread.run_sync(_open_shard, directory, index, count, synchronous)
            opened.append(shard)
    except BaseException as exc:
        for shard in opened:
            await shard.aclose()
        if isinstance(exc, sqlite3.Error):
            raise StorageError(f"cannot open the message store in {directory}: {exc}") from exc
        raise
    return opened
