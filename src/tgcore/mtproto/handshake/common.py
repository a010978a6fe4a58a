"""What both roles of the auth-key handshake share: the result event and the small computations.

The handshake exchanges unencrypted messages (see :mod:`tgcore.mtproto.envelope`); the two
secret payloads inside it (server_DH_inner_data and client_DH_inner_data) are framed the same
way in both directions, ``sha1(object) + object + padding`` under AES-256-IGE with the key
derived from new_nonce and server_nonce, so the framing lives here once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

import attrs

from tgcore.crypto import AuthKey, ige256_decrypt, ige256_encrypt, sha1, tmp_aes_key_iv
from tgcore.errors import RemoteProtocolError, SecurityError
from tgcore.tl import TLObject
from tgcore.tl.errors import TLDecodeError
from tgcore.tl.primitives import Reader

__all__ = ["AuthKeyCreated", "RsaScheme"]

T = TypeVar("T", bound=TLObject)

#: Bytes of a 2048-bit Diffie-Hellman value written big-endian at full width.
DH_BYTES = 256

# Every genuine handshake message is well under 1 KB (req_DH_params, the largest, is ~340
# bytes; resPQ grows by 8 bytes per fingerprint). Anything far larger is refused unread.
MAX_BODY = 4096
# server_DH_inner_data (the larger secret payload) encrypts to 592 bytes.
MAX_ENCRYPTED_INNER = 1024


class RsaScheme(enum.Enum):
    """How the client RSA-encrypted its p_q_inner_data in req_DH_params.

    Attributes:
        RSA_PAD: MTProto 2.0 RSA_PAD (SHA-256 verified): official apps, TDLib, tgcore.
        LEGACY: the pre-2.0 ``sha1(data) + data + padding`` under raw RSA: Telethon 1.x,
            Kurigram.
    """

    RSA_PAD = "rsa_pad"
    LEGACY = "legacy"


@attrs.frozen
class AuthKeyCreated:
    """The handshake finished: both sides now hold the same auth key.

    ``auth_key`` is always the 256-byte big-endian encoding of g^ab mod dh_prime, as the MTProto
    specification, Telegram's servers, TDLib and Kurigram use it. When the top byte of that value
    is zero (about one handshake in 256), Telethon 1.x strips the leading zero bytes and uses the
    shorter string as its key, which changes every hash derived from it (key id, aux hash, message
    keys): ``alt_auth_key`` is that minimal encoding then, and None otherwise. A server registers
    both key ids and keeps whichever the client uses first; a client keeps ``auth_key``.

    Attributes:
        auth_key: The 256-byte auth key.
        first_salt: The first server salt: new_nonce[0:8] XOR server_nonce[0:8], as a signed
            little-endian long.
        time_offset: Client role: the server's clock minus ours, in whole seconds (0 in the
            server role).
        alt_auth_key: The minimal-length encoding of the same key when it is shorter than
            256 bytes, else None.
        is_temp: True for a temporary key (the client sent p_q_inner_data_temp_dc).
        expires_at: For a temporary key, the Unix time (on the server's clock) at which it
            expires; None for a permanent key.
        dc_id: The ``dc`` field of the client's inner data (+10000 on test servers, negative
            for media DCs), or None when it sent the dc-less p_q_inner_data.
        rsa_scheme: How the client encrypted its inner data.
    """

    auth_key: AuthKey
    first_salt: int
    time_offset: int = 0
    alt_auth_key: AuthKey | None = None
    is_temp: bool = False
    expires_at: int | None = None
    dc_id: int | None = None
    rsa_scheme: RsaScheme = RsaScheme.RSA_PAD

    @property
    def auth_keys(self) -> tuple[AuthKey, ...]:
        """Every encoding of the key the peer may use: ``auth_key`` first, then ``alt_auth_key``."""
        if self.alt_auth_key is None:
            return (self.auth_key,)
        return (self.auth_key, self.alt_auth_key)


# -- integers on the wire -------------------------------------------------------------------------


def nonce_bytes(value: int, size: int) -> bytes:
    """An int128/int256 nonce as the little-endian bytes it has on the wire."""
    return value.to_bytes(size, "little", signed=True)


def random_nonce(rng: Callable[[int], bytes], size: int) -> int:
    """A fresh random nonce of ``size`` bytes, as the signed int the TL classes carry."""
    return int.from_bytes(rng(size), "little", signed=True)


def minimal_be(value: int) -> bytes:
    """``value`` as big-endian bytes without leading zeros (what Telethon writes)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def be_int_matches(data: bytes, value: int, width: int) -> bool:
    """Whether ``data`` encodes ``value`` big-endian at ``width`` bytes or at minimal length.

    Kurigram and the specification's samples write p and q in 4 bytes and pq in 8; Telethon
    writes the minimal encoding. Both are accepted, nothing else.
    """
    return data in (value.to_bytes(width, "big"), minimal_be(value))


