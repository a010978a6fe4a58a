"""Message identifiers: time-based, strictly increasing, with the role encoded in the low bits.

A msg_id is roughly ``unix_time * 2**32``. Its remainder mod 4 tells who made it and why:
0 for every client message, 1 for a server reply to a client message, 3 for a message the
server sends on its own. Both sides also use the time part to reject stale or replayed ids.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

__all__ = ["MsgIdGenerator", "MsgKind", "msg_id_time"]


class MsgKind(enum.IntEnum):
    """The remainder mod 4 of a msg_id."""

    CLIENT = 0
    SERVER_REPLY = 1
    SERVER_PUSH = 3


def msg_id_time(msg_id: int) -> float:
    """The Unix time encoded in ``msg_id``."""
    return msg_id / 2**32


class MsgIdGenerator:
    """Makes strictly increasing msg_ids from an injected clock.

    ``time_offset`` (seconds) is added to the clock, so a client can follow the server's time
    once it learns it (from the handshake or a bad_msg_notification).
    """

    __slots__ = ("_clock", "_last", "time_offset")

    def __init__(self, clock: Callable[[], float], time_offset: float = 0.0) -> None:
        self._clock = clock
        self._last = 0
        self.time_offset = time_offset

    @property
    def last(self) -> int:
        """The last msg_id made (0 before the first)."""
        return self._last

    def now(self) -> float:
        """The clock plus ``time_offset``: the time this generator puts into its ids."""
        return self._clock() + self.time_offset

    def next(self, kind: MsgKind = MsgKind.CLIENT) -> int:
        """A new msg_id of ``kind``, greater than every id this generator made before."""
        candidate = int((self._clock() + self.time_offset) * 2**32) & ~3 | kind
        if candidate <= self._last:
            # Same or earlier time slot (fast clock, coarse timer): step past the last id while
            # keeping the required remainder.
            candidate = (self._last + 4) & ~3 | kind
        self._last = candidate
        return candidate

    def resync(self, peer_msg_id: int) -> float:
        """Follow the peer's clock, as read from a msg_id it made; returns the new offset.

        Used by a client told that its msg_ids are too low or too high (bad_msg_notification 16
        or 17). The ids made before were rejected by the peer for being off, so monotonicity is
        restarted from the corrected clock instead of continuing from them.
        """
        self.time_offset = msg_id_time(peer_msg_id) - self._clock()
        self._last = 0
        return self.time_offset
