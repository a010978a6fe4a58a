"""Group commit: many small SQLite writes, one transaction, one fsync.

A write is a function run on the writer connection inside a transaction. Writers queue; when no
batch is running, the first one in the queue becomes the leader and runs every queued function
in ONE transaction (each inside its own savepoint, so one failing function rolls back alone),
commits once and wakes the others. Writes arriving meanwhile queue for the next batch, whose
leader is woken by the finishing one. This is the writer-queue scheme of LevelDB and of
database group commit in general: no background task, and a lone writer waits for nobody.
Every caller returns only when the transaction holding its write is committed.

The message-store shards and the media database subclass :class:`GroupCommit`, saying how a
batch reaches the writer thread and what else a batch carries.
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
    """The writer queue of one SQLite connection (subclass and implement :meth:`_execute`).

    Attributes:
        transactions: Batches committed so far.
        writes: Writes those batches carried (``writes / transactions`` is the batching).
    """

    def __init__(self) -> None:
        self._queue: list[_Job] = []
        self._leading = False
        self.transactions = 0
        self.writes = 0

    # -- what subclasses say -------------------------------------------------------------

    async def _execute(self, batch: Callable[[sqlite3.Connection], bool]) -> bool:
        """Run ``batch(writer)`` in the writer's thread and return its result.

        Once started it must not be abandoned on cancel: a batch commits or rolls back whole.
        """
        raise NotImplementedError

    def _storage_error(self, exc: BaseException) -> StorageError:
        """The error a caller sees for a failed statement or commit."""
        return StorageError(str(exc))

    def _batch_started(self) -> None:
        """A batch is about to run (on the Trio thread)."""

    def _prologue(self, conn: sqlite3.Connection) -> None:
        """Statements every batch runs first, inside its transaction (writer thread)."""

    def _batch_ended(self, committed: bool) -> None:
        """The batch committed, or did not (on the Trio thread)."""

    # -- the queue -----------------------------------------------------------------------

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(writer)`` inside a (shared) transaction; return once it is committed.

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
            raise self._storage_error(RuntimeError("write batch aborted"))
        return cast(T, job.result.unwrap())

    def _wake_next(self) -> None:
        if self._queue and not self._leading:
            self._queue[0].wake.set()

    async def _lead(self) -> None:
        self._leading = True
        batch, self._queue = self._queue, []
        for job in batch:
            job.state = _RUNNING
        self._batch_started()
        committed = False
        try:
            committed = await self._execute(lambda conn: self._run_batch(conn, batch))
        except StorageError as exc:
            # The database is closed: nothing of the batch ran.
            for job in batch:
                if job.result is None:
                    job.result = outcome.Error(exc)
                    job.state = _DONE
        finally:
            self._leading = False
            self._batch_ended(committed)
            # Cancelled before the thread started: those writes go back to the queue.
            unstarted = [job for job in batch if job.state == _RUNNING]
            for job in unstarted:
                job.state = _QUEUED
            self._queue[:0] = unstarted
            for job in batch:
                job.wake.set()
            self._wake_next()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> bool:
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._prologue(conn)
            for job in batch:
                conn.execute("SAVEPOINT write")
                try:
                    value = job.fn(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO write")
                    conn.execute("RELEASE write")
                    if isinstance(exc, sqlite3.Error):
                        exc = self._storage_error(exc)
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
                job.result = outcome.Error(self._storage_error(exc))
            return False
        finally:
            for job in batch:
                job.state = _DONE
        self.transactions += 1
        self.writes += len(batch)
        return True
