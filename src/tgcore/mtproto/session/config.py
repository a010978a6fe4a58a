"""Tunable limits of an encrypted session (both roles)."""

from __future__ import annotations

import attrs

__all__ = ["SessionConfig"]


@attrs.frozen
class SessionConfig:
    """Limits and thresholds of a :class:`ServerSession` or :class:`ClientSession`.

    The defaults follow the MTProto documentation and what the reference clients do.
    """

    #: A received msg_id more than this many seconds old is rejected (code 16 on the server).
    max_past: float = 300.0
    #: A received msg_id more than this many seconds ahead is rejected (code 17 on the server).
    max_future: float = 30.0
    #: How many received msg_ids are remembered for duplicate and seq_no checks.
    msg_id_window: int = 512
    #: Upper bound on what one gzip_packed may inflate to.
    max_gzip_size: int = 16 * 1024 * 1024
    #: Outgoing content bodies longer than this are gzip_packed when that makes them smaller.
    gzip_threshold: int = 512
    #: zlib level for outgoing gzip_packed.
    gzip_level: int = 6
    #: The most messages one container may hold (both received and sent).
    max_container_messages: int = 1024
    #: The most body bytes packed into one outgoing container.
    max_container_bytes: int = 1_044_448
    #: Pending acknowledgments are sent on their own once this many have piled up.
    ack_threshold: int = 16
    #: Sent content messages kept until acknowledged, for re-sending (count and total bytes;
    #: the newest message is kept even when larger). Per session: mind the memory.
    sent_cache_messages: int = 1024
    sent_cache_bytes: int = 2 * 1024 * 1024
