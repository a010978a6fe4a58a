"""Methods that need a logged-in account, answered as Telegram does before login.

Telethon calls ``users.getUsers([inputUserSelf])`` right after connecting and takes ``401
AUTH_KEY_UNREGISTERED`` to mean "not logged in"; ``updates.getState`` follows login. Until
accounts exist (the next milestone plugs them in through ``ctx.user_id``), both answer that
error whenever the key has no account.
"""

from __future__ import annotations

from tgcore.tl import TLObject, functions
from tgserver.rpc.context import RequestContext
from tgserver.rpc.errors import auth_key_unregistered

__all__ = ["get_state", "get_users", "require_user"]


def require_user(ctx: RequestContext) -> int:
    """The logged-in account of the request, or ``401 AUTH_KEY_UNREGISTERED``."""
    if ctx.user_id is None:
        raise auth_key_unregistered()
    return ctx.user_id


async def get_users(ctx: RequestContext, request: functions.users.GetUsers) -> TLObject:
    """users.getUsers: needs an account; there are none before the accounts milestone."""
    require_user(ctx)
    raise auth_key_unregistered()  # no account store yet: a key cannot be logged in


async def get_state(ctx: RequestContext, request: functions.updates.GetState) -> TLObject:
    """updates.getState: needs an account; there are none before the accounts milestone."""
    require_user(ctx)
    raise auth_key_unregistered()
