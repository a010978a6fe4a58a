"""The shape every transport framer shares: roles, limits, error codes and the buffering loop."""

from __future__ import annotations

import abc
import enum
import os
from collections.abc import Callable
from typing import ClassVar, Protocol

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport.events import Frame, TransportErrorReceived, TransportEvent

__all__ = [
    "BaseFramer",
    "DEFAULT_MAX_FRAME_SIZE",
    "ERROR_FRAME_TOO_LARGE",
    "ERROR_MALFORMED",
    "Framer",
    "Role",
]

DEFAULT_MAX_FRAME_SIZE = 4 * 1024 * 1024
"""Largest payload a framer accepts by default (4 MiB).

Telegram's largest ordinary messages are ``upload.saveFilePart`` parts (512 KiB) and
``upload.getFile`` answers (1 MiB) plus a few hundred bytes of envelope, so 4 MiB leaves room
while bounding what one connection can make us buffer.
"""

ERROR_MALFORMED = -404
"""``TransportError.code`` for framing the peer broke: bad length, CRC, sequence number, tag, HTTP.

Telegram answers malformed MTProto data with transport error -404 too.
"""

ERROR_FRAME_TOO_LARGE = -429
"""``TransportError.code`` for a frame announced larger than ``max_frame_size``.

Telegram uses -429 when one of its limits is exceeded; the frame body is never buffered.
"""

_QUICK_ACK_BIT = 0x80000000


class Role(enum.Enum):
    """Which end of the connection a framer serves."""

    CLIENT = "client"
    """Sends the transport tag first, may request quick acks, receives quick acks and errors."""
    SERVER = "server"
    """Receives quick-ack requests, sends quick-ack tokens and transport errors."""


class Framer(Protocol):
    """The interface of every transport: the plain framings, obfuscated2 and auto-detection.

    Output bytes must be written to the stream in the order the methods return them.
    """

    @property
    def role(self) -> Role:
        """The end of the connection this framer serves."""

    @property
    def padded(self) -> bool:
        """Whether received payloads may end in random padding (see :func:`strip_padding`)."""

    def preamble(self) -> bytes:
        """Bytes the client must write before its first frame (once; ``b""`` afterwards).

        :meth:`pack` prepends them automatically if they were not taken yet, so calling this
        is only needed to send the tag before there is a first payload.
        """

    def feed(self, data: bytes) -> list[TransportEvent]:
        """Take bytes read from the stream; return the complete events they finish.

        Partial input is kept for the next call. Raises ``TransportError`` (and stays failed)
        when the peer breaks the framing.
        """

    def pack(self, payload: bytes, *, quick_ack: bool = False) -> bytes:
        """Frame one payload; ``quick_ack`` (client only) asks the server to quick-ack it."""

    def pack_quick_ack(self, token: int) -> bytes:
        """Frame a quick-ack token for the client (server only)."""

    def pack_error(self, code: int) -> bytes:
        """Frame a transport error such as -404 or -429 for the client (server only)."""


def _check_max_frame_size(max_frame_size: int) -> int:
    # 2**31 - 1 bounds the 31-bit length fields; the abridged framing reports its lower
    # limit when asked to pack something it cannot express.
    if not 4 <= max_frame_size < 2**31 - 16:
        raise ValueError(f"max_frame_size must be in [4, 2**31 - 16), not {max_frame_size}")
    return max_frame_size


