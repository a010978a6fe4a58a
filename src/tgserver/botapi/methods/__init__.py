"""The Bot API methods, by area; :data:`METHODS` maps lower-case names to implementations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from tgserver.botapi.context import Call
from tgserver.botapi.methods import bot, chats, files, messages, updates

__all__ = ["METHODS", "Method"]

Method = Callable[[Call], Awaitable[Any]]

#: Lower-case method name -> implementation (Bot API method names are case-insensitive).
METHODS: Final[dict[str, Method]] = {
    **bot.METHODS,
    **chats.METHODS,
    **updates.METHODS,
    **messages.METHODS,
    **files.METHODS,
}
