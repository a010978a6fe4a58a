"""The four account stores opened together: in memory, or on one SQLite file."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Final, Self

import attrs

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
from tgserver.store.accounts.schema import open_accounts_database
from tgserver.store.accounts.sqlite_contacts import SqliteContactStore
from tgserver.store.accounts.sqlite_logins import SqliteAuthorizationStore, SqliteLoginCodeStore
from tgserver.store.accounts.sqlite_users import SqliteUserStore

__all__ = ["ACCOUNTS_FILE", "AccountStores"]

#: Name of the SQLite account database inside the data directory.
ACCOUNTS_FILE: Final = "accounts.sqlite3"


@attrs.frozen
class AccountStores:
    """The stores the account services need, opened and closed together.

    ``async with await AccountStores.open_sqlite(path) as stores: ...``

    Attributes:
        users: Accounts, usernames, phones.
        authorizations: Auth key -> account.
        codes: Pending login codes.
        contacts: Contact and block lists.
    """

    users: UserStore
    authorizations: AuthorizationStore
    codes: LoginCodeStore
    contacts: ContactStore

    @classmethod
    def memory(cls) -> AccountStores:
        """Fresh in-memory stores (lost with the process)."""
        return cls(
            users=MemoryUserStore(),
            authorizations=MemoryAuthorizationStore(),
            codes=MemoryLoginCodeStore(),
            contacts=MemoryContactStore(),
        )

    @classmethod
    async def open_sqlite(
        cls, path: Path | str, *, cache_size: int = DEFAULT_CACHE_SIZE
    ) -> AccountStores:
        """The stores on one SQLite file (created if needed; WAL, ``synchronous = FULL``).

        Args:
            path: The account database file.
            cache_size: Entries kept by each in-memory cache in front of the hot reads
                (accounts by id, contact relations, blocks; see
                :mod:`tgserver.store.accounts.cached`); 0 reads SQLite every time.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        db = await open_accounts_database(path)
        users: UserStore = SqliteUserStore(db)
        contacts: ContactStore = SqliteContactStore(db)
        if cache_size > 0:
            users = CachedUserStore(users, size=cache_size)
            contacts = CachedContactStore(contacts, size=cache_size)
        return cls(
            users=users,
            authorizations=SqliteAuthorizationStore(db),
            codes=SqliteLoginCodeStore(db),
            contacts=contacts,
        )

    async def aclose(self) -> None:
        """Close every store (closing twice is fine)."""
        await self.users.aclose()
        await self.authorizations.aclose()
        await self.codes.aclose()
        await self.contacts.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
