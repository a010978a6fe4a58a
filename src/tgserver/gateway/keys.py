"""The gateway's view of auth keys: an in-memory cache over the :class:`AuthKeyStore`.

The session layer looks keys and salts up synchronously, so every key a connection uses is
loaded into this cache (asynchronously) before its payload is routed.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable

import attrs

from tgcore.crypto import AuthKey
from tgcore.mtproto.handshake import AuthKeyCreated
from tgcore.mtproto.session import SaltProvider, SaltSchedule, ServerSalt
from tgserver.store import AuthKeyRecord, AuthKeyStore, ClientInfo

__all__ = ["KeyRegistry", "KeyState", "TrackedSalts"]

log = logging.getLogger(__name__)


class TrackedSalts:
    """A :class:`SaltSchedule` that notices when it drew salts that are not persisted yet.

    New salts are only drawn when a new time window is first touched or future salts are
    handed out, so watching the window index is enough; :attr:`dirty` then asks the owner to
    save :meth:`snapshot`.
    """

    def __init__(self, schedule: SaltSchedule, now: float) -> None:
        self._schedule = schedule
        self._window = math.floor(now / schedule.period)
        #: Salts were drawn since the last :meth:`snapshot` was saved.
        self.dirty = False

    def _touch(self, now: float) -> None:
        window = math.floor(now / self._schedule.period)
        if window != self._window:
            self._window = window
            self.dirty = True

    def current(self, now: float) -> int:
        """The salt of the window holding ``now``."""
        self._touch(now)
        return self._schedule.current(now)

    def is_valid(self, salt: int, now: float) -> bool:
        """Whether a client message carrying ``salt`` is accepted at ``now``."""
        self._touch(now)
        return self._schedule.is_valid(salt, now)

    def future(self, now: float, count: int) -> list[ServerSalt]:
        """Upcoming salts (get_future_salts); they must survive a restart too."""
        self.dirty = True
        return self._schedule.future(now, count)

    def snapshot(self) -> list[ServerSalt]:
        """Every salt remembered; clears :attr:`dirty`."""
        self.dirty = False
        return self._schedule.snapshot()


@attrs.define(eq=False)
class KeyState:
    """One cached auth key.

    Attributes:
        record: The stored record (client info and layer kept up to date).
        auth_key: The key itself.
        salts: The key's salt schedule.
        sibling: The key_id of the other encoding of the same handshake's key (Telethon's
            255-byte case) until the client used one of them.
        last_used: Unix time of the last message with this key.
    """

    record: AuthKeyRecord
    auth_key: AuthKey
    salts: TrackedSalts
    sibling: int | None = None
    last_used: float = 0.0


class KeyRegistry:
    """Auth keys in use, cached in memory, backed by ``store``.

    Args:
        store: Where keys are persisted.
        rng: Randomness for new salts.
        clock: Unix time.
    """

    def __init__(
        self,
        store: AuthKeyStore,
        *,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._rng = rng
        self._clock = clock
        self._cache: dict[int, KeyState] = {}

    def __len__(self) -> int:
        return len(self._cache)

    @property
    def store(self) -> AuthKeyStore:
        """The backing store."""
        return self._store

    def key_ids(self) -> list[int]:
        """The ids of the cached keys."""
        return list(self._cache)

    def cached(self, key_id: int) -> KeyState | None:
        """The cached state of a key, if loaded."""
        return self._cache.get(key_id)

    def auth_key(self, key_id: int) -> AuthKey | None:
        """The cached key (the session router's lookup)."""
        state = self._cache.get(key_id)
        return None if state is None else state.auth_key

    def salts_for(self, auth_key: AuthKey) -> SaltProvider:
        """The salt provider of a cached key (the session router's lookup)."""
        return self._cache[auth_key.key_id].salts

    def key_id_in_use(self, key_id: int) -> bool:
        """Whether a new key's id collides with a cached key (the handshake asks; a collision
        with a key only in the store is caught when :meth:`register` fails to add it)."""
        return key_id in self._cache

    def _state(self, record: AuthKeyRecord, now: float) -> KeyState:
        schedule = SaltSchedule(self._rng, salts=record.salts)
        return KeyState(record, AuthKey(record.key), TrackedSalts(schedule, now), last_used=now)

    async def load(self, key_id: int) -> KeyState | None:
        """The key from the cache or the store; None if it is unknown."""
        state = self._cache.get(key_id)
        if state is not None:
            return state
        record = await self._store.get(key_id)
        if record is None:
            return None
        now = self._clock()
        if record.expires_at is not None and record.expires_at <= now:
            return None
        # Another connection may have loaded it meanwhile: keep one state (one salt schedule).
        return self._cache.setdefault(key_id, self._state(record, now))

    async def register(self, created: AuthKeyCreated) -> bool:
        """Store every encoding of a new key (before dh_gen_ok reaches the client).

        Returns False when no encoding could be stored (its id is taken in the store).
        """
        now = self._clock()
        schedule = SaltSchedule(self._rng)
        schedule.set_current(created.first_salt, now)
        salts = TrackedSalts(schedule, now)
        snapshot = tuple(salts.snapshot())
        states: list[KeyState] = []
        for key in created.auth_keys:
            record = AuthKeyRecord(
                key_id=key.key_id,
                key=key.key,
                created_at=now,
                is_temp=created.is_temp,
                expires_at=created.expires_at,
                dc_id=created.dc_id,
                salts=snapshot,
            )
            if await self._store.add(record):
                states.append(KeyState(record, key, salts, last_used=now))
            else:
                log.warning("new auth key id %d is already taken; the key is dropped", key.key_id)
        if len(states) == 2:
            states[0].sibling = states[1].auth_key.key_id
            states[1].sibling = states[0].auth_key.key_id
        for state in states:
            self._cache[state.auth_key.key_id] = state
        return bool(states)

    async def used(self, state: KeyState) -> None:
        """A message with this key was accepted: drop the unused encoding, save new salts."""
        state.last_used = self._clock()
        sibling = state.sibling
        if sibling is not None:
            state.sibling = None
            self._cache.pop(sibling, None)
            await self._store.delete(sibling)
        if state.salts.dirty:
            await self._store.set_salts(state.auth_key.key_id, state.salts.snapshot())

    async def remember_client(
        self, key_id: int, client: ClientInfo | None, layer: int | None
    ) -> None:
        """Persist what initConnection/invokeWithLayer announced for a key (if it changed)."""
        state = self._cache.get(key_id)
        if state is not None:
            if state.record.client == client and state.record.layer == layer:
                return
            state.record = attrs.evolve(state.record, client=client, layer=layer)
        await self._store.set_client(key_id, client, layer)

    def evict(self, key_id: int) -> None:
        """Drop a key from the cache (it stays in the store)."""
        self._cache.pop(key_id, None)
