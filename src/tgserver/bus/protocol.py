"""The event bus interface: services publish to user ids, the gateway listens per user."""

from __future__ import annotations

from collections.abc import Awaitable, Collection
from typing import Protocol

__all__ = ["EventBus", "Listener", "Subscription"]


class Listener(Protocol):
    """``async def listener(user_id, event)``: called once per event for a subscribed user."""

    def __call__(self, user_id: int, event: object, /) -> Awaitable[None]: ...


class Subscription(Protocol):
    """A listener's registration; :meth:`cancel` stops the deliveries (idempotent)."""

    def cancel(self) -> None:
        """Stop delivering to this listener."""
        ...


class EventBus(Protocol):
    """Delivers events (transport-free values the services emit) to the users' listeners.

    A service publishes after its store commit; every listener subscribed for one of the
    user ids gets the event. Events of users nobody listens to are dropped: offline clients
    catch up from the store (``updates.getDifference``), never from the bus.
    """

    async def publish(self, user_ids: Collection[int], event: object) -> None:
        """Deliver ``event`` to the listeners of each of ``user_ids``."""
        ...

    def subscribe(self, user_id: int, listener: Listener) -> Subscription:
        """Call ``listener(user_id, event)`` for every event published to ``user_id``."""
        ...
