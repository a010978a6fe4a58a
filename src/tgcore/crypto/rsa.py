"""The server's RSA key pair: PEM in and out, the fingerprint, and both encryption schemes.

MTProto uses raw (textbook) RSA on a 256-byte block that ``tgcore.crypto._rsa_pad`` builds
(RSA_PAD or the legacy layout, both described there), so keys are always 2048-bit. The private
operation goes through pycryptodome's key object (CRT and blinding in constant-time C
arithmetic: ~1 ms, against ~20 ms for ``pow(c, d, n)``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Literal, cast

import attrs
from Crypto.IO import PEM
from Crypto.PublicKey import RSA
from Crypto.Util.asn1 import DerSequence

from tgcore.crypto._rsa_pad import legacy_unwrap, legacy_wrap, rsa_pad_unwrap, rsa_pad_wrap
from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.tl.primitives import pack_bytes

__all__ = ["RsaPlaintext", "RsaPrivateKey", "RsaPublicKey"]

_BITS = 2048
_BLOCK = _BITS // 8


def _minimal_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _import(data: bytes | str) -> RSA.RsaKey:
    try:
        return RSA.import_key(data)
    except (ValueError, IndexError, TypeError) as exc:
        raise LocalProtocolError(f"not a readable RSA key: {exc}") from exc


@attrs.frozen
class RsaPublicKey:
    """A 2048-bit RSA public key ``(n, e)``, as clients know the server's key.

    Attributes:
        n: the modulus (exactly 2048 bits).
        e: the public exponent (odd, usually 65537).
    """

    n: int
    e: int

    def __attrs_post_init__(self) -> None:
        if self.n.bit_length() != _BITS:
            raise LocalProtocolError(f"MTProto RSA keys are {_BITS}-bit, got {self.n.bit_length()}")
        if not (3 <= self.e < self.n and self.e % 2 == 1):
            raise LocalProtocolError("the RSA public exponent must be odd and in [3, n)")

    @classmethod
    def from_pem(cls, data: bytes | str) -> RsaPublicKey:
        """Read a public key: PKCS#1 (``BEGIN RSA PUBLIC KEY``) or SubjectPublicKeyInfo
        (``BEGIN PUBLIC KEY``).

        Raises:
            LocalProtocolError: unreadable, a private key, or not 2048-bit.
        """
        key = _import(data)
        if key.has_private():
            raise LocalProtocolError("expected a public key, got a private key")
        return cls(int(key.n), int(key.e))

    def to_pem(self) -> bytes:
        """PKCS#1 PEM (``-----BEGIN RSA PUBLIC KEY-----``), the form Telethon's add_key reads."""
        der = DerSequence([self.n, self.e]).encode()
        return PEM.encode(der, "RSA PUBLIC KEY").encode("ascii") + b"\n"

    @property
    def fingerprint(self) -> int:
        """The key's id in ``resPQ``: the low 64 bits of SHA1(tl_bytes(n) + tl_bytes(e)) as a
        signed int64 (its last 8 digest bytes read little-endian); ``n`` and ``e`` as minimal
        big-endian bytes."""
        digest = hashlib.sha1(
            pack_bytes(_minimal_bytes(self.n)) + pack_bytes(_minimal_bytes(self.e))
        ).digest()
        return int.from_bytes(digest[-8:], "little", signed=True)

    def _raw_encrypt(self, block: bytes) -> bytes:
        return pow(int.from_bytes(block, "big"), self.e, self.n).to_bytes(_BLOCK, "big")

    def encrypt_rsa_pad(self, data: bytes, rng: Callable[[int], bytes]) -> bytes:
        """Client side: ``encrypted_data`` for ``req_DH_params`` with MTProto 2.0 RSA_PAD.

        Args:
            data: the TL-serialized ``p_q_inner_data*``, at most 144 bytes.
            rng: the randomness source (padding and ``temp_key``).

        Returns:
            256 bytes.
        """
        return self._raw_encrypt(rsa_pad_wrap(data, rng, self.n))

    def encrypt_legacy(self, data: bytes, rng: Callable[[int], bytes]) -> bytes:
        """Client side, pre-2.0 scheme (what Telethon sends): RSA of
        ``SHA1(data) + data + padding``; ``data`` at most 235 bytes. Returns 256 bytes."""
        return self._raw_encrypt(legacy_wrap(data, rng))


@attrs.frozen
class RsaPlaintext:
    """What :meth:`RsaPrivateKey.decrypt_inner_data` recovered, and which scheme carried it.

    Attributes:
        data: for ``"rsa_pad"``, the 192-byte ``data_with_padding`` (TL followed by random
            padding); for ``"legacy"``, exactly the data whose SHA-1 was checked.
        scheme: ``"rsa_pad"`` or ``"legacy"``.
    """

    data: bytes = attrs.field(repr=False)
    scheme: Literal["rsa_pad", "legacy"]


