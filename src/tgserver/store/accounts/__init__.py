"""Account storage: users, which auth key is logged in to whom, login codes, contacts.

Four narrow Protocols (:class:`UserStore`, :class:`AuthorizationStore`,
:class:`LoginCodeStore`, :class:`ContactStore`), each with an in-memory backend and an SQLite
one (``accounts.sqlite3`` in the data directory, WAL mode, every write committed before the
call returns). :class:`AccountStores` opens all four together, the SQLite user and contact
stores behind write-through caches (:class:`CachedUserStore`, :class:`CachedContactStore`).
"""

from __future__ import annotations

from tgserver.store.accounts.bundle import ACCOUNTS_FILE, AccountStores
from tgserver.store.accounts.cached import (
    DEFAULT_CACHE_SIZE,
    CachedContactStore,
    CachedUserStore,
)
from tgserver.store.accounts.memory import (
    MemoryAuthorizationStore,
    MemoryContactStore,
    MemoryLoginCodeStore,
    MemoryUserStore,
)
from tgserver.store.accounts.protocol import (
    AuthorizationStore,
    ContactStore,
    LoginCodeStore,
    UserStore,
)
from tgserver.store.accounts.records import (
    FIRST_USER_ID,
    AccountConflict,
    AuthorizationRecord,
    BlockRecord,
    ContactRecord,
    LoginCode,
    NewUser,
    Relation,
    UserRecord,
    username_key,
)
from tgserver.store.accounts.schema import ACCOUNTS_SCHEMA_VERSION, open_accounts_database
from tgserver.store.accounts.sqlite_contacts import SqliteContactStore
from tgserver.store.accounts.sqlite_logins import SqliteAuthorizationStore, SqliteLoginCodeStore
from tgserver.store.accounts.sqlite_users import SqliteUserStore

__all__ = [
    "ACCOUNTS_FILE",
    "ACCOUNTS_SCHEMA_VERSION",
    "AccountConflict",
    "AccountStores",
    "AuthorizationRecord",
    "AuthorizationStore",
    "BlockRecord",
    "CachedContactStore",
    "CachedUserStore",
    "ContactRecord",
    "ContactStore",
    "DEFAULT_CACHE_SIZE",
    "FIRST_USER_ID",
    "LoginCode",
    "LoginCodeStore",
    "MemoryAuthorizationStore",
    "MemoryContactStore",
    "MemoryLoginCodeStore",
    "MemoryUserStore",
    "NewUser",
    "Relation",
    "SqliteAuthorizationStore",
    "SqliteContactStore",
    "SqliteLoginCodeStore",
    "SqliteUserStore",
    "UserRecord",
    "UserStore",
    "open_accounts_database",
    "username_key",
]
