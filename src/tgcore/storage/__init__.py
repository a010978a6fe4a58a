"""Storage for tgcore clients: narrow Protocols and their embedded implementations.

A :class:`SessionStore` keeps a client's :class:`SessionData` (DC, address, auth key, salt)
between runs: :class:`MemorySessionStore` for tests, :class:`SqliteSessionStore` for a file.
"""

from __future__ import annotations

from tgcore.storage.memory import MemorySessionStore
from tgcore.storage.session import SessionData, SessionStore
from tgcore.storage.sqlite import SqliteSessionStore

__all__ = [
    "MemorySessionStore",
    "SessionData",
    "SessionStore",
    "SqliteSessionStore",
]
