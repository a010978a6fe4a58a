"""``users.*`` (TL <-> the account services)."""

from __future__ import annotations

from typing import Final

from tgcore.tl import functions, pack_object_vector, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.peers import input_user_id, tl_user
from tgserver.services import AccountServices, bad_request

__all__ = ["MAX_GET_USERS", "UserHandlers"]

#: Users one users.getUsers may ask for.
MAX_GET_USERS: Final = 200


class UserHandlers:
    """users.getUsers and users.getFullUser."""

    def __init__(self, services: AccountServices) -> None:
        self._services = services
        self._users = services.users

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(functions.users.GetUsers, self.get_users)
        dispatcher.add(functions.users.GetFullUser, self.get_full_user)

    async def get_users(self, ctx: RequestContext, request: functions.users.GetUsers) -> bytes:
        """users.getUsers: 401 before login (Telethon's login probe), else the users."""
        me = require_user(ctx)
        if len(request.id) > MAX_GET_USERS:
            raise bad_request("LIMIT_INVALID")
        ids = [await input_user_id(self._users, me, peer) for peer in request.id]
        views = await self._users.views(me, ids)
        return pack_object_vector([tl_user(v) for v in views])

    async def get_full_user(
        self, ctx: RequestContext, request: functions.users.GetFullUser
    ) -> types.users.UserFull:
        """users.getFullUser: the profile with its bio and settings."""
        me = require_user(ctx)
        user_id = await input_user_id(self._users, me, request.id)
        full = await self._users.full(me, user_id)
        return types.users.UserFull(
            full_user=types.UserFull(
                blocked=full.blocked,
                id=user_id,
                about=full.about or None,
                settings=types.PeerSettings(),
                notify_settings=types.PeerNotifySettings(),
                common_chats_count=full.common_chats_count,
            ),
            chats=[],
            users=[tl_user(full.user)],
        )
