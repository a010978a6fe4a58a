"""Group commit for the media database: many small writes, one transaction, one fsync.

Every acknowledged upload part is a row committed with ``synchronous = FULL``: one WAL fsync
per commit. Parts arrive concurrently (several in flight per file, many files), so writes that
queue while a commit is running are committed together by the next one. The scheme is the
message store's (``tgserver.store.messages._sqlite_shard``): writers queue; when no batch is
running, the first queued writer leads -- it runs every queued function in ONE transaction,
each inside its own savepoint (a failing one rolls back alone), commits once and wakes the
others; writes arriving meanwhile form the next batch. A lone writer waits for nobody. Every
caller returns only when the transaction holding its write is committed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import attrs
import outcome
import trio

from tgcore.errors import StorageError
from tgserver.store.database import SqliteDatabase

__all__ = ["GroupCommit"]

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


class GroupCommit:
    """Batched writes on a :class:`~tgserver.store.database.SqliteDatabase` connection.

    Args:
        db: The database; batches run through its worker (``db.read``), so they never overlap
            its other reads and writes.

    Attributes:
        transactions: Batches committed so far.
        writes: Writes those batches carried (``writes / transactions`` is the batching).
    """

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._queue: list[_Job] = []
        self._leading = False
        self.transactions = 0
        self.writes = 0

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` inside a (shared) transaction; return once it is committed.

        An exception of ``fn`` rolls back ``fn``'s own statements only and is raised here
        (sqlite3 errors as StorageError). A failed commit fails every write of the batch.
        """
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
            raise StorageError("media store: write batch aborted")
        return cast(T, job.result.unwrap())

    def _wake_next(self) -> None:
        if self._queue and not self._leading:
            self._queue[0].wake.set()

    async def _lead(self) -> None:
        self._leading = True
        batch, self._queue = self._queue, []
        for job in batch:
            job.state = _RUNNING
        try:
            # Not abandoned on cancel (db.read): once started, a batch commits or rolls back.
            await self._db.read(lambda conn: self._run_batch(conn, batch))
        except StorageError as exc:
            # The database is closed: nothing of the batch ran.
            for job in batch:
                if job.result is None:
                    job.result = outcome.Error(exc)
                    job.state = _DONE
        finally:
            self._leading = False
            # Cancelled before the thread started: those writes go back to the queue.
            unstarted = [job for job in batch if job.state == _RUNNING]
            for job in unstarted:
                job.state = _QUEUED
            self._queue[:0] = unstarted
            for job in batch:
                job.wake.set()
            self._wake_next()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                conn.execute("SAVEPOINT write")
                try:
                    value = job.fn(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO write")
                    conn.execute("RELEASE write")
                    if isinstance(exc, sqlite3.Error):
                        exc = StorageError(f"media store: {exc}")
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
                job.result = outcome.Error(StorageError(f"media store: {exc}"))
            return
        finally:
            for job in batch:
                job.state = _DONE
        self.transactions += 1
        self.writes += len(batch)
