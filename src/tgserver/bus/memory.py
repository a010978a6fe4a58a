"""An in-process event bus: listeners are awaited by the publishing task."""

from __future__ import annotations

import logging
from collections.abc import Collection

import attrs

from tgserver.bus.protocol import Listener

__all__ = ["MemoryBus", "MemorySubscription"]

log = logging.getLogger(__name__)


@attrs.define(eq=False)
class MemorySubscription:
    """One listener of one user on a :class:`MemoryBus`."""

    bus: MemoryBus
    user_id: int
    listener: Listener

    def cancel(self) -> None:
        """Stop delivering to this listener (idempotent)."""
        self.bus._remove(self)


class MemoryBus:
    """An :class:`~tgserver.bus.EventBus` inside one process.

    :meth:`publish` awaits each listener in turn; a listener that raises is logged and the
    others still get the event (a broken subscriber must not fail the sender's request).
    Listeners should therefore be quick (queue the work, do not block on slow clients).
    """

    def __init__(self) -> None:
        self._listeners: dict[int, list[MemorySubscription]] = {}

    def subscribers(self, user_id: int) -> int:
        """How many listeners ``user_id`` has."""
        return len(self._listeners.get(user_id, ()))

    async def publish(self, user_ids: Collection[int], event: object) -> None:
        """Deliver ``event`` to the listeners of each user (each user once)."""
        for user_id in dict.fromkeys(user_ids):
            for sub in list(self._listeners.get(user_id, ())):
                try:
                    await sub.listener(user_id, event)
                except Exception:
                    log.exception("a listener of user %d failed", user_id)

    def subscribe(self, user_id: int, listener: Listener) -> MemorySubscription:
        """Register ``listener`` for ``user_id``'s events."""
        sub = MemorySubscription(self, user_id, listener)
        self._listeners.setdefault(user_id, []).append(sub)
        return sub

    def _remove(self, sub: MemorySubscription) -> None:
        subs = self._listeners.get(sub.user_id)
        if subs is None or sub not in subs:
            return
        subs.remove(sub)
        if not subs:
            del self._listeners[sub.user_id]
