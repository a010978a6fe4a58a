"""Server-side storage: the auth-key store Protocol and its backends.

:class:`AuthKeyStore` is the narrow interface the gateway uses; :class:`MemoryAuthKeyStore`
(tests, ephemeral servers) and :class:`SqliteAuthKeyStore` (the embedded default, a WAL-mode
SQLite file in the data directory) implement it and pass the same conformance suite.
:class:`SqliteDatabase` is the SQLite machinery (one connection on a worker thread, WAL) that
every embedded store shares; account and contact stores live in :mod:`tgserver.store.accounts`.
"""

from __future__ import annotations

from tgserver.store.base import AuthKeyStore
from tgserver.store.database import BUSY_TIMEOUT_MS, SqliteDatabase
from tgserver.store.groupcommit import GroupCommit
from tgserver.store.memory import MemoryAuthKeyStore
from tgserver.store.records import AuthKeyRecord, ClientInfo
from tgserver.store.sqlite import SCHEMA_VERSION, SqliteAuthKeyStore

__all__ = [
    "AuthKeyRecord",
    "AuthKeyStore",
    "BUSY_TIMEOUT_MS",
    "ClientInfo",
    "GroupCommit",
    "MemoryAuthKeyStore",
    "SCHEMA_VERSION",
    "SqliteAuthKeyStore",
    "SqliteDatabase",
]
