"""The queue of outgoing messages of a session and its packing into encrypted payloads.

Messages get their msg_id and seq_no when queued; :meth:`Outbox.drain` then groups consecutive
ones into msg_containers within the size limits, asking for a fresh container msg_id and
seq_no last, so the container's id is greater than those of the messages it carries.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from tgcore.mtproto.session.containers import (
    CONTAINER_OVERHEAD,
    MESSAGE_OVERHEAD,
    Message,
    pack_container,
)

__all__ = ["Outbox", "Packed"]


@attrs.frozen
class Packed:
    """One payload to encrypt: ``message``, which is a container of ``inner`` when non-empty."""

    message: Message
    inner: tuple[Message, ...] = ()


class Outbox:
    """Outgoing messages in the order they were queued."""

    __slots__ = ("_items", "_max_bytes", "_max_messages")

    def __init__(self, *, max_messages: int = 1024, max_bytes: int = 1_044_448) -> None:
        self._items: list[tuple[Message, bool]] = []
        self._max_messages = max_messages
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._items)

    def append(self, message: Message, *, in_container: bool = False) -> None:
        """Queue ``message``; ``in_container`` forces it into a container even when alone (a
        re-sent message keeping its old msg_id must not travel on its own)."""
        self._items.append((message, in_container))

    def drain(self, new_container: Callable[[], tuple[int, int]]) -> list[Packed]:
        """Empty the queue into payloads; ``new_container()`` makes a container (msg_id, seq_no)."""
        items, self._items = self._items, []
        packed: list[Packed] = []
        group: list[Message] = []
        forced = False
        size = CONTAINER_OVERHEAD

        def close() -> None:
            if len(group) == 1 and not forced:
                packed.append(Packed(group[0]))
            elif group:
                msg_id, seq_no = new_container()
                body = pack_container(group)
                packed.append(Packed(Message(msg_id, seq_no, body), tuple(group)))

        for message, in_container in items:
            cost = MESSAGE_OVERHEAD + len(message.body)
            if group and (len(group) >= self._max_messages or size + cost > self._max_bytes):
                close()
                group, forced, size = [], False, CONTAINER_OVERHEAD
            group.append(message)
            forced = forced or in_container
            size += cost
        close()
        return packed
