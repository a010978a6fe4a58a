"""The outer layout of MTProto messages: plain (handshake) and encrypted envelopes.

A plain message is ``auth_key_id = 0 (8) | msg_id (8) | length (4) | body``. The encrypted
envelope is built in this module too (see the session package for its use).
"""

from __future__ import annotations

import struct

from tgcore.errors import RemoteProtocolError

__all__ = ["pack_plain", "unpack_plain"]

_PLAIN_HEADER = struct.Struct("<qqi")


def pack_plain(msg_id: int, body: bytes) -> bytes:
    """An unencrypted message (auth_key_id 0), as the handshake sends it."""
    return _PLAIN_HEADER.pack(0, msg_id, len(body)) + body


def unpack_plain(payload: bytes) -> tuple[int, bytes]:
    """``(msg_id, body)`` of an unencrypted message; RemoteProtocolError if it is malformed."""
    if len(payload) < _PLAIN_HEADER.size:
        raise RemoteProtocolError(f"plain message too short: {len(payload)} bytes")
    auth_key_id, msg_id, length = _PLAIN_HEADER.unpack_from(payload)
    if auth_key_id != 0:
        raise RemoteProtocolError("plain message with a non-zero auth_key_id")
    # Up to 15 trailing bytes are the padded-intermediate transport's random padding.
    extra = len(payload) - _PLAIN_HEADER.size - length
    if length < 0 or not 0 <= extra < 16:
        raise RemoteProtocolError(
            f"plain message length {length} does not match payload of {len(payload)} bytes"
        )
    return msg_id, payload[_PLAIN_HEADER.size : _PLAIN_HEADER.size + length]
