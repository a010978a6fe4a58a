"""MTProto 2.0 key derivation: msg_key, the per-message AES key and iv, and the handshake's tmp key.

``x`` selects the direction: 0 for messages from client to server, 8 from server to client.
"""

from __future__ import annotations

import hashlib

from tgcore.crypto.auth_key import AuthKey
from tgcore.errors import LocalProtocolError

__all__ = ["aes_key_iv", "msg_key", "tmp_aes_key_iv"]


def _check_x(x: int) -> None:
    if x != 0 and x != 8:
        raise LocalProtocolError(f"x is 0 (client to server) or 8 (server to client), not {x!r}")


def msg_key(auth_key: AuthKey, plaintext: bytes, x: int) -> bytes:
    """The 16-byte msg_key of an encrypted message.

    ``msg_key = SHA256(auth_key[88+x : 120+x] + plaintext)[8:24]``, where ``plaintext`` is the
    whole decrypted payload, padding included (salt, session_id, message, padding).
    """
    _check_x(x)
    h = hashlib.sha256(auth_key.key[88 + x : 120 + x])
    h.update(plaintext)
    return h.digest()[8:24]


def aes_key_iv(auth_key: AuthKey, msg_key: bytes, x: int) -> tuple[bytes, bytes]:
    """The AES-256-IGE key and iv (32 bytes each) of a message with this ``msg_key``.

    ::

        a = SHA256(msg_key + auth_key[x : x+36])
        b = SHA256(auth_key[40+x : 76+x] + msg_key)
        key = a[0:8] + b[8:24] + a[24:32]
        iv  = b[0:8] + a[8:24] + b[24:32]
    """
    _check_x(x)
    if len(msg_key) != 16:
        raise LocalProtocolError(f"msg_key is 16 bytes, got {len(msg_key)}")
    key = auth_key.key
    a = hashlib.sha256(msg_key + key[x : x + 36]).digest()
    b = hashlib.sha256(key[40 + x : 76 + x] + msg_key).digest()
    return a[:8] + b[8:24] + a[24:], b[:8] + a[8:24] + b[24:]


def tmp_aes_key_iv(new_nonce: bytes, server_nonce: bytes) -> tuple[bytes, bytes]:
    """The key and iv that encrypt ``server_DH_inner_data`` and ``client_DH_inner_data``.

    ``new_nonce`` (32 bytes) and ``server_nonce`` (16 bytes) are the little-endian bytes of the
    int256 and int128 exactly as they travel in TL::

        key = SHA1(new_nonce + server_nonce) + SHA1(server_nonce + new_nonce)[0:12]
        iv  = SHA1(server_nonce + new_nonce)[12:20] + SHA1(new_nonce + new_nonce) + new_nonce[0:4]
    """
    if len(new_nonce) != 32:
        raise LocalProtocolError(f"new_nonce is 32 bytes, got {len(new_nonce)}")
    if len(server_nonce) != 16:
        raise LocalProtocolError(f"server_nonce is 16 bytes, got {len(server_nonce)}")
    new_server = hashlib.sha1(new_nonce + server_nonce).digest()
    server_new = hashlib.sha1(server_nonce + new_nonce).digest()
    new_new = hashlib.sha1(new_nonce + new_nonce).digest()
    return new_server + server_new[:12], server_new[12:] + new_new + new_nonce[:4]
