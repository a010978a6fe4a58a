"""The auth key: the 2048-bit secret a handshake produces, and the ids derived from it."""

from __future__ import annotations

import hashlib

import attrs

from tgcore.errors import LocalProtocolError

__all__ = ["AuthKey"]

_MIN_KEY_BYTES = 128  # the MTProto 2.0 KDF reads auth_key bytes up to offset 8 + 88 + 32


def _key_bytes(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise LocalProtocolError(f"an auth key is bytes, not {type(value).__name__}")
    return bytes(value)


def _signed_long(data: bytes) -> int:
    return int.from_bytes(data, "little", signed=True)


@attrs.frozen
class AuthKey:
    """An MTProto auth key and its derived identifiers.

    ``key`` is normally the 256-byte big-endian encoding of ``g_ab``. Shorter keys are accepted
    (down to 128 bytes, all the KDF reads) because Telethon encodes ``g_ab`` minimally: about one
    key in 256 is 255 bytes long on its side, and everything derived from the key (``key_id``,
    ``msg_key``, the message keys) is then computed over those 255 bytes.
    See :meth:`from_int` to build either form from ``g_ab``.

    The key never appears in ``repr``; only ``key_id`` does.

    Attributes:
        key: the key bytes.
        key_id: the ``auth_key_id`` sent with every encrypted message: the low 64 bits of
            SHA1(key), i.e. its last 8 bytes read little-endian, as a signed int64.
        aux_hash: the first 8 bytes of SHA1(key) read little-endian, as a signed int64
            (used by :meth:`new_nonce_hash`).
    """

    key: bytes = attrs.field(converter=_key_bytes, repr=False)
    key_id: int = attrs.field(init=False, eq=False)
    aux_hash: int = attrs.field(init=False, eq=False, repr=False)
    _aux_bytes: bytes = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not _MIN_KEY_BYTES <= len(self.key) <= 256:
            raise LocalProtocolError(
                f"an auth key is 256 bytes (or a minimal encoding of at least {_MIN_KEY_BYTES}), "
                f"got {len(self.key)}"
            )
        digest = hashlib.sha1(self.key).digest()
        object.__setattr__(self, "key_id", _signed_long(digest[-8:]))
        object.__setattr__(self, "aux_hash", _signed_long(digest[:8]))
        object.__setattr__(self, "_aux_bytes", digest[:8])

    @classmethod
    def from_int(cls, value: int, *, minimal: bool = False) -> AuthKey:
        """The auth key for the shared secret ``g_ab``.

        Args:
            value: ``g_ab``, with ``0 < value < 2**2048``.
            minimal: encode with as few bytes as possible, as Telethon does, instead of the
                256 bytes the spec (and Telegram, TDLib, Kurigram) use.
        """
        if not 0 < value < 1 << 2048:
            raise LocalProtocolError("g_ab must be a positive integer below 2**2048")
        size = (value.bit_length() + 7) // 8 if minimal else 256
        return cls(value.to_bytes(size, "big"))

    def new_nonce_hash(self, new_nonce: int, number: int) -> int:
        """``new_nonce_hash1/2/3`` of ``dh_gen_ok/retry/fail``, as a signed int128.

        The low 128 bits of SHA1(new_nonce + byte(number) + SHA1(key)[:8]) (bytes 4..20 of the
        digest, little-endian). ``new_nonce`` is the int256 as decoded from TL (signed or
        unsigned: only its 32 little-endian bytes matter); ``number`` is 1, 2 or 3.
        """
        if number not in (1, 2, 3):
            raise LocalProtocolError(f"new_nonce_hash number is 1, 2 or 3, not {number}")
        if not -(1 << 255) <= new_nonce < 1 << 256:
            raise LocalProtocolError("new_nonce must fit in 256 bits")
        nonce_bytes = (new_nonce % (1 << 256)).to_bytes(32, "little")
        digest = hashlib.sha1(nonce_bytes + bytes((number,)) + self._aux_bytes).digest()
        return int.from_bytes(digest[4:20], "little", signed=True)
