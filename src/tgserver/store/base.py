"""The narrow interface every auth-key store backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tgcore.mtproto.session import ServerSalt
from tgserver.store.records import AuthKeyRecord, ClientInfo

__all__ = ["AuthKeyStore"]


class AuthKeyStore(Protocol):
    """Where auth keys live between connections and across restarts.

    Every method is async: a backend may do I/O (the SQLite one runs on a worker thread).
    Writes are durable when the call returns. Backends never log key bytes. The shared
    conformance suite (``tests/tgserver/store/test_conformance.py``) pins the behaviour.
    """

    async def add(self, record: AuthKeyRecord) -> bool:
        """Store a new key; False (and nothing changed) if its key_id is already taken."""
        ...

    async def get(self, key_id: int) -> AuthKeyRecord | None:
        """The key with this id, with its client info and salts; None if unknown."""
        ...

    async def delete(self, key_id: int) -> bool:
        """Forget a key and its salts; False if it did not exist."""
        ...

    async def set_client(self, key_id: int, client: ClientInfo | None, layer: int | None) -> bool:
        """Replace the initConnection info and layer of a key; False if the key is unknown."""
        ...

    async def set_salts(self, key_id: int, salts: Sequence[ServerSalt]) -> bool:
        """Replace the salts of a key; False if the key is unknown."""
        ...

    async def delete_expired(self, now: float) -> int:
        """Delete temporary keys whose ``expires_at`` is at or before ``now``; how many."""
        ...

    async def count(self) -> int:
        """How many keys are stored."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; the store is unusable afterwards."""
        ...