class RsaPrivateKey:
    """The server's RSA key pair. Build it with :meth:`generate` or :meth:`from_pem`."""

    __slots__ = ("_key", "_private_op", "public_key")

    def __init__(self, key: RSA.RsaKey) -> None:
        """Wrap a pycryptodome private key (prefer :meth:`generate` and :meth:`from_pem`)."""
        if not key.has_private():
            raise LocalProtocolError("expected a private key, got a public key")
        self._key = key
        #: The matching public key.
        self.public_key = RsaPublicKey(int(key.n), int(key.e))
        # pycryptodome's CRT + blinding, returning the result as bytes of the modulus size.
        self._private_op = cast("Callable[[int], bytes]", key._decrypt_to_bytes)

    def __repr__(self) -> str:
        return f"RsaPrivateKey(fingerprint={self.fingerprint})"

    @classmethod
    def generate(
        cls, bits: int = _BITS, rng: Callable[[int], bytes] | None = None
    ) -> RsaPrivateKey:
        """A new key pair (about 0.1 s).

        Args:
            bits: must be 2048, the only size MTProto uses.
            rng: the randomness source (``None``: the OS's); a seeded one gives a reproducible key.
        """
        if bits != _BITS:
            raise LocalProtocolError(f"MTProto RSA keys are {_BITS}-bit, not {bits}")
        return cls(RSA.generate(bits, randfunc=rng))

    @classmethod
    def from_pem(cls, data: bytes | str) -> RsaPrivateKey:
        """Read an unencrypted private key in PEM: PKCS#1 (``BEGIN RSA PRIVATE KEY``) or
        PKCS#8 (``BEGIN PRIVATE KEY``).

        Raises:
            LocalProtocolError: unreadable, encrypted, a public key, or not 2048-bit.
        """
        return cls(_import(data))

    def to_pem(self) -> bytes:
        """The private key as PKCS#1 PEM (``-----BEGIN RSA PRIVATE KEY-----``). Keep it secret."""
        return self._key.export_key(format="PEM", pkcs=1) + b"\n"

    @property
    def fingerprint(self) -> int:
        """The public key's fingerprint (see :attr:`RsaPublicKey.fingerprint`)."""
        return self.public_key.fingerprint

    def _raw_decrypt(self, encrypted: bytes) -> bytes:
        if len(encrypted) != _BLOCK:
            raise SecurityError(f"RSA encrypted data is {_BLOCK} bytes, got {len(encrypted)}")
        value = int.from_bytes(encrypted, "big")
        if value >= self.public_key.n:
            raise SecurityError("RSA encrypted data is not below the modulus")
        return self._private_op(value)

    def decrypt_rsa_pad(self, encrypted: bytes) -> bytes:
        """Server side: undo :meth:`RsaPublicKey.encrypt_rsa_pad`.

        Returns:
            the 192-byte ``data_with_padding``: the TL ``p_q_inner_data*`` followed by random
            padding; parse the TL object from the front.

        Raises:
            SecurityError: wrong size, not below the modulus, or hash mismatch.
        """
        return rsa_pad_unwrap(self._raw_decrypt(encrypted))

    def decrypt_legacy(self, encrypted: bytes) -> bytes:
        """Server side: undo the legacy scheme (:meth:`RsaPublicKey.encrypt_legacy`, Telethon's).

        Returns:
            exactly ``data``, its SHA-1 already checked (the prefix of the 235 bytes after the
            digest whose SHA-1 matches). No further hash check is needed by the caller.

        Raises:
            SecurityError: wrong size, not below the modulus, or no prefix matching the SHA-1.
        """
        return legacy_unwrap(self._raw_decrypt(encrypted))

    def decrypt_inner_data(self, encrypted: bytes) -> RsaPlaintext:
        """Server side: accept either scheme with a single RSA operation.

        ``req_DH_params`` does not say which scheme the client used: RSA_PAD is tried first,
        then legacy (a block passing the wrong scheme's hash check by accident has odds below
        2**-150).

        Raises:
            SecurityError: neither scheme's checks pass.
        """
        block = self._raw_decrypt(encrypted)
        try:
            return RsaPlaintext(rsa_pad_unwrap(block), "rsa_pad")
        except SecurityError:
            pass
        try:
            return RsaPlaintext(legacy_unwrap(block), "legacy")
        except SecurityError:
            raise SecurityError("RSA encrypted data is neither RSA_PAD nor legacy") from None
