"""Server side: tell from a connection's first bytes which transport the client speaks.

The decision, in order (every rule needs only the bytes it names):

1. First byte ``0xef``: abridged. A full frame cannot start so (its length is a multiple of 4)
   and obfuscated2 clients never pick it.
2. First int ``0xeeeeeeee``: intermediate; ``0xdddddddd``: padded intermediate.
3. ``POST``, ``GET ``, ``HEAD``, ``OPTI``: HTTP, and ``16 03 01 02``: a fake-TLS MTProxy
   client. Neither is supported: ``TransportError(ERROR_MALFORMED)``. Read as a full frame's
   length, every opening of rules 2 and 3 is either not a multiple of 4 or over 1 GiB, so no
   valid full frame is mistaken for them.
4. Second int zero: full. A full client's first frame has sequence number 0, and obfuscated2
   clients must never put zero there precisely to keep this rule exact. Deciding at 8 bytes
   matters: a full client's first frame (``req_pq_multi``, 52 bytes) can be shorter than an
   obfuscated2 header, so waiting for 64 bytes could stall it.
5. Otherwise, at 64 bytes, obfuscated2 if the header decrypts to one of the three protocol
   ids; anything else is garbage: ``TransportError(ERROR_MALFORMED)``.

A peer that sends fewer bytes than a rule needs and then waits leaves the decision pending;
the gateway should bound that with a timeout.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport.abridged import Abridged
from tgcore.mtproto.transport.base import (
    DEFAULT_MAX_FRAME_SIZE,
    ERROR_MALFORMED,
    BaseFramer,
    Framer,
    Role,
    _check_max_frame_size,
)
from tgcore.mtproto.transport.events import TransportEvent
from tgcore.mtproto.transport.full import Full
from tgcore.mtproto.transport.intermediate import Intermediate
from tgcore.mtproto.transport.obfuscated import (
    _CODECS,
    HEADER_SIZE,
    Obfuscated2,
    _decrypt_header,
    _normalize_secret,
)
from tgcore.mtproto.transport.padded import PaddedIntermediate

__all__ = ["ServerTransport", "TransportKind", "detect"]

_HTTP = frozenset({b"POST", b"GET ", b"HEAD", b"OPTI"})
_FAKE_TLS = b"\x16\x03\x01\x02"


class TransportKind(enum.Enum):
    """The framings a server can recognise."""

    ABRIDGED = "abridged"
    INTERMEDIATE = "intermediate"
    PADDED_INTERMEDIATE = "padded_intermediate"
    FULL = "full"
    OBFUSCATED2 = "obfuscated2"


def detect(data: bytes | bytearray, *, secret: bytes | None = None) -> TransportKind | None:
    """Decide from a connection's first bytes which transport the client uses.

    Args:
        data: Everything received so far (the tag included; nothing is consumed).
        secret: MTProxy secret that obfuscated2 headers are keyed with, if any.

    Returns:
        The transport, or ``None`` while more bytes are needed (never past 64 bytes).

    Raises:
        TransportError: ``ERROR_MALFORMED`` for HTTP, fake-TLS or unrecognisable bytes.
    """
    if not data:
        return None
    if data[0] == 0xEF:
        return TransportKind.ABRIDGED
    if len(data) < 4:
        return None
    opening = bytes(data[:4])
    if opening == Intermediate.TAG:
        return TransportKind.INTERMEDIATE
    if opening == PaddedIntermediate.TAG:
        return TransportKind.PADDED_INTERMEDIATE
    if opening in _HTTP:
        raise TransportError(ERROR_MALFORMED, "the HTTP transport is not supported")
    if opening == _FAKE_TLS:
        raise TransportError(ERROR_MALFORMED, "fake-TLS (ee-secret) MTProxy is not supported")
    if len(data) < 8:
        return None
    if data[4:8] == b"\x00\x00\x00\x00":
        return TransportKind.FULL
    if len(data) < HEADER_SIZE:
        return None
    plain, _, _ = _decrypt_header(bytes(data[:HEADER_SIZE]), _normalize_secret(secret))
    if plain[56:60] in _CODECS:
        return TransportKind.OBFUSCATED2
    raise TransportError(ERROR_MALFORMED, "unrecognised transport in the first 64 bytes")


_PLAIN: dict[TransportKind, type[BaseFramer]] = {
    TransportKind.ABRIDGED: Abridged,
    TransportKind.INTERMEDIATE: Intermediate,
    TransportKind.PADDED_INTERMEDIATE: PaddedIntermediate,
    TransportKind.FULL: Full,
}


class ServerTransport:
    """A server-role framer that detects the client's transport, then delegates to it.

    Until :func:`detect` decides (at most 64 bytes), :meth:`feed` buffers and returns nothing
    and the ``pack`` methods raise ``LocalProtocolError``: the server cannot frame a reply
    before it knows the framing. The tag byte(s) of a plain framing are consumed here.

    Args:
        max_frame_size: Passed to the detected framer.
        rng: Randomness for the framer (padding).
        secret: MTProxy secret for obfuscated2 clients; plain framings are accepted as well.
    """

    def __init__(
        self,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        rng: Callable[[int], bytes] = os.urandom,
        secret: bytes | None = None,
    ) -> None:
        self._max = _check_max_frame_size(max_frame_size)
        self._rng = rng
        self._secret = secret
        _normalize_secret(secret)  # reject a malformed secret now, not at the first client
        self._head = bytearray()
        self._kind: TransportKind | None = None
        self._framer: Framer | None = None
        self._error: TransportError | None = None

    @property
    def role(self) -> Role:
        """Always :attr:`Role.SERVER`."""
        return Role.SERVER

    @property
    def kind(self) -> TransportKind | None:
        """The detected transport, or ``None`` while undecided."""
        return self._kind

    @property
    def framer(self) -> Framer | None:
        """The framer in use once detected (an :class:`Obfuscated2` for obfuscated clients)."""
        return self._framer

    @property
    def padded(self) -> bool:
        """Whether received payloads may end in random padding (see :func:`strip_padding`)."""
        return self._framer is not None and self._framer.padded

    def preamble(self) -> bytes:
        """Always ``b""``: servers send no preamble."""
        return b""

    def feed(self, data: bytes) -> list[TransportEvent]:
        """Detect the transport from the first bytes, then decode frames with it."""
        if self._framer is None:
            if self._error is not None:
                raise TransportError(self._error.code, f"transport already failed: {self._error}")
            self._head += data
            try:
                kind = detect(self._head, secret=self._secret)
            except TransportError as exc:
                self._error = exc
                self._head = bytearray()
                raise
            if kind is None:
                return []
            framer, tag_size = self._build(kind)
            data = bytes(self._head[tag_size:])
            self._head = bytearray()
            self._kind, self._framer = kind, framer
            if not data:
                return []
        return self._framer.feed(data)

    def _build(self, kind: TransportKind) -> tuple[Framer, int]:
        if kind is TransportKind.OBFUSCATED2:
            framer = Obfuscated2(
                Role.SERVER, max_frame_size=self._max, rng=self._rng, secret=self._secret
            )
            return framer, 0
        plain = _PLAIN[kind]
        return plain(Role.SERVER, max_frame_size=self._max, rng=self._rng), len(plain.TAG)

    def _detected(self) -> Framer:
        if self._framer is None:
            raise LocalProtocolError("the client's transport has not been detected yet")
        return self._framer

    def pack(self, payload: bytes, *, quick_ack: bool = False) -> bytes:
        """Frame one payload with the detected framing."""
        return self._detected().pack(payload, quick_ack=quick_ack)

    def pack_quick_ack(self, token: int) -> bytes:
        """Frame a quick-ack token with the detected framing."""
        return self._detected().pack_quick_ack(token)

    def pack_error(self, code: int) -> bytes:
        """Frame a transport error with the detected framing."""
        return self._detected().pack_error(code)
