"""The abridged framing: a one-byte length in 4-byte words (or 0x7f and three more bytes)."""

from __future__ import annotations

from typing import ClassVar

from tgcore.errors import LocalProtocolError
from tgcore.mtproto.transport.base import BaseFramer, Role
from tgcore.mtproto.transport.events import QuickAck, TransportEvent

__all__ = ["Abridged"]

_LONG = 0x7F
_FLAG = 0x80
_MAX_WORDS = 1 << 24


class Abridged(BaseFramer):
    """Abridged transport (client tag ``0xef``), the lightest framing.

    Wire format: ``len/4`` as one byte when below 127, else ``0x7f`` followed by ``len/4`` as
    3 little-endian bytes; then the payload, whose length must be a multiple of 4. A client
    requests a quick ack by setting the top bit of the first byte (``0x80 | len/4``, or
    ``0xff`` for the long form). The server sends a quick-ack token as 4 bare bytes,
    byte-swapped (big-endian), so its first byte has the top bit set and cannot be confused
    with a length byte, which the server keeps at or below 0x7f.

    Payloads are limited to ``max_frame_size`` and by the format to under 64 MiB.
    """

    TAG: ClassVar[bytes] = b"\xef"
    OBFUSCATED_TAG: ClassVar[bytes | None] = b"\xef\xef\xef\xef"

    def _frame(self, payload: bytes, quick_ack: bool) -> bytes:
        words, rest = divmod(len(payload), 4)
        if rest:
            raise LocalProtocolError("abridged payloads must be a multiple of 4 bytes long")
        if words >= _MAX_WORDS:
            raise LocalProtocolError("abridged frames must be shorter than 64 MiB")
        flag = _FLAG if quick_ack else 0
        if words < _LONG:
            return bytes((words | flag,)) + payload
        return bytes((_LONG | flag,)) + words.to_bytes(3, "little") + payload

    def _quick_ack_frame(self, token: int) -> bytes:
        return token.to_bytes(4, "big")

    def _parse(self, buf: bytearray, pos: int) -> tuple[TransportEvent, int] | None:
        available = len(buf) - pos
        first = buf[pos]
        flagged = bool(first & _FLAG)
        if flagged and self._role is Role.CLIENT:
            if available < 4:
                return None
            return QuickAck(int.from_bytes(buf[pos : pos + 4], "big")), pos + 4
        short = first & _LONG
        if short == _LONG:
            if available < 4:
                return None
            words = int.from_bytes(buf[pos + 1 : pos + 4], "little")
            header = 4
        else:
            words = short
            header = 1
        length = words * 4
        self._check_length(length)
        end = pos + header + length
        if len(buf) < end:
            return None
        return self._deliver(bytes(buf[pos + header : end]), flagged), end
