"""tgcore: the embeddable MTProto 2.0 SDK of tgstack.

Sans-IO protocol core (crypto, TL serialization, transports, handshake, encrypted
sessions) plus, in later modules, a Trio client and storage abstractions.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from tgcore.errors import (
    FloodWait,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    RpcError,
    SecurityError,
    StorageError,
    TgError,
    TransportError,
)

try:
    __version__ = version("tgstack")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

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
    "__version__",
]
