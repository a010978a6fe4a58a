"""The one exception hierarchy of tgstack, rooted at :class:`TgError`.

Library errors (from sockets, sqlite3, cryptography backends) are mapped to these at
the edge, so callers only ever need to catch ``TgError`` or one of its subclasses.
"""

from __future__ import annotations

__all__ = [
    "FloodWait",
    "LocalProtocolError",
    "ProtocolError",
    "RemoteProtocolError",
    "RpcError",
    "SecurityError",
    "StorageError",
    "TgError",
    "TransportError",
]


class TgError(Exception):
    """Root of every error raised by tgcore and tgserver."""


class ProtocolError(TgError):
    """A peer or the local code broke the MTProto or TL protocol."""


class LocalProtocolError(ProtocolError):
    """We were asked to do something the protocol forbids (a bug in the caller)."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol forbids (malformed or out-of-order data)."""


class SecurityError(ProtocolError):
    """A security check failed (bad msg_key, nonce, DH range, ...).

    Never retried: the data is dropped and, where the protocol says so, the connection too.
    """


class TransportError(TgError):
    """A transport-level failure; ``code`` is the MTProto transport error (e.g. -404, -429)."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        super().__init__(message or f"transport error {code}")


class RpcError(TgError):
    """An ``rpc_error`` from the server: ``code`` (e.g. 400) and ``name`` (PHONE_CODE_INVALID)."""

    def __init__(self, code: int, name: str, message: str = "") -> None:
        self.code = code
        self.name = name
        super().__init__(message or f"{code} {name}")


class FloodWait(RpcError):
    """``FLOOD_WAIT_N``: the caller must wait ``seconds`` before trying again."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(420, f"FLOOD_WAIT_{seconds}", f"flood wait of {seconds} s")


class StorageError(TgError):
    """A storage backend failed to read or write."""
