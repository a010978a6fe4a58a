"""The quick-ack token both ends compute for an encrypted payload."""

from __future__ import annotations

import hashlib

__all__ = ["quick_ack_token"]


def quick_ack_token(auth_key: bytes, plaintext: bytes, *, x: int = 0) -> int:
    """The token a server sends back to quick-ack an encrypted payload.

    It is the first 32 bits (little-endian) of ``msg_key_large = sha256(auth_key[88+x:120+x] +
    plaintext)`` — the hash whose middle 128 bits are the msg_key — with the top bit set, so
    no framing can mistake it for a length.

    Args:
        auth_key: The raw authorization key bytes (``AuthKey.key``).
        plaintext: The payload's encrypted part before encryption (header, message and
            padding), exactly as hashed for its msg_key.
        x: 0 for client-to-server payloads (the only ones quick-acked), 8 for the other way.
    """
    if x not in (0, 8):
        raise ValueError("x is 0 (client to server) or 8 (server to client)")
    if len(auth_key) < 120 + x:
        raise ValueError("auth_key is too short")
    digest = hashlib.sha256(auth_key[88 + x : 120 + x] + plaintext).digest()
    return int.from_bytes(digest[:4], "little") | 0x80000000
