"""One shard of the SQLite message store: its file, a group-committing writer and a reader.

sqlite3 blocks and aiosqlite resolves asyncio futures, which Trio cannot await, so each shard
drives two plain ``sqlite3`` connections through ``trio.to_thread.run_sync``, each behind its
own ``CapacityLimiter(1)`` (at most one worker thread per connection, the model aiosqlite
uses). Reads use the reader connection and never wait for a commit: WAL mode.

Group commit. A write is a function run on the writer connection inside a transaction. Writers
queue; when no batch is running, the first one in the queue becomes the leader and runs every
queued function in ONE transaction (each inside its own savepoint, so one failing function
rolls back alone), commits once -- one fsync for the whole batch -- and wakes the others. Writes
arriving meanwhile queue for the next batch, whose leader is woken by the finishing one. This
is the writer-queue scheme of LevelDB and of database group commit in general; it needs no
background task, and a lone writer pays no wait at all.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import attrs
import outcome
import trio

from tgcore.errors import StorageError
from tgserver.store.messages._sqlite_schema import (
    Synchronous,
    connect_reader,
    connect_writer,
    shard_path,
)

__all__: list[str] = []

T = TypeVar("T")

_QUEUED: Final = 0
_RUNNING: Final = 1
_DONE: Final = 2


@attrs.define(eq=False)
class _Job:
    fn: Callable[[sqlite3.Connection], Any]
    wake: trio.Event = attrs.Factory(trio.Event)
    state: int = _QUEUED
    result: outcome.Outcome[Any] | None = None


def _storage_error(path: Path, exc: BaseException) -> StorageError:
    error = StorageError(f"{path.name}: {exc}")
    error.__cause__ = exc
    return error


class Shard:
    """A shard file with its writer (group commit) and reader connections."""

    def __init__(
        self, index: int, path: Path, writer: sqlite3.Connection, reader: sqlite3.Connection
    ) -> None:
        self.index = index
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_limiter = trio.CapacityLimiter(1)
        self._read_limiter = trio.CapacityLimiter(1)
        self._queue: list[_Job] = []
        self._leading = False
        self._closed = False
        #: Outbox rows applied at their target, deleted by the next batch of this shard.
        self._confirmed: list[int] = []
        #: Committed transactions and the writes they carried (for benchmarks).
        self.transactions = 0
        self.writes = 0

    # -- writing -------------------------------------------------------------------------

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(writer)`` inside a (shared) transaction; returns once it is committed.

        An exception of ``fn`` rolls back ``fn``'s own statements only and is re-raised here
        (sqlite3 errors as StorageError). A failed commit fails every write of the batch.
        """
        if self._closed:
            raise StorageError(f"{self.path.name}: the message store is closed")
        job = _Job(fn)
        self._queue.append(job)
        try:
            while job.state != _DONE:
                if self._leading:
                    await job.wake.wait()
                    job.wake = trio.Event()
                else:
                    await self._lead()
        except BaseException:
            if job.state == _QUEUED:
                # Never ran: drop it, and pass the lead on in case it was ours to take.
                self._queue.remove(job)
                self._wake_next()
            raise
        if job.result is None:  # pragma: no cover - the worker thread died mid-batch
            raise StorageError(f"{self.path.name}: write batch aborted")
        return cast(T, job.result.unwrap())

    def _wake_next(self) -> None:
        if self._queue and not self._leading:
            self._queue[0].wake.set()

    async def _lead(self) -> None:
        self._leading = True
        batch, self._queue = self._queue, []
        confirmed, self._confirmed = self._confirmed, []
        for job in batch:
            job.state = _RUNNING
        committed = False
        try:
            # Not abandoned on cancel: once started, a batch commits or rolls back whole.
            committed = await trio.to_thread.run_sync(
                self._run_batch, batch, confirmed, limiter=self._write_limiter
            )
        finally:
            self._leading = False
            if not committed:
                self._confirmed[:0] = confirmed
            # Cancelled before the thread started: those writes go back to the queue.
            unstarted = [job for job in batch if job.state == _RUNNING]
            for job in unstarted:
                job.state = _QUEUED
            self._queue[:0] = unstarted
            for job in batch:
                job.wake.set()
            self._wake_next()

    def _run_batch(self, batch: list[_Job], confirmed: list[int]) -> bool:
        conn = self._writer
        try:
            conn.execute("BEGIN IMMEDIATE")
            if confirmed:
                conn.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in confirmed])
            for job in batch:
                conn.execute("SAVEPOINT write")
                try:
                    value = job.fn(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO write")
                    conn.execute("RELEASE write")
                    if isinstance(exc, sqlite3.Error):
                        exc = _storage_error(self.path, exc)
                    job.result = outcome.Error(exc)
                else:
                    conn.execute("RELEASE write")
                    job.result = outcome.Value(value)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # the connection may be gone
                    conn.rollback()
            for job in batch:
                job.result = outcome.Error(_storage_error(self.path, exc))
            return False
        finally:
            for job in batch:
                job.state = _DONE
        self.transactions += 1
        self.writes += len(batch)
        return True

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
