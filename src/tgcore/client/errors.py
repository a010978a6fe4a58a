"""Errors a client raises, and the mapping of ``rpc_error`` to exception classes.

Everything derives from :class:`~tgcore.errors.TgError`. An ``rpc_error`` becomes an
:class:`~tgcore.errors.RpcError` subclass chosen by its code (``FLOOD_WAIT_N`` becomes
:class:`~tgcore.errors.FloodWait`), so callers can catch as broadly or narrowly as they like.
"""

from __future__ import annotations

import re

from tgcore.errors import FloodWait, RpcError, TgError

__all__ = [
    "BadMessageError",
    "BadRequestError",
    "ClientClosedError",
    "ClientError",
    "ConnectError",
    "ConnectionLostError",
    "ForbiddenError",
    "InternalServerError",
    "NotAcceptableError",
    "NotFoundError",
    "RequestTimeoutError",
    "SeeOtherError",
    "UnauthorizedError",
    "rpc_error",
]


class ClientError(TgError):
    """A failure of the client itself (not an answer from the server)."""


class ClientClosedError(ClientError):
    """The client is closed (or closing): the request was not, or will not be, answered."""


class ConnectError(ClientError):
    """The first connection to the server could not be made (refused, unreachable, timed out).

    The underlying error, if any, is the ``__cause__``.
    """


class ConnectionLostError(ClientError):
    """The connection dropped and the reconnect policy gave up re-establishing it."""


class RequestTimeoutError(ClientError, TimeoutError):
    """No answer came within the request's timeout (reconnects included)."""


class BadMessageError(ClientError):
    """The server refused the request with bad_msg_notification ``code`` for good.

    Codes the session recovers from by itself (time, salt and seq_no corrections) never get
    here; these are the ones that mean the request was malformed (18, 19, 20, 34, 35, 64).
    """

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(f"the server refused the message (bad_msg_notification {code})")


class SeeOtherError(RpcError):
    """303: the request must be repeated on another DC (``*_MIGRATE_N``)."""


class BadRequestError(RpcError):
    """400: the request's arguments are wrong."""


class UnauthorizedError(RpcError):
    """401: the auth key is not (or no longer) authorized, e.g. ``AUTH_KEY_UNREGISTERED``."""


class ForbiddenError(RpcError):
    """403: a privacy or permission rule forbids the request."""


class NotFoundError(RpcError):
    """404: the method or object does not exist."""


class NotAcceptableError(RpcError):
    """406: the request cannot be accepted now; the client should not repeat it as is."""


class InternalServerError(RpcError):
    """500 (and other 5xx): the server failed; repeating the request later may work."""


_BY_CODE: dict[int, type[RpcError]] = {
    303: SeeOtherError,
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    406: NotAcceptableError,
}
_FLOOD_WAIT = re.compile(r"FLOOD_WAIT_(\d+)")


def rpc_error(code: int, name: str) -> RpcError:
    """The exception for an ``rpc_error`` with ``code`` and ``name``.

    ``FLOOD_WAIT_N`` gives :class:`~tgcore.errors.FloodWait` with ``seconds`` = N; otherwise
    the class follows the code (:class:`BadRequestError` for 400 and so on,
    :class:`InternalServerError` for 5xx) and other codes give a plain
    :class:`~tgcore.errors.RpcError`.
    """
    match = _FLOOD_WAIT.fullmatch(name)
    if match is not None:
        return FloodWait(int(match.group(1)))
    cls = _BY_CODE.get(code)
    if cls is None and 500 <= code <= 599:
        cls = InternalServerError
    return (cls or RpcError)(code, name)
