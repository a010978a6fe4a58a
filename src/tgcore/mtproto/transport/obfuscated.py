"""Obfuscated2: a plain framing wrapped in AES-256-CTR keyed by a 64-byte random header."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from tgcore.crypto import AesCtr
from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport.abridged import Abridged
from tgcore.mtproto.transport.base import (
    DEFAULT_MAX_FRAME_SIZE,
    ERROR_MALFORMED,
    BaseFramer,
    Role,
    _check_max_frame_size,
)
from tgcore.mtproto.transport.events import TransportEvent
from tgcore.mtproto.transport.intermediate import Intermediate
from tgcore.mtproto.transport.padded import PaddedIntermediate

__all__ = ["HEADER_SIZE", "Obfuscated2"]

HEADER_SIZE = 64
"""Length of the obfuscated2 initialization header the client sends first."""

# Header openings a client must avoid because the server would take them for another
# protocol: padded intermediate, intermediate, HTTP (HEAD, POST, GET, OPTIONS), TLS, and
# "PVrG", which Telethon avoids too. The first byte must also not be 0xef (abridged) and the
# second int not 0 (full, whose first sequence number is 0).
_FORBIDDEN_OPENINGS = frozenset(
    {
        b"\xdd\xdd\xdd\xdd",
        b"\xee\xee\xee\xee",
        b"HEAD",
        b"POST",
        b"GET ",
        b"OPTI",
        b"\x16\x03\x01\x02",
        b"PVrG",
    }
)
_MAX_ATTEMPTS = 1000

_CODECS: dict[bytes, type[BaseFramer]] = {
    codec.OBFUSCATED_TAG: codec
    for codec in (Abridged, Intermediate, PaddedIntermediate)
    if codec.OBFUSCATED_TAG is not None
}

_KeyIv = tuple[bytes, bytes]


def _normalize_secret(secret: bytes | None) -> bytes:
    if secret is None:
        return b""
    if len(secret) == 17 and secret[0] == 0xDD:
        # The "dd" prefix only tells the client to prefer padded intermediate.
        return bytes(secret[1:])
    if len(secret) != 16:
        raise ValueError("an MTProxy secret is 16 bytes (or 17 with a leading 0xdd)")
    return bytes(secret)


def _derive(header: bytes, secret: bytes) -> tuple[_KeyIv, _KeyIv]:
    """(key, iv) of the client's sending direction, then of the server's sending direction."""
    reverse = header[8:56][::-1]
    pairs = ((header[8:40], header[40:56]), (reverse[:32], reverse[32:48]))
    if not secret:
        return pairs
    (k1, iv1), (k2, iv2) = pairs
    return (
        (hashlib.sha256(k1 + secret).digest(), iv1),
        (hashlib.sha256(k2 + secret).digest(), iv2),
    )


def _decrypt_header(header: bytes, secret: bytes) -> tuple[bytes, AesCtr, AesCtr]:
    """Server side: (decrypted header, client->server decryptor, server->client encryptor)."""
    client_to_server, server_to_client = _derive(header, secret)
    decryptor = AesCtr(*client_to_server)
    plain = decryptor.update(header)
    return plain, decryptor, AesCtr(*server_to_client)


def _make_header(rng: Callable[[int], bytes], tag: bytes, dc_id: int | None) -> bytearray:
    for _ in range(_MAX_ATTEMPTS):
        header = bytearray(rng(HEADER_SIZE))
        if len(header) != HEADER_SIZE:
            raise LocalProtocolError(f"rng({HEADER_SIZE}) returned {len(header)} bytes")
        if (
            header[0] != 0xEF
            and bytes(header[:4]) not in _FORBIDDEN_OPENINGS
            and header[4:8] != b"\x00\x00\x00\x00"
        ):
            break
    else:
        raise LocalProtocolError(f"rng produced {_MAX_ATTEMPTS} forbidden obfuscated2 headers")
    header[56:60] = tag
    if dc_id is not None:
        header[60:62] = dc_id.to_bytes(2, "little", signed=True)
    return header


class Obfuscated2:
    """Obfuscated2 transport: abridged, intermediate or padded framing under AES-256-CTR.

    The client sends a 64-byte header first: random bytes (avoiding openings that look like
    another transport), with the inner framing's 4-byte id at offset 56 and, for MTProxy, the
    DC id (int16) at offset 60. Bytes 8-40 and 40-56 are the key and IV of the client's
    sending direction; the same 48 bytes reversed give the key and IV of the server's. With
    an MTProxy ``secret`` each key becomes ``sha256(key + secret)``. The header itself is the
    first thing encrypted and the client sends ``header[:56]`` in clear followed by the
    encrypted bytes 56-64, so only a holder of the keys can read the protocol id. Everything
    after flows through the two continuing CTR streams.

    Args:
        role: Which end of the connection this framer serves.
        codec: The inner framing: :class:`Abridged` (the client default),
            :class:`Intermediate` or :class:`PaddedIntermediate`. A server given a codec
            accepts only that one; by default it takes whichever the header names.
        max_frame_size: Passed to the inner framer.
        rng: Randomness for the header and the inner framer's padding.
        dc_id: Client only: the DC id to put in the header (MTProxy needs it; Telegram's
            convention is negative for media DCs and +10000 for test DCs).
        secret: MTProxy secret, 16 bytes or 17 with a leading ``0xdd``.
    """

    def __init__(
        self,
        role: Role,
        codec: type[BaseFramer] | None = None,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        rng: Callable[[int], bytes] = os.urandom,
        dc_id: int | None = None,
        secret: bytes | None = None,
    ) -> None:
        if not isinstance(role, Role):
            raise TypeError(f"role must be a Role, not {role!r}")
        if codec is not None and codec.OBFUSCATED_TAG not in _CODECS:
            raise ValueError(f"{codec.__name__} cannot be carried by obfuscated2")
        if dc_id is not None and (role is Role.SERVER or not -(2**15) <= dc_id < 2**15):
            raise ValueError("dc_id is an int16 that only the client sets")
        self._role = role
        self._max = _check_max_frame_size(max_frame_size)
        self._rng = rng
        self._secret = _normalize_secret(secret)
        self._codec = codec
        self._dc_id = dc_id
        self._inner: BaseFramer | None = None
        self._encryptor: AesCtr | None = None
        self._decryptor: AesCtr | None = None
        self._head = bytearray()
        self._error: TransportError | None = None
        self._preamble = b""
        if role is Role.CLIENT:
            self._start_client(codec or Abridged)

    def _start_client(self, codec: type[BaseFramer]) -> None:
        assert codec.OBFUSCATED_TAG is not None  # checked in __init__
        header = _make_header(self._rng, codec.OBFUSCATED_TAG, self._dc_id)
        client_to_server, server_to_client = _derive(bytes(header), self._secret)
        self._encryptor = AesCtr(*client_to_server)
        self._decryptor = AesCtr(*server_to_client)
        encrypted = self._encryptor.update(bytes(header))
        self._preamble = bytes(header[:56]) + encrypted[56:HEADER_SIZE]
        self._install(codec)

    def _install(self, codec: type[BaseFramer]) -> None:
        self._codec = codec
        inner = codec(self._role, max_frame_size=self._max, rng=self._rng)
        inner.preamble()  # the protocol id travels inside the header instead
        self._inner = inner

    @property
    def role(self) -> Role:
        """The end of the connection this framer serves."""
        return self._role

    @property
    def codec(self) -> type[BaseFramer] | None:
        """The inner framing; ``None`` while a server that accepts any waits for the header."""
        return self._codec

    @property
    def dc_id(self) -> int | None:
        """The header's DC id (int16 at offset 60 of the decrypted header).

        Only MTProxy clients fill it in; for others a server reads two random bytes here.
        ``None`` on a server before the header arrived, or on a client that set none.
        """
        return self._dc_id

    @property
    def padded(self) -> bool:
        """Whether received payloads may end in random padding (padded inner framing)."""
        return self._codec is not None and self._codec.PADDED

    def preamble(self) -> bytes:
        """The 64-byte header for the client to send first (once; ``b""`` afterwards)."""
        preamble, self._preamble = self._preamble, b""
        return preamble

    def feed(self, data: bytes) -> list[TransportEvent]:
        """Decrypt bytes read from the stream and return the inner framer's events.

        A server first collects the 64-byte header; one that does not decrypt to a known
        protocol id raises ``TransportError(ERROR_MALFORMED)``.
        """
        if self._error is not None:
            raise TransportError(self._error.code, f"transport already failed: {self._error}")
        if self._inner is None:
            self._head += data
            if len(self._head) < HEADER_SIZE:
                return []
            header = bytes(self._head[:HEADER_SIZE])
            data = bytes(self._head[HEADER_SIZE:])
            self._head = bytearray()
            try:
                self._accept_header(header)
            except TransportError as exc:
                self._error = exc
                raise
        inner, decryptor = self._inner, self._decryptor
        assert inner is not None and decryptor is not None
        return inner.feed(decryptor.update(data)) if data else []

    def _accept_header(self, header: bytes) -> None:
        plain, decryptor, encryptor = _decrypt_header(header, self._secret)
        codec = _CODECS.get(plain[56:60])
        if codec is None or (self._codec is not None and codec is not self._codec):
            raise TransportError(
                ERROR_MALFORMED, "obfuscated2 header does not name an accepted protocol"
            )
        self._dc_id = int.from_bytes(plain[60:62], "little", signed=True)
        self._decryptor, self._encryptor = decryptor, encryptor
        self._install(codec)

    def _started(self) -> tuple[BaseFramer, AesCtr]:
        if self._inner is None or self._encryptor is None:
            raise LocalProtocolError("the obfuscated2 header has not been received yet")
        return self._inner, self._encryptor

    def pack(self, payload: bytes, *, quick_ack: bool = False) -> bytes:
        """Frame and encrypt one payload (after the header, if not yet taken)."""
        inner, encryptor = self._started()
        framed = encryptor.update(inner.pack(payload, quick_ack=quick_ack))
        return self.preamble() + framed

    def pack_quick_ack(self, token: int) -> bytes:
        """Frame and encrypt a quick-ack token (server only)."""
        inner, encryptor = self._started()
        return encryptor.update(inner.pack_quick_ack(token))

    def pack_error(self, code: int) -> bytes:
        """Frame and encrypt a transport error (server only)."""
        inner, encryptor = self._started()
        return encryptor.update(inner.pack_error(code))
