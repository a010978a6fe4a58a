"""Testing bots against a real tgserver: a pytest plugin and the pieces under it.

Installing tgstack registers :mod:`tgserver.testing.plugin` as a pytest plugin (entry point
``pytest11``), so a test can ask for these fixtures without any ``conftest.py``:

- ``tg_server``: a :class:`TgTestServer` (memory storage, Bot API on a free port) running on a
  Trio loop of its own in a background thread, so asyncio bots (aiogram, python-telegram-bot)
  talk to it over real sockets;
- ``make_bot`` / ``tg_bot``: a bot account (:class:`TgTestBot`: token and URLs);
- ``make_user``: a :class:`SimulatedUser` that sends to the bot, presses its buttons and
  reads what it answered (:class:`ChatMessage`).

The names are imported lazily: loading the plugin costs pytest nothing until a test uses a
fixture.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tgserver.testing.background import BackgroundServer
    from tgserver.testing.harness import TgTestBot, TgTestServer, memory_config
    from tgserver.testing.messages import Button, ChatMessage, Entity, MediaInfo
    from tgserver.testing.plugin import (
        make_bot,
        make_user,
        tg_bot,
        tg_server,
        tg_server_session,
        tg_user,
    )
    from tgserver.testing.users import AsyncSimulatedUser, SimulatedUser

__all__ = [
    "AsyncSimulatedUser",
    "BackgroundServer",
    "Button",
    "ChatMessage",
    "Entity",
    "MediaInfo",
    "SimulatedUser",
    "TgTestBot",
    "TgTestServer",
    "make_bot",
    "make_user",
    "memory_config",
    "tg_bot",
    "tg_server",
    "tg_server_session",
    "tg_user",
]

_MODULES = {
    "AsyncSimulatedUser": "users",
    "BackgroundServer": "background",
    "Button": "messages",
    "ChatMessage": "messages",
    "Entity": "messages",
    "MediaInfo": "messages",
    "SimulatedUser": "users",
    "TgTestBot": "harness",
    "TgTestServer": "harness",
    "make_bot": "plugin",
    "make_user": "plugin",
    "memory_config": "harness",
    "tg_bot": "plugin",
    "tg_server": "plugin",
    "tg_server_session": "plugin",
    "tg_user": "plugin",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
