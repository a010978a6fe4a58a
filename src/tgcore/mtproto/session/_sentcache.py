"""Content-related messages a session sent and the peer has not acknowledged yet.

Kept so they can be sent again (msg_resend_req, or the client repeating a query that was
already answered), and bounded by count and bytes: the oldest are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict

from tgcore.mtproto.session.containers import Message

__all__ = ["SentCache"]


class SentCache:
    """Sent, unacknowledged messages by msg_id, with answers also found by the query's id."""

    __slots__ = ("_by_request", "_bytes", "_max_bytes", "_max_messages", "_messages")

    def __init__(self, *, max_messages: int = 1024, max_bytes: int = 16 * 1024 * 1024) -> None:
        self._messages: OrderedDict[int, tuple[Message, int | None]] = OrderedDict()
        self._by_request: dict[int, int] = {}
        self._bytes = 0
        self._max_messages = max_messages
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._messages)

    def __contains__(self, msg_id: object) -> bool:
        return msg_id in self._messages

    @property
    def total_bytes(self) -> int:
        """Body bytes held."""
        return self._bytes

    def add(self, message: Message, req_msg_id: int | None = None) -> None:
        """Keep ``message`` (the answer to ``req_msg_id``, if it is one)."""
        self._messages[message.msg_id] = (message, req_msg_id)
        self._bytes += len(message.body)
        if req_msg_id is not None:
            self._by_request[req_msg_id] = message.msg_id
        # Always keep the newest message, even one larger than the byte budget.
        while len(self._messages) > self._max_messages or (
            self._bytes > self._max_bytes and len(self._messages) > 1
        ):
            self._forget(next(iter(self._messages)))

    def _forget(self, msg_id: int) -> None:
        message, req_msg_id = self._messages.pop(msg_id)
        self._bytes -= len(message.body)
        if req_msg_id is not None:
            del self._by_request[req_msg_id]

    def ack(self, msg_id: int) -> bool:
        """The peer acknowledged ``msg_id``: forget it. False if it was not held."""
        if msg_id not in self._messages:
            return False
        self._forget(msg_id)
        return True

    def get(self, msg_id: int) -> Message | None:
        """The held message ``msg_id``, or None."""
        item = self._messages.get(msg_id)
        return None if item is None else item[0]

    def answer_for(self, req_msg_id: int) -> Message | None:
        """The held answer to the peer's query ``req_msg_id``, or None."""
        msg_id = self._by_request.get(req_msg_id)
        return None if msg_id is None else self._messages[msg_id][0]
