"""AES-256 in IGE mode, the cipher of every MTProto 2.0 message.

IGE chains both ways: with plaintext blocks ``m_i``, ciphertext blocks ``c_i`` and the
32-byte iv split into ``c_0 = iv[:16]`` and ``m_0 = iv[16:]``::

    c_i = E(m_i ^ c_(i-1)) ^ m_(i-1)        m_i = D(c_i ^ m_(i-1)) ^ c_(i-1)

cryptg computes both directions natively. Without it, encryption is rewritten as AES-CBC
(which pycryptodome runs in C) sandwiched between two whole-buffer xors: with
``y_i = E(m_i ^ c_(i-1))`` we get ``c_i = y_i ^ m_(i-1)``, so
``m_i ^ c_(i-1) = m_i ^ m_(i-2) ^ y_(i-1)`` and ``y`` is exactly AES-CBC (IV ``c_0``) of
``p_1 = m_1``, ``p_2 = m_2 ^ m_0``, ``p_i = m_i ^ m_(i-2)``. Decryption feeds each block
cipher call with the previous call's output, which no bulk mode does, so it stays a (lean)
per-block loop.
"""

from __future__ import annotations

from collections.abc import Callable

from Crypto.Cipher import AES
from Crypto.Util.strxor import strxor

from tgcore.crypto import _backend
from tgcore.errors import LocalProtocolError

__all__ = ["ige256_decrypt", "ige256_encrypt", "ige_backend"]

_Cipher = Callable[[bytes, bytes, bytes], bytes]

# Below this size the xors are cheaper as Python big-int operations than as strxor calls
# (each pycryptodome call costs ~2 us); above it strxor's C loop wins. Measured crossover: ~6 KB.
_BIG_INT_LIMIT = 6144


def _encrypt_pycryptodome(data: bytes, key: bytes, iv: bytes) -> bytes:
    """IGE encryption as AES-CBC between two whole-buffer xors (see the module docstring)."""
    if len(data) < _BIG_INT_LIMIT:
        return _encrypt_small(data, key, iv)
    return _encrypt_large(data, key, iv)


def _encrypt_small(data: bytes, key: bytes, iv: bytes) -> bytes:
    n = len(data)
    from_bytes = int.from_bytes
    # shifted1 is m_0 m_1 ... m_(n-1): the blocks one position later; as an integer, shifting
    # it right by one block more gives 0 m_0 m_1 ..., the blocks two positions later.
    shifted1 = from_bytes(iv[16:] + data[:-16])
    cbc = AES.new(key, AES.MODE_CBC, iv[:16])
    y = cbc.encrypt((from_bytes(data) ^ (shifted1 >> 128)).to_bytes(n, "big"))
    return (from_bytes(y) ^ shifted1).to_bytes(n, "big")


def _encrypt_large(data: bytes, key: bytes, iv: bytes) -> bytes:
    # One bytearray holds p, then y (encrypted in place), then c: no per-block Python work.
    n = len(data)
    src = memoryview(data)
    m0 = int.from_bytes(iv[16:])
    buf = bytearray(n)
    view = memoryview(buf)
    buf[:16] = src[:16]
    buf[16:32] = (int.from_bytes(src[16:32]) ^ m0).to_bytes(16, "big")
    strxor(src[32:], src[:-32], output=view[32:])
    AES.new(key, AES.MODE_CBC, iv[:16]).encrypt(buf, output=buf)
    buf[:16] = (int.from_bytes(view[:16]) ^ m0).to_bytes(16, "big")
    strxor(view[16:], src[:-16], output=view[16:])
    return bytes(buf)


def _decrypt_pycryptodome(data: bytes, key: bytes, iv: bytes) -> bytes:
    """IGE decryption, one ECB call per block: each call's input needs the previous output."""
    decrypt = AES.new(key, AES.MODE_ECB).decrypt
    from_bytes = int.from_bytes
    view = memoryview(data)
    c_prev = from_bytes(iv[:16])
    m_prev = from_bytes(iv[16:])
    out: list[bytes] = []
    append = out.append
    for i in range(0, len(data), 16):
        c = from_bytes(view[i : i + 16])
        m_prev = from_bytes(decrypt((c ^ m_prev).to_bytes(16, "big"))) ^ c_prev
        append(m_prev.to_bytes(16, "big"))
        c_prev = c
    return b"".join(out)


#: Every backend available in this interpreter: name -> (encrypt, decrypt). Tests use it to
#: run each path explicitly, whatever the environment selected.
_BACKENDS: dict[str, tuple[_Cipher, _Cipher]] = {
    "pycryptodome": (_encrypt_pycryptodome, _decrypt_pycryptodome),
}
if _backend.CRYPTG_INSTALLED is not None:
    _BACKENDS["cryptg"] = (
        _backend.CRYPTG_INSTALLED.encrypt_ige,
        _backend.CRYPTG_INSTALLED.decrypt_ige,
    )

_encrypt, _decrypt = _BACKENDS[_backend.BACKEND]


def _checked(data: bytes, key: bytes, iv: bytes) -> tuple[bytes, bytes, bytes]:
    if len(key) != 32:
        raise LocalProtocolError(f"AES-256-IGE needs a 32-byte key, got {len(key)} bytes")
    if len(iv) != 32:
        raise LocalProtocolError(f"AES-256-IGE needs a 32-byte iv, got {len(iv)} bytes")
    if len(data) % 16:
        raise LocalProtocolError(
            f"AES-256-IGE data must be a multiple of 16 bytes, got {len(data)} bytes"
        )
    # cryptg accepts only bytes; converting here keeps bytearray/memoryview callers working.
    if type(data) is not bytes:
        data = bytes(data)
    if type(key) is not bytes:
        key = bytes(key)
    if type(iv) is not bytes:
        iv = bytes(iv)
    return data, key, iv


def ige256_encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """Encrypt ``data`` with AES-256-IGE.

    Args:
        data: the plaintext, a multiple of 16 bytes long (MTProto pads before encrypting).
        key: the 32-byte AES key.
        iv: the 32-byte IGE iv (first half the previous-ciphertext block, second half the
            previous-plaintext block, as MTProto's KDF lays them out).

    Raises:
        LocalProtocolError: a size is wrong.
    """
    data, key, iv = _checked(data, key, iv)
    if not data:
        return b""
    return _encrypt(data, key, iv)


def ige256_decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """Decrypt AES-256-IGE ``data``; the sizes are as for :func:`ige256_encrypt`.

    Raises:
        LocalProtocolError: a size is wrong. (A length that is not a multiple of 16 coming
            from the network must be rejected by the caller before it gets here.)
    """
    data, key, iv = _checked(data, key, iv)
    if not data:
        return b""
    return _decrypt(data, key, iv)


def ige_backend() -> str:
    """The AES-IGE implementation in use: ``"cryptg"`` or ``"pycryptodome"``.

    Chosen at import time: cryptg when it is installed, unless the environment variable
    ``TGCORE_CRYPTO_BACKEND`` is ``pycryptodome`` (``cryptg`` forces cryptg, ``auto`` or unset
    picks the best available).
    """
    return _backend.BACKEND
