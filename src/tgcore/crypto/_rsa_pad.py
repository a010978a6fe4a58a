"""The two ways a client wraps ``p_q_inner_data`` before the raw RSA operation.

Both produce (or take back) the 256-byte big-endian block that raw RSA works on; the key
objects in :mod:`tgcore.crypto.rsa` do the modular exponentiation.

- **RSA_PAD** (MTProto 2.0, what Telegram's current clients send)::

      data_with_padding = data + random bytes, 192 bytes in all    (data at most 144 bytes)
      temp_key          = 32 random bytes
      data_with_hash    = reverse(data_with_padding) + SHA256(temp_key + data_with_padding)
      aes_encrypted     = AES256_IGE(data_with_hash, temp_key, iv = 32 zero bytes)
      block             = (temp_key XOR SHA256(aes_encrypted)) + aes_encrypted
      (a block not below the modulus is thrown away and built again with a new temp_key)

- **legacy** (what Telethon 1.45 sends): ``block = 0x00 + SHA1(data) + data + random bytes``,
  255 bytes after the zero, so always below a 2048-bit modulus. The length of ``data`` is not
  written anywhere: the receiver finds it as the prefix whose SHA-1 matches.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from tgcore.crypto.ige import ige256_decrypt, ige256_encrypt
from tgcore.errors import LocalProtocolError, SecurityError

__all__ = [
    "LEGACY_MAX_DATA",
    "RSA_PAD_MAX_DATA",
    "legacy_unwrap",
    "legacy_wrap",
    "rsa_pad_unwrap",
    "rsa_pad_wrap",
]

#: The longest ``data`` RSA_PAD can carry.
RSA_PAD_MAX_DATA = 144
#: The longest ``data`` the legacy scheme can carry (255 - 20 bytes of SHA-1).
LEGACY_MAX_DATA = 235

_PADDED = 192
_BLOCK = 256
_ZERO_IV = bytes(32)


def _xor32(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(32, "big")


def rsa_pad_wrap(data: bytes, rng: Callable[[int], bytes], modulus: int) -> bytes:
    """The 256-byte RSA_PAD block for ``data``, below ``modulus`` as a big-endian integer.

    ``rng`` is called for the padding (``192 - len(data)`` bytes) and then for 32 bytes of
    ``temp_key`` per attempt.
    """
    if len(data) > RSA_PAD_MAX_DATA:
        raise LocalProtocolError(
            f"RSA_PAD carries at most {RSA_PAD_MAX_DATA} bytes of data, got {len(data)}"
        )
    data_with_padding = data + rng(_PADDED - len(data))
    data_pad_reversed = data_with_padding[::-1]
    while True:
        temp_key = rng(32)
        data_with_hash = data_pad_reversed + hashlib.sha256(temp_key + data_with_padding).digest()
        aes_encrypted = ige256_encrypt(data_with_hash, temp_key, _ZERO_IV)
        block = _xor32(temp_key, hashlib.sha256(aes_encrypted).digest()) + aes_encrypted
        if int.from_bytes(block, "big") < modulus:
            return block


def rsa_pad_unwrap(block: bytes) -> bytes:
    """Undo :func:`rsa_pad_wrap`: the 192-byte ``data_with_padding`` inside a 256-byte block.

    Raises:
        SecurityError: the block is not 256 bytes or its SHA-256 does not match.
    """
    if len(block) != _BLOCK:
        raise SecurityError(f"an RSA_PAD block is {_BLOCK} bytes, got {len(block)}")
    aes_encrypted = block[32:]
    temp_key = _xor32(block[:32], hashlib.sha256(aes_encrypted).digest())
    data_with_hash = ige256_decrypt(aes_encrypted, temp_key, _ZERO_IV)
    data_with_padding = data_with_hash[_PADDED - 1 :: -1]
    expected = hashlib.sha256(temp_key + data_with_padding).digest()
    if not hmac.compare_digest(expected, data_with_hash[_PADDED:]):
        raise SecurityError("RSA_PAD hash mismatch")
    return data_with_padding


def legacy_wrap(data: bytes, rng: Callable[[int], bytes]) -> bytes:
    """The 256-byte legacy block ``0x00 + SHA1(data) + data + padding`` for ``data``."""
    if len(data) > LEGACY_MAX_DATA:
        raise LocalProtocolError(
            f"the legacy RSA scheme carries at most {LEGACY_MAX_DATA} bytes, got {len(data)}"
        )
    return b"\x00" + hashlib.sha1(data).digest() + data + rng(LEGACY_MAX_DATA - len(data))


def legacy_unwrap(block: bytes) -> bytes:
    """Undo :func:`legacy_wrap`: exactly the ``data`` whose SHA-1 heads the block.

    The length of ``data`` is not encoded, so every prefix of the 235 bytes after the digest
    is tried, shortest first; random padding matches by accident with odds of ~2**-152.

    Raises:
        SecurityError: the block is not 256 bytes, does not start with a zero byte, or no
            prefix matches the digest.
    """
    if len(block) != _BLOCK:
        raise SecurityError(f"a legacy RSA block is {_BLOCK} bytes, got {len(block)}")
    if block[0] != 0:
        raise SecurityError("legacy RSA block does not start with a zero byte")
    digest = block[1:21]
    body = block[21:]
    h = hashlib.sha1()
    for length in range(len(body) + 1):
        # Hashing incrementally: each step costs one byte of hashing plus a copy.
        if h.copy().digest() == digest:
            return body[:length]
        h.update(body[length : length + 1])
    raise SecurityError("legacy RSA block: no prefix matches its SHA-1")
