"""The event bus: how services tell the gateway (and later other nodes) what happened.

:class:`EventBus` is the interface (publish to user ids, subscribe per user);
:class:`MemoryBus` the in-process implementation.
"""

from __future__ import annotations

from tgserver.bus.memory import MemoryBus, MemorySubscription
from tgserver.bus.protocol import EventBus, Listener, Subscription

__all__ = ["EventBus", "Listener", "MemoryBus", "MemorySubscription", "Subscription"]
