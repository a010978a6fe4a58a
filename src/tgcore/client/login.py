"""Logging a client in with a phone number and the code the server sends.

:func:`log_in` is the whole flow a user goes through: if the session's auth key is already
logged in it returns that user; otherwise ``auth.sendCode``, ``auth.signIn`` with the code
(asked for through a callback, so a console can prompt) and, for a number the server does not
know yet, ``auth.signUp``. :func:`get_me` tells who the session is logged in as.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from tgcore.client.errors import UnauthorizedError
from tgcore.tl import functions, types

if TYPE_CHECKING:
    from tgcore.client.client import Client

__all__ = ["CodeSource", "get_me", "log_in"]

CodeSource = str | Callable[[], str | Awaitable[str]]
"""The login code, or a (sync or async) callable that asks for it once the server sent it."""


async def get_me(client: Client) -> types.User | None:
    """The user the client's auth key is logged in as, or None if it is not logged in."""
    try:
        users = await client(functions.users.GetUsers(id=[types.InputUserSelf()]))
    except UnauthorizedError:
        return None
    for user in users:
        if isinstance(user, types.User):
            return user
    return None


async def _code(code: CodeSource) -> str:
    if isinstance(code, str):
        return code
    got = code()
    if inspect.isawaitable(got):
        got = await got
    return str(got).strip()


async def log_in(
    client: Client,
    phone: str,
    code: CodeSource,
    *,
    first_name: str = "User",
    last_name: str = "",
    api_id: int | None = None,
    api_hash: str | None = None,
) -> types.User:
    """Log ``phone`` in (signing it up first if it is new); returns the account's user.

    Nothing is sent when the session is already logged in as ``phone``. After a login the
    client asks for ``updates.getState``, which tells the server this connection wants live
    updates.

    Args:
        client: A connected client.
        phone: The phone number (digits, with or without ``+``).
        code: The login code, or a callable that returns it (called after ``auth.sendCode``).
        first_name: The first name of a new account.
        last_name: The last name of a new account.
        api_id: Sent with ``auth.sendCode`` (default: ``client.config.api_id``).
        api_hash: Sent with ``auth.sendCode`` (default: ``client.config.api_hash``).

    Raises:
        tgcore.errors.RpcError: the server refused (``PHONE_CODE_INVALID``, ``FLOOD_WAIT_N``...).
    """
    phone = phone.lstrip("+")
    me = await get_me(client)
    if me is not None and (me.phone or "").lstrip("+") == phone:
        return me
    config = client.config
    sent = await client(
        functions.auth.SendCode(
            phone_number=phone,
            api_id=config.api_id if api_id is None else api_id,
            api_hash=config.api_hash if api_hash is None else api_hash,
            settings=types.CodeSettings(),
        )
    )
    if not isinstance(sent, types.auth.SentCode):
        raise TypeError(f"unexpected auth.sendCode answer: {type(sent).__name__}")
    given = await _code(code)
    result = await client(
        functions.auth.SignIn(
            phone_number=phone, phone_code_hash=sent.phone_code_hash, phone_code=given
        )
    )
    if isinstance(result, types.auth.AuthorizationSignUpRequired):
        result = await client(
            functions.auth.SignUp(
                phone_number=phone,
                phone_code_hash=sent.phone_code_hash,
                first_name=first_name,
                last_name=last_name,
            )
        )
    if not isinstance(result, types.auth.Authorization) or not isinstance(result.user, types.User):
        raise TypeError(f"unexpected login answer: {type(result).__name__}")
    await client(functions.updates.GetState())
    return result.user
