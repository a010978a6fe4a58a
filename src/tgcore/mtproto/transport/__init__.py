"""Sans-IO MTProto transports: abridged, intermediate, padded intermediate, full, obfuscated2.

Each framer takes bytes read from a stream with ``feed()`` and returns complete events
(:class:`Frame`, :class:`QuickAck`, :class:`TransportErrorReceived`), and turns payloads into
bytes to write with ``pack()``. No sockets, no clock; randomness is injected. A server that does
not know the client's framing uses :class:`ServerTransport`, which detects it from the first
bytes.
"""

from __future__ import annotations

from tgcore.mtproto.transport.abridged import Abridged
from tgcore.mtproto.transport.base import (
    DEFAULT_MAX_FRAME_SIZE,
    ERROR_FRAME_TOO_LARGE,
    ERROR_MALFORMED,
    BaseFramer,
    Framer,
    Role,
)
from tgcore.mtproto.transport.detect import ServerTransport, TransportKind, detect
from tgcore.mtproto.transport.events import Frame, QuickAck, TransportErrorReceived, TransportEvent
from tgcore.mtproto.transport.full import Full
from tgcore.mtproto.transport.intermediate import Intermediate
from tgcore.mtproto.transport.obfuscated import HEADER_SIZE, Obfuscated2
from tgcore.mtproto.transport.padded import PaddedIntermediate, strip_padding
from tgcore.mtproto.transport.quickack import quick_ack_token

__all__ = [
    "Abridged",
    "BaseFramer",
    "DEFAULT_MAX_FRAME_SIZE",
    "ERROR_FRAME_TOO_LARGE",
    "ERROR_MALFORMED",
    "Frame",
    "Framer",
    "Full",
    "HEADER_SIZE",
    "Intermediate",
    "Obfuscated2",
    "PaddedIntermediate",
    "QuickAck",
    "Role",
    "ServerTransport",
    "TransportErrorReceived",
    "TransportEvent",
    "TransportKind",
    "detect",
    "quick_ack_token",
    "strip_padding",
]
