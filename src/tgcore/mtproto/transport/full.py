"""The full framing: length, sequence number, payload and CRC32."""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from typing import ClassVar

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport.base import (
    DEFAULT_MAX_FRAME_SIZE,
    ERROR_MALFORMED,
    BaseFramer,
    Role,
)
from tgcore.mtproto.transport.events import TransportEvent

__all__ = ["Full"]

_OVERHEAD = 12  # length, seq and crc, 4 bytes each


class Full(BaseFramer):
    """Full transport: no tag; each frame carries its own sequence number and CRC32.

    Wire format: total length (``12 + len(payload)``, little-endian int32), sequence number
    (int32, 0 for the first frame each side sends, then 1, 2, ...), payload, then the CRC32 of
    everything before it (little-endian). Received frames must have the next sequence number
    and a correct CRC, a total length that is a multiple of 4 (MTProto payloads always are)
    and a payload of at least 4 bytes; anything else raises ``TransportError(ERROR_MALFORMED)``.

    The full framing has no quick acks and cannot be obfuscated (it has no protocol id).
    A server that puts a transport error in the length field itself (Telegram has been seen
    to send -429 this way) makes a client framer raise ``TransportError`` with that code.
    """

    TAG: ClassVar[bytes] = b""
    OBFUSCATED_TAG: ClassVar[bytes | None] = None
    SUPPORTS_QUICK_ACK: ClassVar[bool] = False

    def __init__(
        self,
        role: Role,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        super().__init__(role, max_frame_size=max_frame_size, rng=rng)
        self._send_seq = 0
        self._recv_seq = 0

    def _frame(self, payload: bytes, quick_ack: bool) -> bytes:
        head = (len(payload) + _OVERHEAD).to_bytes(4, "little") + self._send_seq.to_bytes(
            4, "little"
        )
        self._send_seq += 1
        crc = zlib.crc32(payload, zlib.crc32(head))
        return head + payload + crc.to_bytes(4, "little")

    def _quick_ack_frame(self, token: int) -> bytes:  # pragma: no cover - base guards this
        raise LocalProtocolError("the full framing has no quick acks")

    def _parse(self, buf: bytearray, pos: int) -> tuple[TransportEvent, int] | None:
        if len(buf) - pos < 8:
            return None
        total = int.from_bytes(buf[pos : pos + 4], "little", signed=True)
        if total < 0 and self._role is Role.CLIENT:
            raise TransportError(total, f"server sent transport error {total} in a full header")
        if total % 4 or total < _OVERHEAD + 4:
            raise TransportError(ERROR_MALFORMED, f"full frame length {total} is invalid")
        self._check_length(total - _OVERHEAD)
        seq = int.from_bytes(buf[pos + 4 : pos + 8], "little", signed=True)
        if seq != self._recv_seq:
            raise TransportError(
                ERROR_MALFORMED, f"full frame sequence number {seq}, expected {self._recv_seq}"
            )
        end = pos + total
        if len(buf) < end:
            return None
        body = memoryview(buf)[pos : end - 4]
        try:
            expected = zlib.crc32(body)
        finally:
            body.release()  # an exported view would forbid resizing the buffer
        if int.from_bytes(buf[end - 4 : end], "little") != expected:
            raise TransportError(ERROR_MALFORMED, "full frame CRC32 mismatch")
        self._recv_seq += 1
        return self._deliver(bytes(buf[pos + 8 : end - 4]), False), end
