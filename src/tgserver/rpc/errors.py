"""The rpc_error answers the dispatcher itself gives, with Telegram's names.

Handlers raise :class:`tgcore.errors.RpcError` (``RpcError(400, "PHONE_NUMBER_INVALID")``);
the dispatcher turns it into ``rpc_error`` for the client. The names below are what Telegram's
own servers answer in the same situations:

- a method the server does not know, or does not implement yet: ``400
  INPUT_METHOD_INVALID_<id>`` (Telegram answers unknown methods with the constructor id in
  decimal appended, e.g. ``INPUT_METHOD_INVALID_432207715_853114``; we append only the id);
- a body that does not decode: ``400 INPUT_FETCH_ERROR``; an unknown constructor inside the
  arguments: ``400 INPUT_CONSTRUCTOR_INVALID``;
- a method that needs a logged-in account, before login: ``401 AUTH_KEY_UNREGISTERED``;
- a bug or an outage inside the server: ``500 INTERNAL`` (the 500 class is "retry later";
  Telethon and Kurigram retry such calls a few times).
"""

from __future__ import annotations

from typing import Final

from tgcore.errors import RpcError

__all__ = [
    "AUTH_KEY_UNREGISTERED",
    "INPUT_CONSTRUCTOR_INVALID",
    "INPUT_FETCH_ERROR",
    "INTERNAL",
    "auth_key_unregistered",
    "input_method_invalid",
]

AUTH_KEY_UNREGISTERED: Final = "AUTH_KEY_UNREGISTERED"
"""401: the auth key is not logged in to any account."""
INPUT_CONSTRUCTOR_INVALID: Final = "INPUT_CONSTRUCTOR_INVALID"
"""400: an argument uses a constructor the server's schema does not have."""
INPUT_FETCH_ERROR: Final = "INPUT_FETCH_ERROR"
"""400: the request's bytes do not decode (truncated, trailing bytes, wrong types)."""
INTERNAL: Final = "INTERNAL"
"""500: the server failed while handling the request; the client may retry."""


def input_method_invalid(constructor_id: int) -> RpcError:
    """``400 INPUT_METHOD_INVALID_<id>``: no handler for this method (unknown or not yet built)."""
    return RpcError(400, f"INPUT_METHOD_INVALID_{constructor_id & 0xFFFFFFFF}")


def auth_key_unregistered() -> RpcError:
    """``401 AUTH_KEY_UNREGISTERED``: the method needs a logged-in account."""
    return RpcError(401, AUTH_KEY_UNREGISTERED)
