"""The handlers the server has so far, and :func:`register_builtin_handlers` to install them."""

from __future__ import annotations

import time
from collections.abc import Callable

from tgcore.tl import functions
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import get_state, get_users, require_user
from tgserver.rpc.handlers.help import CONFIG_EXPIRES, DcAddress, HelpHandlers
from tgserver.rpc.handlers.service import ping, ping_delay_disconnect

__all__ = [
    "CONFIG_EXPIRES",
    "DcAddress",
    "HelpHandlers",
    "get_state",
    "get_users",
    "ping",
    "ping_delay_disconnect",
    "register_builtin_handlers",
    "require_user",
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
