"""Checks on received msg_ids: the time window, duplicates and seq_no consistency.

Each side keeps the msg_ids of the last N messages it accepted (a :class:`ReceivedWindow`). A
msg_id equal to a stored one is a duplicate; once the window has dropped ids, anything below
its lowest id can no longer be told apart from a replay and is "too old". The stored seq_nos
let the receiver check that seq_no grows with msg_id, and the per-message status flags answer
msgs_state_req.
"""

from __future__ import annotations

import bisect
import enum

from tgcore.mtproto.msgid import msg_id_time

__all__ = [
    "MsgIdStatus",
    "ReceivedWindow",
    "STATE_ACKNOWLEDGED",
    "STATE_ANSWERED",
    "STATE_NOT_RECEIVED",
    "STATE_NO_ACK_NEEDED",
    "STATE_RECEIVED",
    "STATE_RPC",
    "STATE_TOO_HIGH",
    "STATE_UNKNOWN",
    "check_msg_id_time",
]

# Status bytes of msgs_state_info: a base value plus flags.
STATE_UNKNOWN = 1  # below the stored ids: may have been forgotten
STATE_NOT_RECEIVED = 2  # within the stored range, certainly not received
STATE_TOO_HIGH = 3  # above every stored id, not received yet
STATE_RECEIVED = 4
STATE_ACKNOWLEDGED = 8
STATE_NO_ACK_NEEDED = 16
STATE_RPC = 32  # an RPC query being processed or already processed
STATE_ANSWERED = 64  # a content-related answer was generated


class MsgIdStatus(enum.Enum):
    """How a received msg_id relates to the ones already accepted."""

    NEW = "new"
    DUPLICATE = "duplicate"
    TOO_OLD = "too old"


def check_msg_id_time(
    msg_id: int, now: float, *, max_past: float = 300.0, max_future: float = 30.0
) -> int:
    """0 if ``msg_id``'s time is within the window around ``now``, else the bad_msg code.

    16 (msg_id too low) when it is more than ``max_past`` seconds old, 17 (too high) when it is
    more than ``max_future`` seconds ahead.
    """
    delta = msg_id_time(msg_id) - now
    if delta < -max_past:
        return 16
    if delta > max_future:
        return 17
    return 0


class ReceivedWindow:
    """The last ``size`` msg_ids accepted from the peer, with seq_no and status flags.

    Containers are stored with seq_no ``-1``: their ids count for duplicates but they take no
    part in seq_no ordering.
    """

    __slots__ = ("_entries", "_forgot", "_ids", "_size")

    def __init__(self, size: int = 512) -> None:
        if size < 1:
            raise ValueError("window size must be positive")
        self._size = size
        self._ids: list[int] = []  # sorted
        # msg_id -> seq_no << 8 | state flags: one int per entry keeps a session's window small.
        self._entries: dict[int, int] = {}
        self._forgot = False

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, msg_id: object) -> bool:
        return msg_id in self._entries

    @property
    def lowest(self) -> int | None:
        """The lowest stored msg_id, or None while empty."""
        return self._ids[0] if self._ids else None

    @property
    def highest(self) -> int | None:
        """The highest stored msg_id, or None while empty."""
        return self._ids[-1] if self._ids else None

    def status(self, msg_id: int) -> MsgIdStatus:
        """Whether ``msg_id`` is new, a duplicate, or too old to tell."""
        if msg_id in self._entries:
            return MsgIdStatus.DUPLICATE
        if self._forgot and msg_id < self._ids[0]:
            return MsgIdStatus.TOO_OLD
        return MsgIdStatus.NEW

    def check_seq_no(self, msg_id: int, seq_no: int) -> int:
        """0 if ``seq_no`` fits between its stored neighbours by msg_id, else 32 or 33.

        32 (too low): an earlier msg_id has a higher seq_no, or the same odd one. 33 (too
        high): a later msg_id has a lower seq_no, or the same odd one.
        """
        ids = self._ids
        index = bisect.bisect_left(ids, msg_id)
        for i in range(index - 1, -1, -1):
            before = self._entries[ids[i]] >> 8
            if before >= 0:
                if before > seq_no or (before == seq_no and seq_no & 1):
                    return 32
                break
        for i in range(index, len(ids)):
            after = self._entries[ids[i]] >> 8
            if after >= 0:
                if after < seq_no or (after == seq_no and seq_no & 1):
                    return 33
                break
        return 0

    def add(self, msg_id: int, seq_no: int, flags: int = STATE_RECEIVED) -> None:
        """Store an accepted ``msg_id``; the lowest id is dropped once over ``size``."""
        ids = self._ids
        if not ids or msg_id > ids[-1]:
            ids.append(msg_id)
        else:
            bisect.insort(ids, msg_id)
        self._entries[msg_id] = seq_no << 8 | flags
        if len(ids) > self._size:
            del self._entries[ids.pop(0)]
            self._forgot = True

    def mark(self, msg_id: int, flags: int) -> bool:
        """Add status ``flags`` to a stored ``msg_id``; False if it is not stored."""
        entry = self._entries.get(msg_id)
        if entry is None:
            return False
        self._entries[msg_id] = entry | flags
        return True

    def flags(self, msg_id: int) -> int | None:
        """The status flags of a stored ``msg_id``, or None."""
        entry = self._entries.get(msg_id)
        return None if entry is None else entry & 0xFF

    def state(self, msg_id: int) -> int:
        """The msgs_state_info status byte for ``msg_id`` as seen from this side."""
        entry = self._entries.get(msg_id)
        if entry is not None:
            return entry & 0xFF
        if self._forgot and msg_id < self._ids[0]:
            return STATE_UNKNOWN
        if not self._ids or msg_id > self._ids[-1]:
            return STATE_TOO_HIGH
        return STATE_NOT_RECEIVED
