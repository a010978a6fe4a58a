"""The outer layout of MTProto messages: plain (handshake) and encrypted envelopes.

A plain message is ``auth_key_id = 0 (8) | msg_id (8) | length (4) | body``.

An encrypted message (MTProto 2.0) is ``auth_key_id (8) | msg_key (16) | ciphertext``, where
the ciphertext is AES-256-IGE of ``salt (8) | session_id (8) | msg_id (8) | seq_no (4) |
length (4) | body | padding``, the padding 12 to 1024 random bytes bringing the total to a
multiple of 16. ``msg_key`` is the middle 128 bits of ``sha256(auth_key[88 + x : 120 + x] +
plaintext)`` and, with the auth key, derives the AES key and IV; ``x`` is 0 for messages from
the client and 8 for messages from the server.

A server learns which auth key to use from the first 8 bytes (:func:`peek_auth_key_id`) and
which session the message belongs to only after decrypting it
(:func:`decrypt_client_message`), so routing to a session happens after this layer.
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Callable

import attrs

from tgcore.crypto import AuthKey, aes_key_iv, ige256_decrypt, ige256_encrypt, msg_key
from tgcore.errors import RemoteProtocolError, SecurityError

__all__ = [
    "DecryptedMessage",
    "MAX_PADDING",
    "MIN_PADDING",
    "X_CLIENT",
    "X_SERVER",
    "decrypt_client_message",
    "decrypt_message",
    "decrypt_server_message",
    "encrypt_client_message",
    "encrypt_message",
    "encrypt_server_message",
    "pack_plain",
    "peek_auth_key_id",
    "unpack_plain",
]

_PLAIN_HEADER = struct.Struct("<qqi")
_KEY_ID = struct.Struct("<q")
_INNER_HEADER = struct.Struct("<qqqii")  # salt, session_id, msg_id, seq_no, length

#: ``x`` of the MTProto 2.0 key derivation for messages from the client.
X_CLIENT = 0
#: ``x`` of the MTProto 2.0 key derivation for messages from the server.
X_SERVER = 8
#: Bounds on the random padding of an encrypted message.
MIN_PADDING = 12
MAX_PADDING = 1024

# auth_key_id + msg_key, then at least the inner header and minimal padding, in whole blocks.
_OUTER_HEADER = 24
_MIN_CIPHERTEXT = 48


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


def peek_auth_key_id(payload: bytes) -> int:
    """The auth_key_id (signed int64) a payload starts with: 0 for a plain message.

    A server looks the auth key up by this id; when it knows no such key it answers with the
    transport error -404 (and the client then creates a new key).
    """
    if len(payload) < _KEY_ID.size:
        raise RemoteProtocolError(f"payload too short for an auth_key_id: {len(payload)} bytes")
    return int(_KEY_ID.unpack_from(payload)[0])


@attrs.frozen
class DecryptedMessage:
    """The plaintext of an encrypted message: the header fields and the message ``body``."""

    salt: int
    session_id: int
    msg_id: int
    seq_no: int
    body: bytes


def _padding_length(data_length: int) -> int:
    # The smallest padding of at least MIN_PADDING bytes that completes a 16-byte block.
    return -(data_length + MIN_PADDING) % 16 + MIN_PADDING


def encrypt_message(
    auth_key: AuthKey,
    message: DecryptedMessage,
    *,
    x: int,
    rng: Callable[[int], bytes],
) -> bytes:
    """Encrypt ``message`` with ``auth_key`` for direction ``x`` (:data:`X_CLIENT` or
    :data:`X_SERVER`), padding with ``rng`` bytes."""
    data = (
        _INNER_HEADER.pack(
            message.salt, message.session_id, message.msg_id, message.seq_no, len(message.body)
        )
        + message.body
    )
    plaintext = data + rng(_padding_length(len(data)))
    key = msg_key(auth_key, plaintext, x)
    aes_key, aes_iv = aes_key_iv(auth_key, key, x)
    return _KEY_ID.pack(auth_key.key_id) + key + ige256_encrypt(plaintext, aes_key, aes_iv)


def decrypt_message(auth_key: AuthKey, payload: bytes, *, x: int) -> DecryptedMessage:
    """Decrypt and verify a message encrypted for direction ``x``.

    Raises :class:`SecurityError` (one error for every failure, so a failing message reveals
    nothing about why) when the payload is too short or not whole blocks, names another auth
    key, its msg_key does not match the plaintext, or the length field leaves a padding
    outside 12..1024 bytes or is not a multiple of 4. The caller drops such a message.
    """
    ciphertext_length = len(payload) - _OUTER_HEADER
    if ciphertext_length < _MIN_CIPHERTEXT or ciphertext_length % 16:
        raise SecurityError(f"encrypted payload of {len(payload)} bytes")
    if _KEY_ID.unpack_from(payload)[0] != auth_key.key_id:
        raise SecurityError("encrypted payload for another auth_key_id")
    key = payload[8:24]
    aes_key, aes_iv = aes_key_iv(auth_key, key, x)
    plaintext = ige256_decrypt(payload[_OUTER_HEADER:], aes_key, aes_iv)
    if not hmac.compare_digest(msg_key(auth_key, plaintext, x), key):
        raise SecurityError("msg_key does not match the decrypted message")
    salt, session_id, msg_id, seq_no, length = _INNER_HEADER.unpack_from(plaintext)
    padding = len(plaintext) - _INNER_HEADER.size - length
    if length < 0 or length % 4 or not MIN_PADDING <= padding <= MAX_PADDING:
        raise SecurityError(f"message length {length} in a plaintext of {len(plaintext)} bytes")
    body = plaintext[_INNER_HEADER.size : _INNER_HEADER.size + length]
    return DecryptedMessage(salt, session_id, msg_id, seq_no, body)


def encrypt_client_message(
    auth_key: AuthKey, message: DecryptedMessage, rng: Callable[[int], bytes]
) -> bytes:
    """Encrypt a client-to-server message (x = 0)."""
    return encrypt_message(auth_key, message, x=X_CLIENT, rng=rng)


def decrypt_client_message(auth_key: AuthKey, payload: bytes) -> DecryptedMessage:
    """Decrypt and verify a client-to-server message (server side, x = 0)."""
    return decrypt_message(auth_key, payload, x=X_CLIENT)


def encrypt_server_message(
    auth_key: AuthKey, message: DecryptedMessage, rng: Callable[[int], bytes]
) -> bytes:
    """Encrypt a server-to-client message (x = 8)."""
    return encrypt_message(auth_key, message, x=X_SERVER, rng=rng)


def decrypt_server_message(auth_key: AuthKey, payload: bytes) -> DecryptedMessage:
    """Decrypt and verify a server-to-client message (client side, x = 8)."""
    return decrypt_message(auth_key, payload, x=X_SERVER)
