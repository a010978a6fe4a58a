"""The auth-key handshake (DH key exchange) of MTProto 2.0, in the client and the server role.

Both roles are sans-IO state machines: they take plain (unencrypted) messages as bytes and
return the plain messages to send, with the randomness and the clock injected. See
``docs/handshake.md`` for the steps and for how keys whose top byte is zero are handled.
"""

from __future__ import annotations

from tgcore.mtproto.handshake.client import ClientHandshake
from tgcore.mtproto.handshake.common import AuthKeyCreated, RsaScheme
from tgcore.mtproto.handshake.server import ServerHandshake

__all__ = ["AuthKeyCreated", "ClientHandshake", "RsaScheme", "ServerHandshake"]
