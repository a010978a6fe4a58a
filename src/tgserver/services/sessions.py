"""Which account each auth key is logged in to, cached in front of the store.

The dispatcher asks for every request (``ctx.user_id``), so answers are cached. Logins and
logouts go through :class:`KeyBindings` too, which keeps the cache coherent: a lookup that
raced with a login or a logout does not overwrite the newer answer with what it read before.
Only this process changes bindings; ``tgserver users add`` creates accounts, never logins.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from tgserver.services.presence import Presence
from tgserver.store.accounts import AuthorizationRecord, AuthorizationStore

__all__ = ["KeyBindings"]


class KeyBindings:
    """Auth key -> account, read through an LRU cache.

    Args:
        store: Where bindings persist.
        presence: Told about every request of a logged-in key (last seen, online status).
        clock: Unix time.
        cache_size: Keys cached at most (logged in or not).
    """

    def __init__(
        self,
        store: AuthorizationStore,
        *,
        presence: Presence | None = None,
        clock: Callable[[], float] = time.time,
        cache_size: int = 100_000,
    ) -> None:
        self._store = store
        self._presence = presence
        self._clock = clock
        self._cache: OrderedDict[int, int | None] = OrderedDict()
        self._cache_size = cache_size
        # Bumped by every login/logout; a lookup stores what it read only if none happened.
        self._generation = 0
        self._active: dict[int, float] = {}

    async def user_for_key(self, auth_key_id: int) -> int | None:
        """The account the key is logged in to (None before login); marks it active."""
        user_id = await self.peek_user(auth_key_id)
        if user_id is not None:
            self._active[auth_key_id] = self._clock()
            if self._presence is not None:
                self._presence.touch(user_id)
        return user_id

    async def peek_user(self, auth_key_id: int) -> int | None:
        """The account the key is logged in to, without marking anything active (the
        check before pushing an update: receiving is not activity)."""
        cache = self._cache
        if auth_key_id in cache:
            cache.move_to_end(auth_key_id)
            return cache[auth_key_id]
        generation = self._generation
        user_id = await self._store.user_for_key(auth_key_id)
        if generation == self._generation:
            self._remember(auth_key_id, user_id)
        return user_id

    def last_active(self, auth_key_id: int) -> float | None:
        """Unix time of the key's last request since start-up, if it made one."""
        return self._active.get(auth_key_id)

    async def bind(self, record: AuthorizationRecord) -> None:
        """Log a key in (durably) and update the cache."""
        self._generation += 1
        await self._store.bind(record)
        self._generation += 1
        self._remember(record.key_id, record.user_id)
        self._active[record.key_id] = record.active_at

    async def unbind(self, auth_key_id: int) -> AuthorizationRecord | None:
        """Log a key out (durably); the authorization it had."""
        self._generation += 1
        record = await self._store.unbind(auth_key_id)
        self._generation += 1
        self._remember(auth_key_id, None)
        self._active.pop(auth_key_id, None)
        return record

    async def authorizations(self, user_id: int) -> list[AuthorizationRecord]:
        """The keys logged in to an account, oldest first."""
        return await self._store.authorizations(user_id)

    def _remember(self, auth_key_id: int, user_id: int | None) -> None:
        cache = self._cache
        cache[auth_key_id] = user_id
        cache.move_to_end(auth_key_id)
        while len(cache) > self._cache_size:
            old, _ = cache.popitem(last=False)
            self._active.pop(old, None)
