"""An account's logged-in sessions: list them, end one, end all others.

A session here is an auth key logged in to the account; what the client told in
``initConnection`` (device, system, app version) comes from the auth-key store, where the
gateway keeps it.
"""

from __future__ import annotations

from tgserver.services.errors import HASH_INVALID, bad_request
from tgserver.services.sessions import KeyBindings
from tgserver.services.views import AuthorizationView
from tgserver.store import AuthKeyStore
from tgserver.store.accounts import AuthorizationRecord

__all__ = ["AuthorizationsService"]


class AuthorizationsService:
    """``account.getAuthorizations`` / ``resetAuthorization`` and ``auth.resetAuthorizations``.

    Args:
        bindings: Auth key -> account.
        auth_keys: The gateway's key store (client info); None: sessions show no device.
    """

    def __init__(self, bindings: KeyBindings, auth_keys: AuthKeyStore | None = None) -> None:
        self._bindings = bindings
        self._auth_keys = auth_keys

    async def _view(self, record: AuthorizationRecord, current_key: int) -> AuthorizationView:
        stored = None if self._auth_keys is None else await self._auth_keys.get(record.key_id)
        client = None if stored is None else stored.client
        active = max(record.active_at, self._bindings.last_active(record.key_id) or 0.0)
        current = record.key_id == current_key
        return AuthorizationView(
            hash=0 if current else record.hash,
            current=current,
            api_id=client.api_id if client else 0,
            device_model=client.device_model if client else "",
            system_version=client.system_version if client else "",
            app_version=client.app_version if client else "",
            created_at=int(record.created_at),
            active_at=int(active),
            ip=record.ip,
        )

    async def list(self, user_id: int, current_key: int) -> list[AuthorizationView]:
        """The account's sessions, the current one first."""
        records = await self._bindings.authorizations(user_id)
        views = [await self._view(r, current_key) for r in records]
        return sorted(views, key=lambda v: not v.current)

    async def reset(self, user_id: int, hash_: int, current_key: int) -> None:
        """Log out the session with this hash (not the current one: that is auth.logOut).

        Raises:
            RpcError: ``400 HASH_INVALID`` when no other session has this hash.
        """
        for record in await self._bindings.authorizations(user_id):
            if hash_ and record.hash == hash_ and record.key_id != current_key:
                await self._bindings.unbind(record.key_id)
                return
        raise bad_request(HASH_INVALID)

    async def reset_others(self, user_id: int, current_key: int) -> int:
        """Log out every session but the current one; how many."""
        ended = 0
        for record in await self._bindings.authorizations(user_id):
            if record.key_id != current_key:
                await self._bindings.unbind(record.key_id)
                ended += 1
        return ended
