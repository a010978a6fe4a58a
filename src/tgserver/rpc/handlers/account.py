"""Methods that need a logged-in account, and the ``account.*`` methods.

Telethon calls ``users.getUsers([inputUserSelf])`` right after connecting and takes ``401
AUTH_KEY_UNREGISTERED`` to mean "not logged in"; :func:`require_user` gives that answer to
every method that needs an account. :func:`get_users` and :func:`get_state` are the answers
of a server without accounts; :class:`AccountHandlers` (profile, username, status, sessions)
and the other account handlers replace them when the account services are installed.
"""

from __future__ import annotations

from typing import Final

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.errors import auth_key_unregistered
from tgserver.rpc.handlers.peers import tl_user
from tgserver.services import AccountServices, AuthorizationView

__all__ = ["AUTHORIZATION_TTL_DAYS", "AccountHandlers", "get_state", "get_users", "require_user"]

#: Days of inactivity after which Telegram would end a session (reported, not enforced).
AUTHORIZATION_TTL_DAYS: Final = 180


def require_user(ctx: RequestContext) -> int:
    """The logged-in account of the request, or ``401 AUTH_KEY_UNREGISTERED``."""
    if ctx.user_id is None:
        raise auth_key_unregistered()
    return ctx.user_id


async def get_users(ctx: RequestContext, request: functions.users.GetUsers) -> TLObject:
    """users.getUsers of a server without accounts: always 401."""
    require_user(ctx)
    raise auth_key_unregistered()  # no account services installed: nobody is logged in


async def get_state(ctx: RequestContext, request: functions.updates.GetState) -> TLObject:
    """updates.getState of a server without accounts: always 401."""
    require_user(ctx)
    raise auth_key_unregistered()


def _authorization(view: AuthorizationView) -> types.Authorization:
    return types.Authorization(
        current=view.current,
        hash=view.hash,
        device_model=view.device_model,
        platform="",
        system_version=view.system_version,
        api_id=view.api_id,
        app_name=f"api_id {view.api_id}" if view.api_id else "",
        app_version=view.app_version,
        date_created=view.created_at,
        date_active=view.active_at,
        ip=view.ip,
        country="",
        region="",
    )


class AccountHandlers:
    """The ``account.*`` methods of a logged-in account: profile, username, status,
    sessions."""

    def __init__(self, services: AccountServices) -> None:
        self._services = services
        self._users = services.users

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(functions.account.UpdateProfile, self.update_profile)
        dispatcher.add(functions.account.UpdateStatus, self.update_status)
        dispatcher.add(functions.account.CheckUsername, self.check_username)
        dispatcher.add(functions.account.UpdateUsername, self.update_username)
        dispatcher.add(functions.account.GetAuthorizations, self.get_authorizations)
        dispatcher.add(functions.account.ResetAuthorization, self.reset_authorization)

    async def update_profile(
        self, ctx: RequestContext, request: functions.account.UpdateProfile
    ) -> types.User:
        """account.updateProfile: names and bio (absent fields stay)."""
        me = require_user(ctx)
        view = await self._users.update_profile(
            me, first_name=request.first_name, last_name=request.last_name, about=request.about
        )
        return tl_user(view)

    async def update_status(
        self, ctx: RequestContext, request: functions.account.UpdateStatus
    ) -> bytes:
        """account.updateStatus: online (any request already counts) or offline."""
        me = require_user(ctx)
        if request.offline:
            self._services.presence.set_offline(me)
        else:
            self._services.presence.touch(me)
        return pack_bool(True)

    async def check_username(
        self, ctx: RequestContext, request: functions.account.CheckUsername
    ) -> bytes:
        """account.checkUsername: whether the username is free (or already ours)."""
        me = require_user(ctx)
        return pack_bool(await self._users.check_username(me, request.username))

    async def update_username(
        self, ctx: RequestContext, request: functions.account.UpdateUsername
    ) -> types.User:
        """account.updateUsername: set it; an empty one removes it."""
        me = require_user(ctx)
        return tl_user(await self._users.update_username(me, request.username))

    async def get_authorizations(
        self, ctx: RequestContext, request: functions.account.GetAuthorizations
    ) -> types.account.Authorizations:
        """account.getAuthorizations: every auth key logged in to the account."""
        me = require_user(ctx)
        views = await self._services.authorizations.list(me, ctx.auth_key_id)
        return types.account.Authorizations(
            authorization_ttl_days=AUTHORIZATION_TTL_DAYS,
            authorizations=[_authorization(v) for v in views],
        )

    async def reset_authorization(
        self, ctx: RequestContext, request: functions.account.ResetAuthorization
    ) -> bytes:
        """account.resetAuthorization: log another session out."""
        me = require_user(ctx)
        await self._services.authorizations.reset(me, request.hash, ctx.auth_key_id)
        return pack_bool(True)
