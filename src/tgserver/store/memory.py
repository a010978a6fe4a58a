"""An in-memory auth-key store: for tests and for servers that need no persistence."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tgcore.errors import StorageError
from tgcore.mtproto.session import ServerSalt
from tgserver.store.records import AuthKeyRecord, ClientInfo

__all__ = ["MemoryAuthKeyStore"]


class MemoryAuthKeyStore:
    """Keeps :class:`AuthKeyRecord` values in a dict; everything is lost with the process."""

    def __init__(self) -> None:
        self._records: dict[int, AuthKeyRecord] = {}
        self._closed = False

    def _check(self) -> dict[int, AuthKeyRecord]:
        if self._closed:
            raise StorageError("the auth-key store is closed")
        return self._records

    async def add(self, record: AuthKeyRecord) -> bool:
        """Store a new key; False if its key_id is already taken."""
        records = self._check()
        if record.key_id in records:
            return False
        records[record.key_id] = record
        return True

    async def get(self, key_id: int) -> AuthKeyRecord | None:
        """The key with this id, or None."""
        return self._check().get(key_id)

    async def delete(self, key_id: int) -> bool:
        """Forget a key; False if it did not exist."""
        return self._check().pop(key_id, None) is not None

    async def set_client(self, key_id: int, client: ClientInfo | None, layer: int | None) -> bool:
        """Replace the initConnection info and layer of a key."""
        records = self._check()
        record = records.get(key_id)
        if record is None:
            return False
        records[key_id] = attrs.evolve(record, client=client, layer=layer)
        return True

    async def set_salts(self, key_id: int, salts: Sequence[ServerSalt]) -> bool:
        """Replace the salts of a key."""
        records = self._check()
        record = records.get(key_id)
        if record is None:
            return False
        ordered = tuple(sorted(salts, key=lambda s: s.valid_since))
        records[key_id] = attrs.evolve(record, salts=ordered)
        return True

    async def delete_expired(self, now: float) -> int:
        """Delete temporary keys that expired at or before ``now``."""
        records = self._check()
        expired = [
            key_id
            for key_id, record in records.items()
            if record.expires_at is not None and record.expires_at <= now
        ]
        for key_id in expired:
            del records[key_id]
        return len(expired)

    async def count(self) -> int:
        """How many keys are stored."""
        return len(self._check())

    async def aclose(self) -> None:
        """Drop everything; later calls raise StorageError."""
        self._closed = True
        self._records.clear()
