"""Message sequence numbers: twice the count of content-related messages sent before, plus one
for a content-related message itself.

So content-related messages (those needing an acknowledgment) carry odd numbers 1, 3, 5, ...
and every other message the even number in between: the receiver checks both the parity and
that the numbers grow with the msg_ids.
"""

from __future__ import annotations

__all__ = ["SeqNoGenerator"]


class SeqNoGenerator:
    """Hands out the seq_no of each outgoing message of one session."""

    __slots__ = ("_count",)

    def __init__(self, content_sent: int = 0) -> None:
        self._count = content_sent

    @property
    def content_sent(self) -> int:
        """How many content-related messages were numbered so far."""
        return self._count

    def next(self, content_related: bool) -> int:
        """The seq_no of the next message: ``2n + 1`` if ``content_related`` else ``2n``."""
        if content_related:
            self._count += 1
            return self._count * 2 - 1
        return self._count * 2

    def advance(self, delta: int) -> None:
        """Shift the count by ``delta`` (never below 0) after the peer said seq_no was off."""
        self._count = max(0, self._count + delta)
