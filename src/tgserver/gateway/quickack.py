"""The quick-ack token of a received encrypted payload.

The token hashes the message's plaintext, which the session layer does not hand back, so it
is decrypted once more here. Only payloads whose framing asked for a quick ack pay for it (a
few microseconds of AES-IGE per KiB).
"""

from __future__ import annotations

from tgcore.crypto import AuthKey, aes_key_iv, ige256_decrypt
from tgcore.mtproto.transport import quick_ack_token

__all__ = ["payload_quick_ack_token"]

_OUTER_HEADER = 24  # auth_key_id + msg_key


def payload_quick_ack_token(auth_key: AuthKey, payload: bytes) -> int:
    """The token to quick-ack ``payload``, an encrypted client message already accepted."""
    msg_key = payload[8:_OUTER_HEADER]
    key, iv = aes_key_iv(auth_key, msg_key, 0)
    plaintext = ige256_decrypt(payload[_OUTER_HEADER:], key, iv)
    return quick_ack_token(auth_key.key, plaintext)