def first_salt(new_nonce: int, server_nonce: int) -> int:
    """new_nonce[0:8] XOR server_nonce[0:8] (wire bytes), as a signed little-endian long."""
    a = int.from_bytes(nonce_bytes(new_nonce, 32)[:8], "little")
    b = int.from_bytes(nonce_bytes(server_nonce, 16)[:8], "little")
    return int.from_bytes((a ^ b).to_bytes(8, "little"), "little", signed=True)


def params_fail_hash(new_nonce: int) -> int:
    """new_nonce_hash of server_DH_params_fail: the low 128 bits of sha1(new_nonce)."""
    return int.from_bytes(sha1(nonce_bytes(new_nonce, 32))[4:20], "little", signed=True)


def key_encodings(g_ab: int) -> tuple[AuthKey, AuthKey | None]:
    """The 256-byte auth key for g^ab, and its minimal encoding when that is shorter."""
    full = g_ab.to_bytes(DH_BYTES, "big")
    if full[0]:
        return AuthKey(full), None
    return AuthKey(full), AuthKey(minimal_be(g_ab))


# -- TL parsing -----------------------------------------------------------------------------------


def read_one_of(reader: Reader, allowed: tuple[type[T], ...]) -> T:
    """Read a boxed object that must be one of ``allowed``.

    Only the handshake's own constructors are ever decoded here (never the general registry,
    which would also unpack gzip_packed and the whole API schema for an unauthenticated peer).

    Raises:
        TLDecodeError: an unexpected constructor id or a malformed body.
    """
    cid = reader.read_uint()
    for cls in allowed:
        if cid == cls.CONSTRUCTOR_ID:
            return cls.from_reader(reader)
    raise TLDecodeError(f"constructor 0x{cid:08x} is not expected here")


def parse_body(body: bytes, allowed: tuple[type[T], ...]) -> T:
    """The one boxed TL object, among ``allowed``, that makes up a plain message body.

    Garbage, another constructor, trailing bytes or an outsized body are a RemoteProtocolError.
    """
    if len(body) > MAX_BODY:
        raise RemoteProtocolError(f"handshake message of {len(body)} bytes")
    reader = Reader(body)
    try:
        obj = read_one_of(reader, allowed)
    except TLDecodeError as exc:
        raise RemoteProtocolError(f"malformed handshake message: {exc}") from exc
    if reader.remaining():
        raise RemoteProtocolError(f"{reader.remaining()} trailing bytes after a handshake message")
    return obj


# -- the AES-IGE wrapped inner data --------------------------------------------------------------


def encrypt_inner(
    obj: TLObject, new_nonce: int, server_nonce: int, rng: Callable[[int], bytes]
) -> bytes:
    """``IGE(sha1(obj) + obj + random padding to a multiple of 16)`` under the temporary key."""
    data = bytes(obj)
    plain = sha1(data) + data
    plain += rng(-len(plain) % 16)
    key, iv = tmp_aes_key_iv(nonce_bytes(new_nonce, 32), nonce_bytes(server_nonce, 16))
    return ige256_encrypt(plain, key, iv)


def decrypt_inner(
    encrypted: bytes, new_nonce: int, server_nonce: int, expected: type[T], what: str
) -> T:
    """Undo :func:`encrypt_inner` and check everything; SecurityError on any failure.

    The sha1 covers exactly the bytes of the TL object, so the object is parsed first to learn
    where it ends; what follows it must be less than one AES block of padding.
    """
    if not encrypted or len(encrypted) % 16 or len(encrypted) > MAX_ENCRYPTED_INNER:
        raise SecurityError(f"{what}: encrypted length {len(encrypted)} is not valid")
    key, iv = tmp_aes_key_iv(nonce_bytes(new_nonce, 32), nonce_bytes(server_nonce, 16))
    plain = ige256_decrypt(encrypted, key, iv)
    reader = Reader(plain, 20)
    try:
        obj = read_one_of(reader, (expected,))
    except TLDecodeError as exc:
        raise SecurityError(f"{what}: undecodable after decryption ({exc})") from exc
    if reader.remaining() >= 16:
        raise SecurityError(f"{what}: {reader.remaining()} bytes of padding")
    if sha1(plain[20 : reader.position]) != plain[:20]:
        raise SecurityError(f"{what}: sha1 mismatch")
    return obj


def check_echo(got: tuple[int, int], want: tuple[int, int], what: str) -> None:
    """The echoed ``(nonce, server_nonce)`` must be the pair we hold."""
    if got[0] != want[0]:
        raise SecurityError(f"{what}: nonce mismatch")
    if got[1] != want[1]:
        raise SecurityError(f"{what}: server_nonce mismatch")
