"""Group commit for the media database: many small writes, one transaction, one fsync.

Every acknowledged upload part is a row committed with ``synchronous = FULL``: one WAL fsync
per commit. Parts arrive concurrently (several in flight per file, many files), so writes that
queue while a commit is running are committed together by the next one
(:class:`tgserver.store.groupcommit.GroupCommit`, the message store's scheme too).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tgcore.errors import StorageError
from tgserver.store.database import SqliteDatabase
from tgserver.store.groupcommit import GroupCommit as _GroupCommit

__all__ = ["GroupCommit"]


class GroupCommit(_GroupCommit):
    """Batched writes on a :class:`~tgserver.store.database.SqliteDatabase` connection.

    Args:
        db: The database; batches run through its worker (``db.read``), so they never overlap
            its other reads and writes.

    Attributes:
        transactions: Batches committed so far.
        writes: Writes those batches carried (``writes / transactions`` is the batching).
    """

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__()
        self._db = db

    async def _execute(self, batch: Callable[[sqlite3.Connection], bool]) -> bool:
        # Not abandoned on cancel (db.read): once started, a batch commits or rolls back.
        return await self._db.read(batch)

    def _storage_error(self, exc: BaseException) -> StorageError:
        return StorageError(f"media store: {exc}")
