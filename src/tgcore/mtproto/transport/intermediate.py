"""The intermediate framing: a 4-byte little-endian length before each payload."""

from __future__ import annotations

from typing import ClassVar

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport.base import ERROR_MALFORMED, BaseFramer, Role
from tgcore.mtproto.transport.events import QuickAck, TransportEvent

__all__ = ["Intermediate"]

_FLAG = 0x80000000
_LENGTH_MASK = 0x7FFFFFFF


class Intermediate(BaseFramer):
    """Intermediate transport (client tag ``0xeeeeeeee``): 4-byte aligned frames.

    Wire format: the payload length as 4 little-endian bytes, then the payload, whose
    length must be a multiple of 4. A client requests a quick ack by setting the top bit of
    the length. The server sends a quick-ack token as 4 bare little-endian bytes: its top bit
    is set, so read as a length it would be at least 2**31, which no frame can have.
    """

    TAG: ClassVar[bytes] = b"\xee\xee\xee\xee"
    OBFUSCATED_TAG: ClassVar[bytes | None] = b"\xee\xee\xee\xee"

    def _frame(self, payload: bytes, quick_ack: bool) -> bytes:
        if len(payload) % 4:
            raise LocalProtocolError("intermediate payloads must be a multiple of 4 bytes long")
        return self._header(len(payload), quick_ack) + payload

    @staticmethod
    def _header(length: int, quick_ack: bool) -> bytes:
        return (length | (_FLAG if quick_ack else 0)).to_bytes(4, "little")

    def _quick_ack_frame(self, token: int) -> bytes:
        return token.to_bytes(4, "little")

    def _check_alignment(self, length: int) -> None:
        if length % 4:
            raise TransportError(
                ERROR_MALFORMED, f"intermediate frame length {length} is not a multiple of 4"
            )

    def _parse(self, buf: bytearray, pos: int) -> tuple[TransportEvent, int] | None:
        if len(buf) - pos < 4:
            return None
        value = int.from_bytes(buf[pos : pos + 4], "little")
        flagged = bool(value & _FLAG)
        if flagged and self._role is Role.CLIENT:
            return QuickAck(value), pos + 4
        length = value & _LENGTH_MASK
        self._check_length(length, self._limit())
        self._check_alignment(length)
        end = pos + 4 + length
        if len(buf) < end:
            return None
        return self._deliver(bytes(buf[pos + 4 : end]), flagged), end

    def _limit(self) -> int:
        return self._max