class BaseFramer(abc.ABC):
    """Common machinery of the four plain framings (abridged, intermediate, padded, full).

    Args:
        role: Which end of the connection this framer serves.
        max_frame_size: Largest payload accepted from the peer (and packed); a frame announcing
            more raises ``TransportError(ERROR_FRAME_TOO_LARGE)`` before its body is buffered,
            so a partial frame never holds more than ``max_frame_size`` plus a header.
        rng: Random bytes source; only the padded intermediate framing uses it.
    """

    TAG: ClassVar[bytes]
    """What the client sends first to announce this framing (``b""`` for full)."""
    OBFUSCATED_TAG: ClassVar[bytes | None]
    """The 4-byte id placed in an obfuscated2 header, or ``None`` if not obfuscatable."""
    SUPPORTS_QUICK_ACK: ClassVar[bool] = True
    """Whether the framing can carry quick-ack requests and tokens."""
    PADDED: ClassVar[bool] = False
    """Whether frames carry random padding after the payload."""

    def __init__(
        self,
        role: Role,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if not isinstance(role, Role):
            raise TypeError(f"role must be a Role, not {role!r}")
        self._role = role
        self._max = _check_max_frame_size(max_frame_size)
        self._rng = rng
        self._buffer = bytearray()
        self._preamble_pending = role is Role.CLIENT and bool(self.TAG)
        self._error: TransportError | None = None

    @property
    def role(self) -> Role:
        """The end of the connection this framer serves."""
        return self._role

    @property
    def max_frame_size(self) -> int:
        """Largest payload accepted from the peer and packed."""
        return self._max

    @property
    def padded(self) -> bool:
        """Whether received payloads may end in random padding (see :func:`strip_padding`)."""
        return self.PADDED

    def preamble(self) -> bytes:
        """Bytes the client must write before its first frame (once; ``b""`` afterwards).

        For the server role, and for the full framing which has no tag, this is always ``b""``.
        """
        if not self._preamble_pending:
            return b""
        self._preamble_pending = False
        return self.TAG

    def feed(self, data: bytes) -> list[TransportEvent]:
        """Take bytes read from the stream; return the complete events they finish.

        Partial input is kept for the next call. If the peer breaks the framing this raises
        ``TransportError`` (events decoded earlier in the same call are dropped: the
        connection must be closed anyway) and every later call raises it again.
        """
        if self._error is not None:
            raise TransportError(self._error.code, f"transport already failed: {self._error}")
        buf = self._buffer
        buf += data
        events: list[TransportEvent] = []
        pos = 0
        try:
            while pos < len(buf):
                parsed = self._parse(buf, pos)
                if parsed is None:
                    break
                event, pos = parsed
                events.append(event)
        except TransportError as exc:
            self._error = exc
            buf.clear()
            raise
        # One deletion per call: trimming after every frame would be quadratic in a chunk
        # holding many small frames.
        del buf[:pos]
        return events

    def pack(self, payload: bytes, *, quick_ack: bool = False) -> bytes:
        """Frame one MTProto payload (preceded by the preamble if not yet taken).

        Args:
            payload: The plain or encrypted MTProto message; never empty.
            quick_ack: Client only: ask the server to quick-ack this (encrypted) payload.

        Raises:
            LocalProtocolError: Empty or oversized payload, or a quick ack the role or the
                framing cannot request.
        """
        if quick_ack:
            if self._role is not Role.CLIENT:
                raise LocalProtocolError("only the client requests quick acks")
            self._require_quick_ack()
        if not payload:
            raise LocalProtocolError("cannot frame an empty payload")
        if len(payload) > self._max:
            raise LocalProtocolError(
                f"payload of {len(payload)} bytes exceeds max_frame_size {self._max}"
            )
        framed = self._frame(payload, quick_ack)  # first: a refused payload keeps the preamble
        return self.preamble() + framed

    def pack_quick_ack(self, token: int) -> bytes:
        """Frame a quick-ack token (server only).

        Args:
            token: The 32-bit token of the acknowledged payload, most significant bit set
                (see :func:`quick_ack_token`).
        """
        self._require_server("quick acks")
        self._require_quick_ack()
        if not _QUICK_ACK_BIT <= token <= 0xFFFFFFFF:
            raise LocalProtocolError(f"quick-ack token {token:#x} lacks its top bit or overflows")
        return self._quick_ack_frame(token)

    def pack_error(self, code: int) -> bytes:
        """Frame a transport error (server only).

        Args:
            code: The error, e.g. ``-404`` or ``-429``; a positive code is sent negated, as
                the wire always carries the negative value.
        """
        self._require_server("transport errors")
        value = -abs(code)
        if not -(2**31) <= value < 0:
            raise LocalProtocolError(f"transport error code {code} is not a non-zero int32")
        return self._frame(value.to_bytes(4, "little", signed=True), False)

    # -- for subclasses -------------------------------------------------------------------

    @abc.abstractmethod
    def _frame(self, payload: bytes, quick_ack: bool) -> bytes:
        """Wrap a validated payload in this framing's envelope."""

    @abc.abstractmethod
    def _parse(self, buf: bytearray, pos: int) -> tuple[TransportEvent, int] | None:
        """Decode one event starting at ``buf[pos]``: (event, next position) or None if partial."""

    @abc.abstractmethod
    def _quick_ack_frame(self, token: int) -> bytes:
        """Encode a quick-ack token the way this framing sends it to clients."""

    def _deliver(self, payload: bytes, quick_ack: bool) -> TransportEvent:
        # A 4-byte frame cannot be an MTProto message (the smallest is 20 bytes): from a
        # server it is a transport error when negative.
        if self._role is Role.CLIENT and len(payload) == 4:
            code = int.from_bytes(payload, "little", signed=True)
            if code < 0:
                return TransportErrorReceived(code)
        return Frame(payload, quick_ack)

    def _check_length(self, length: int, limit: int | None = None) -> None:
        """Reject a peer-announced payload length before buffering its body."""
        if length <= 0:
            raise TransportError(ERROR_MALFORMED, f"{type(self).__name__}: empty frame")
        limit = self._max if limit is None else limit
        if length > limit:
            raise TransportError(
                ERROR_FRAME_TOO_LARGE,
                f"{type(self).__name__}: frame of {length} bytes exceeds the limit of {limit}",
            )

    def _require_server(self, what: str) -> None:
        if self._role is not Role.SERVER:
            raise LocalProtocolError(f"only the server sends {what}")

    def _require_quick_ack(self) -> None:
        if not self.SUPPORTS_QUICK_ACK:
            raise LocalProtocolError(f"the {type(self).__name__} framing has no quick acks")
