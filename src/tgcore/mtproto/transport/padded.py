"""The padded intermediate framing: intermediate with 0-15 random bytes after each payload."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ClassVar

from tgcore.mtproto.transport.base import DEFAULT_MAX_FRAME_SIZE, Role
from tgcore.mtproto.transport.events import Frame, QuickAck, TransportErrorReceived, TransportEvent
from tgcore.mtproto.transport.intermediate import Intermediate

__all__ = ["PaddedIntermediate", "strip_padding"]

_MAX_PADDING = 15
# The smallest MTProto message (a plain one: auth_key_id, msg_id, length) is 20 bytes, so a
# shorter frame is a quick ack or a transport error whatever its padding.
_MIN_MESSAGE = 20
_QUICK_ACK_MARK = b"\xff\xff\xff\xff"


class PaddedIntermediate(Intermediate):
    """Padded intermediate transport (client tag ``0xdddddddd``), meant for obfuscated2.

    Wire format: the total length (payload + padding) as 4 little-endian bytes, the payload,
    then random padding. A client requests a quick ack by setting the top bit of the length.
    A server quick ack is a normal frame of 8 to 16 bytes: ``ff ff ff ff``, the token
    (little-endian), then 0-8 random bytes. A transport error is a normal frame holding the
    negative int32 and padding.

    The receiver cannot know where the padding starts, so :class:`Frame` payloads include it;
    the session must ignore trailing bytes (see :func:`strip_padding`). Lengths need not be
    multiples of 4, and the frame limit is ``max_frame_size`` plus 15 bytes of padding.

    Args:
        role: Which end of the connection this framer serves.
        max_frame_size: Largest payload accepted and packed, padding excluded.
        rng: Source of the padding bytes.
        max_padding: Largest padding added by :meth:`pack` (0-15). By default 15 for clients,
            as Telegram's clients do, and 3 for servers: Telethon strips ``len % 4`` trailing
            bytes from a received frame, which is only right when padding stays below 4.
    """

    TAG: ClassVar[bytes] = b"\xdd\xdd\xdd\xdd"
    OBFUSCATED_TAG: ClassVar[bytes | None] = b"\xdd\xdd\xdd\xdd"
    PADDED: ClassVar[bool] = True

    def __init__(
        self,
        role: Role,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        rng: Callable[[int], bytes] = os.urandom,
        max_padding: int | None = None,
    ) -> None:
        super().__init__(role, max_frame_size=max_frame_size, rng=rng)
        if max_padding is None:
            max_padding = _MAX_PADDING if role is Role.CLIENT else 3
        if not 0 <= max_padding <= _MAX_PADDING:
            raise ValueError(f"max_padding must be in [0, 15], not {max_padding}")
        self._max_padding = max_padding

    def _padding(self, most: int) -> bytes:
        if most == 0:
            return b""
        count = self._rng(1)[0] % (most + 1)
        return self._rng(count) if count else b""

    def _frame(self, payload: bytes, quick_ack: bool) -> bytes:
        body = payload + self._padding(self._max_padding)
        return self._header(len(body), quick_ack) + body

    def _quick_ack_frame(self, token: int) -> bytes:
        body = _QUICK_ACK_MARK + token.to_bytes(4, "little") + self._padding(8)
        return self._header(len(body), False) + body

    def _check_alignment(self, length: int) -> None:
        pass  # padding makes any length legal

    def _limit(self) -> int:
        return self._max + _MAX_PADDING

    def _deliver(self, payload: bytes, quick_ack: bool) -> TransportEvent:
        if self._role is Role.CLIENT and len(payload) < _MIN_MESSAGE:
            if 8 <= len(payload) <= 16 and payload[:4] == _QUICK_ACK_MARK:
                return QuickAck(int.from_bytes(payload[4:8], "little"))
            if len(payload) >= 4:
                code = int.from_bytes(payload[:4], "little", signed=True)
                if code < 0:
                    return TransportErrorReceived(code)
        return Frame(payload, quick_ack)


def strip_padding(payload: bytes) -> bytes:
    """Cut the padded intermediate transport's random tail off an MTProto payload.

    A plain message (``auth_key_id`` 0) ends where its ``message_data_length`` says; an
    encrypted one is 24 header bytes plus whole 16-byte AES blocks, and the padding (at most
    15 bytes) is the remainder. Payloads too short or inconsistent to tell are returned
    unchanged, for the session to reject.
    """
    size = len(payload)
    if size >= _MIN_MESSAGE and payload[:8] == bytes(8):
        end = _MIN_MESSAGE + int.from_bytes(payload[16:20], "little")
        return payload[:end] if end <= size else payload
    if size >= 24:
        return payload[: size - (size - 24) % 16]
    return payload
