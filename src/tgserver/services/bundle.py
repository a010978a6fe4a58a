"""The account services wired together over one set of stores."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import attrs

from tgserver.services.access import SECRET_SIZE, AccessHashes
from tgserver.services.auth import AuthService
from tgserver.services.authorizations import AuthorizationsService
from tgserver.services.contacts import ContactsService
from tgserver.services.presence import Presence
from tgserver.services.ratelimit import RateLimits
from tgserver.services.sessions import KeyBindings
from tgserver.services.sms import ConsoleSmsProvider, SmsProvider
from tgserver.services.users import UsersService
from tgserver.store import AuthKeyStore
from tgserver.store.accounts import AccountStores

__all__ = ["AccountServices"]


@attrs.frozen
class AccountServices:
    """Everything about accounts, as the RPC handlers (and later the Bot API) use it.

    Build it with :meth:`create`.

    Attributes:
        stores: The stores underneath.
        presence: Online status.
        bindings: Auth key -> account (the dispatcher's ``lookup_user``).
        users: Users and profiles.
        contacts: Contact and block lists.
        auth: Phone-code login.
        authorizations: An account's sessions.
    """

    stores: AccountStores
    presence: Presence
    bindings: KeyBindings
    users: UsersService
    contacts: ContactsService
    auth: AuthService
    authorizations: AuthorizationsService

    @classmethod
    async def create(
        cls,
        stores: AccountStores,
        *,
        dc_id: int,
        sms: SmsProvider | None = None,
        test_numbers: bool = True,
        auth_keys: AuthKeyStore | None = None,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> AccountServices:
        """Wire the services (loading or creating the access-hash secret in ``stores``).

        Args:
            stores: The account stores.
            dc_id: This server's DC id (test numbers).
            sms: Delivers login codes (:class:`ConsoleSmsProvider` by default).
            test_numbers: Whether Telegram's test numbers work.
            auth_keys: The gateway's key store, for the device info of sessions.
            limits: Flood limits.
            clock: Unix time.
            rng: Randomness.
        """
        secret = await stores.users.server_secret(rng(SECRET_SIZE))
        presence = Presence(clock=clock)
        bindings = KeyBindings(stores.authorizations, presence=presence, clock=clock)
        users = UsersService(
            stores.users, stores.contacts, AccessHashes(secret), presence, clock=clock
        )
        return cls(
            stores=stores,
            presence=presence,
            bindings=bindings,
            users=users,
            contacts=ContactsService(users, stores.contacts, limits=limits, clock=clock),
            auth=AuthService(
                users=users,
                codes=stores.codes,
                bindings=bindings,
                sms=sms or ConsoleSmsProvider(),
                dc_id=dc_id,
                test_numbers=test_numbers,
                limits=limits,
                clock=clock,
                rng=rng,
            ),
            authorizations=AuthorizationsService(bindings, auth_keys),
        )

    async def lookup_user(self, auth_key_id: int) -> int | None:
        """The account an auth key is logged in to (the dispatcher's ``lookup_user``)."""
        return await self.bindings.user_for_key(auth_key_id)

    async def peek_user(self, auth_key_id: int) -> int | None:
        """Like :meth:`lookup_user`, without counting as activity (presence, last seen)."""
        return await self.bindings.peek_user(auth_key_id)
