"""What a transport framer hands up from :meth:`feed`: frames, quick acks and transport errors."""

from __future__ import annotations

from typing import TypeAlias

import attrs

__all__ = ["Frame", "QuickAck", "TransportErrorReceived", "TransportEvent"]


@attrs.frozen
class Frame:
    """One complete transport frame.

    Attributes:
        payload: The MTProto payload (plain or encrypted message). For the padded intermediate
            transport it still carries the 0-15 random padding bytes: the transport cannot tell
            where the payload ends (see :func:`strip_padding`).
        quick_ack: The client asked for a quick ack of this payload (server role only; the
            session computes the token and the gateway sends it with ``pack_quick_ack``).
    """

    payload: bytes
    quick_ack: bool = False


@attrs.frozen
class QuickAck:
    """The server acknowledged a payload we sent with ``quick_ack=True`` (client role only).

    Attributes:
        token: The 32-bit token, most significant bit set, as computed by
            :func:`quick_ack_token` for the acknowledged payload.
    """

    token: int


@attrs.frozen
class TransportErrorReceived:
    """The server sent a transport error instead of a message (client role only).

    Attributes:
        code: The negative error code, e.g. ``-404`` (auth key not found or malformed
            MTProto data), ``-429`` (transport flood) or ``-444`` (invalid DC).
    """

    code: int


TransportEvent: TypeAlias = Frame | QuickAck | TransportErrorReceived
"""Anything :meth:`feed` can return."""
