"""The handlers the server has, and the functions that install them on a dispatcher.

:func:`register_builtin_handlers` installs what needs no accounts (help.*, wrapped pings, and
401 answers for account methods); :func:`register_account_handlers` installs auth.*, users.*,
account.* and contacts.* over the account services; :func:`register_messaging_handlers`
installs messages.* and the update-state methods over the messaging services.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tgcore.tl import functions
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import (
    AUTHORIZATION_TTL_DAYS,
    AccountHandlers,
    get_state,
    get_users,
    require_user,
)
from tgserver.rpc.handlers.auth import AuthHandlers, client_ip
from tgserver.rpc.handlers.contacts import MAX_DELETE_CONTACTS, ContactHandlers
from tgserver.rpc.handlers.help import CONFIG_EXPIRES, DcAddress, HelpHandlers
from tgserver.rpc.handlers.messages import (
    FOLDER_ID_INVALID,
    RANDOM_ID_INVALID,
    MessageHandlers,
    origin_of,
)
from tgserver.rpc.handlers.peers import (
    input_peer_user_id,
    input_user_id,
    tl_status,
    tl_user,
    tl_users,
)
from tgserver.rpc.handlers.pushes import EventRenderer
from tgserver.rpc.handlers.render import (
    decode_object,
    decode_objects,
    encode_objects,
    referenced_users,
    tl_dialog,
    tl_message,
    tl_update,
    users_for,
)
from tgserver.rpc.handlers.service import ping, ping_delay_disconnect
from tgserver.rpc.handlers.updates import UpdateHandlers, tl_difference, tl_state
from tgserver.rpc.handlers.users import MAX_GET_USERS, UserHandlers
from tgserver.services import AccountServices
from tgserver.services.messaging import MessagingServices

__all__ = [
    "AUTHORIZATION_TTL_DAYS",
    "AccountHandlers",
    "AuthHandlers",
    "CONFIG_EXPIRES",
    "ContactHandlers",
    "DcAddress",
    "EventRenderer",
    "FOLDER_ID_INVALID",
    "HelpHandlers",
    "MAX_DELETE_CONTACTS",
    "MAX_GET_USERS",
    "MessageHandlers",
    "RANDOM_ID_INVALID",
    "UpdateHandlers",
    "UserHandlers",
    "client_ip",
    "decode_object",
    "decode_objects",
    "encode_objects",
    "get_state",
    "get_users",
    "input_peer_user_id",
    "input_user_id",
    "origin_of",
    "ping",
    "ping_delay_disconnect",
    "referenced_users",
    "register_account_handlers",
    "register_builtin_handlers",
    "register_messaging_handlers",
    "require_user",
    "tl_dialog",
    "tl_difference",
    "tl_message",
    "tl_state",
    "tl_status",
    "tl_update",
    "tl_user",
    "tl_users",
    "users_for",
]


def register_builtin_handlers(
    dispatcher: Dispatcher, dc: DcAddress, *, clock: Callable[[], float] = time.time
) -> None:
    """Install help.getConfig, help.getNearestDc, help.getAppConfig, users.getUsers,
    updates.getState, and wrapped ping / ping_delay_disconnect on ``dispatcher``."""
    help_ = HelpHandlers(dc, clock=clock)
    dispatcher.add(functions.help.GetConfig, help_.get_config)
    dispatcher.add(functions.help.GetNearestDc, help_.get_nearest_dc)
    dispatcher.add(functions.help.GetAppConfig, help_.get_app_config)
    dispatcher.add(functions.users.GetUsers, get_users)
    dispatcher.add(functions.updates.GetState, get_state)
    dispatcher.add(functions.Ping, ping)
    dispatcher.add(functions.PingDelayDisconnect, ping_delay_disconnect)


def register_account_handlers(
    dispatcher: Dispatcher, services: AccountServices, *, clock: Callable[[], float] = time.time
) -> None:
    """Install auth.*, users.*, account.* and contacts.* over ``services`` (replacing the
    401-only built-ins; update state comes with :func:`register_messaging_handlers`).

    The dispatcher must look accounts up through the same services
    (``Dispatcher(lookup_user=services.lookup_user)``).
    """
    AuthHandlers(services).register(dispatcher)
    UserHandlers(services).register(dispatcher)
    AccountHandlers(services).register(dispatcher)
    ContactHandlers(services, clock=clock).register(dispatcher)


def register_messaging_handlers(dispatcher: Dispatcher, services: MessagingServices) -> None:
    """Install messages.* of private chats and the message-store backed updates.getState /
    updates.getDifference (after :func:`register_account_handlers`)."""
    MessageHandlers(services).register(dispatcher)
    UpdateHandlers(services).register(dispatcher)
