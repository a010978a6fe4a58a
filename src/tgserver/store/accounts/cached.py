"""Write-through in-memory caches in front of the hot account reads.

Sending a message looks up the recipient, both block directions and the users' views
(profiles and contact relations). Against SQLite each lookup is a worker-thread hop, so
:class:`CachedUserStore` and :class:`CachedContactStore` keep bounded LRU copies of:

* accounts by id (:meth:`~CachedUserStore.get_user`, :meth:`~CachedUserStore.get_users`);
* contact relations by (viewer, user) pair (:meth:`~CachedContactStore.relations`);
* blocks by (owner, peer) pair (:meth:`~CachedContactStore.blocked_among`).

Both wrap any backend and implement the same Protocol, so the conformance suite runs against
them too. Every write that goes through a wrapper drops the entries it can affect.

What may change behind the cache's back: ``tgserver users add`` writes to the account file
from another process while a server runs, but it only *creates* accounts. So only accounts
that were found are cached (never a miss: a user created elsewhere is seen on the next
lookup), and an account's fields only change through the server's own :class:`UserStore`.
Contacts and blocks are written only by the server, so both present and absent pairs are
cached. A tool that edits profiles, contacts or blocks in the file while a server runs would
have to go through the server instead (or the server be restarted).

A read that overlaps a write to the same wrapper does not store its result (a generation
counter, bumped before and after each write, tells), so a slow read cannot put back data the
write just replaced.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Hashable, Sequence
from typing import Final, Generic, TypeVar

from tgserver.store.accounts.protocol import ContactStore, UserStore
from tgserver.store.accounts.records import (
    BlockRecord,
    ContactRecord,
    NewUser,
    Relation,
    UserRecord,
)

__all__ = ["CachedContactStore", "CachedUserStore", "DEFAULT_CACHE_SIZE"]

#: Default number of entries each cache keeps.
DEFAULT_CACHE_SIZE: Final = 65536

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Stands for "not cached" where None is a cached value.
_MISSING: Final = object()


class LruCache(Generic[K, V]):
    """A dict bounded to ``size`` entries that forgets the least recently used first (internal)."""

    def __init__(self, size: int) -> None:
        """Keep at most ``size`` entries (at least one)."""
        self._size = max(size, 1)
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, default: object = _MISSING) -> V | object:
        """The value for ``key`` (now the most recently used), or ``default``."""
        try:
            value = self._entries[key]
        except KeyError:
            return default
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key``, evicting the least recently used entry if full."""
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        """Forget ``key`` (if present)."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()


class CachedUserStore:
    """:class:`~tgserver.store.accounts.UserStore` caching found accounts by id.

    Args:
        backend: The store that holds the data.
        size: How many accounts to keep.
    """

    def __init__(self, backend: UserStore, *, size: int = DEFAULT_CACHE_SIZE) -> None:
        self._backend = backend
        self._users: LruCache[int, UserRecord] = LruCache(size)
        self._generation = 0

    @property
    def backend(self) -> UserStore:
        """The wrapped store."""
        return self._backend

    def _invalidate(self, user_id: int) -> None:
        self._generation += 1
        self._users.pop(user_id)

    def _remember(self, generation: int, users: Collection[UserRecord]) -> None:
        if generation == self._generation:
            for user in users:
                self._users.put(user.id, user)

    async def create_user(self, user: NewUser) -> UserRecord:
        """Create an account (the backend's errors propagate)."""
        return await self._backend.create_user(user)

    async def get_user(self, user_id: int) -> UserRecord | None:
        """The account with this id (cached once found), or None."""
        hit = self._users.get(user_id)
        if isinstance(hit, UserRecord):
            return hit
        generation = self._generation
        found = await self._backend.get_user(user_id)
        if found is not None:
            self._remember(generation, [found])
        return found

    async def get_users(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        """The existing accounts among ``user_ids``; the uncached ones in one backend read."""
        result: dict[int, UserRecord] = {}
        missing: list[int] = []
        for user_id in set(user_ids):
            hit = self._users.get(user_id)
            if isinstance(hit, UserRecord):
                result[user_id] = hit
            else:
                missing.append(user_id)
        if missing:
            generation = self._generation
            found = await self._backend.get_users(missing)
            self._remember(generation, found.values())
            result.update(found)
        return result

    async def user_by_phone(self, phone: str) -> UserRecord | None:
        """The account with this phone (not cached), or None."""
        return await self._backend.user_by_phone(phone)

    async def user_by_username(self, username: str) -> UserRecord | None:
        """The account with this username (not cached), or None."""
        return await self._backend.user_by_username(username)

    async def search_usernames(self, prefix: str, limit: int) -> list[UserRecord]:
        """Accounts whose username starts with ``prefix`` (not cached)."""
        return await self._backend.search_usernames(prefix, limit)

    async def list_users(self, after_id: int = 0, limit: int = 100) -> list[UserRecord]:
        """A page of accounts by id (not cached)."""
        return await self._backend.list_users(after_id, limit)

    async def update_profile(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
    ) -> UserRecord | None:
        """Change profile fields, dropping the cached account."""
        self._invalidate(user_id)
        try:
            return await self._backend.update_profile(
                user_id, first_name=first_name, last_name=last_name, about=about
            )
        finally:
            self._invalidate(user_id)

    async def set_username(self, user_id: int, username: str | None) -> UserRecord | None:
        """Set or remove the username, dropping the cached account."""
        self._invalidate(user_id)
        try:
            return await self._backend.set_username(user_id, username)
        finally:
            self._invalidate(user_id)

    async def server_secret(self, candidate: bytes) -> bytes:
        """The backend's server secret."""
        return await self._backend.server_secret(candidate)

    async def aclose(self) -> None:
        """Forget the cache and close the backend."""
        self._users.clear()
        await self._backend.aclose()


class CachedContactStore:
    """:class:`~tgserver.store.accounts.ContactStore` caching relations and blocks by pair.

    Args:
        backend: The store that holds the data.
        size: How many pairs to keep in each of the two caches.
    """

    def __init__(self, backend: ContactStore, *, size: int = DEFAULT_CACHE_SIZE) -> None:
        self._backend = backend
        # (viewer, user) -> their relation, or None when related in neither way.
        self._relations: LruCache[tuple[int, int], Relation | None] = LruCache(size)
        # (owner, peer) -> whether the owner blocked the peer.
        self._blocks: LruCache[tuple[int, int], bool] = LruCache(size)
        self._generation = 0

    @property
    def backend(self) -> ContactStore:
        """The wrapped store."""
        return self._backend

    def _drop_relations(self, pairs: Collection[tuple[int, int]]) -> None:
        self._generation += 1
        for owner_id, user_id in pairs:
            # A contact changes the owner's view of the user and the user's view of the owner.
            self._relations.pop((owner_id, user_id))
            self._relations.pop((user_id, owner_id))

    def _drop_block(self, owner_id: int, peer_id: int) -> None:
        self._generation += 1
        self._blocks.pop((owner_id, peer_id))

    async def add_contacts(self, contacts: Sequence[ContactRecord]) -> None:
        """Add or rename contacts, dropping the affected relations."""
        pairs = [(c.owner_id, c.user_id) for c in contacts]
        self._drop_relations(pairs)
        try:
            await self._backend.add_contacts(contacts)
        finally:
            self._drop_relations(pairs)

    async def delete_contacts(self, owner_id: int, user_ids: Collection[int]) -> list[int]:
        """Remove contacts, dropping the affected relations."""
        pairs = [(owner_id, user_id) for user_id in set(user_ids)]
        self._drop_relations(pairs)
        try:
            return await self._backend.delete_contacts(owner_id, user_ids)
        finally:
            self._drop_relations(pairs)

    async def contacts(self, owner_id: int) -> list[ContactRecord]:
        """The contact list (not cached)."""
        return await self._backend.contacts(owner_id)

    async def count_contacts(self, owner_id: int) -> int:
        """How many contacts (not cached)."""
        return await self._backend.count_contacts(owner_id)

    async def relations(self, viewer_id: int, user_ids: Collection[int]) -> dict[int, Relation]:
        """How the viewer and each user are related; uncached pairs in one backend read."""
        result: dict[int, Relation] = {}
        missing: list[int] = []
        for user_id in set(user_ids):
            hit = self._relations.get((viewer_id, user_id))
            if hit is _MISSING:
                missing.append(user_id)
            elif isinstance(hit, Relation):
                result[user_id] = hit
        if missing:
            generation = self._generation
            found = await self._backend.relations(viewer_id, missing)
            if generation == self._generation:
                for user_id in missing:
                    self._relations.put((viewer_id, user_id), found.get(user_id))
            result.update(found)
        return result

    async def block(self, record: BlockRecord) -> bool:
        """Block a peer, dropping the cached pair."""
        self._drop_block(record.owner_id, record.peer_id)
        try:
            return await self._backend.block(record)
        finally:
            self._drop_block(record.owner_id, record.peer_id)

    async def unblock(self, owner_id: int, peer_id: int) -> bool:
        """Unblock a peer, dropping the cached pair."""
        self._drop_block(owner_id, peer_id)
        try:
            return await self._backend.unblock(owner_id, peer_id)
        finally:
            self._drop_block(owner_id, peer_id)

    async def blocked(self, owner_id: int, offset: int, limit: int) -> list[BlockRecord]:
        """A page of the block list (not cached)."""
        return await self._backend.blocked(owner_id, offset, limit)

    async def count_blocked(self, owner_id: int) -> int:
        """How many peers are blocked (not cached)."""
        return await self._backend.count_blocked(owner_id)

    async def blocked_among(self, owner_id: int, peer_ids: Collection[int]) -> set[int]:
        """Which of ``peer_ids`` the owner blocked; uncached pairs in one backend read."""
        result: set[int] = set()
        missing: list[int] = []
        for peer_id in set(peer_ids):
            hit = self._blocks.get((owner_id, peer_id))
            if hit is _MISSING:
                missing.append(peer_id)
            elif hit is True:
                result.add(peer_id)
        if missing:
            generation = self._generation
            found = await self._backend.blocked_among(owner_id, missing)
            if generation == self._generation:
                for peer_id in missing:
                    self._blocks.put((owner_id, peer_id), peer_id in found)
            result.update(found)
        return result

    async def aclose(self) -> None:
        """Forget the caches and close the backend."""
        self._relations.clear()
        self._blocks.clear()
        await self._backend.aclose()
