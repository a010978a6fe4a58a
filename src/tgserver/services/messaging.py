"""The messaging services wired together over the account services and a message store."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from tgserver.bus import EventBus, MemoryBus
from tgserver.services.bundle import AccountServices
from tgserver.services.difference import DifferenceService
from tgserver.services.messages import MessagingService
from tgserver.store.messages import MessageStore

__all__ = ["MessagingServices"]


@attrs.frozen
class MessagingServices:
    """Private chats and their updates, as the RPC handlers use them.

    Attributes:
        accounts: The account services (users, contacts, key bindings).
        messages: Sending, editing, reading ...
        difference: ``updates.getState`` / ``getDifference``.
        bus: Where changes are published.
    """

    accounts: AccountServices
    messages: MessagingService
    difference: DifferenceService
    bus: EventBus

    @classmethod
    def create(
        cls,
        accounts: AccountServices,
        store: MessageStore,
        *,
        bus: EventBus | None = None,
        clock: Callable[[], float] = time.time,
    ) -> MessagingServices:
        """Wire the services (a fresh :class:`MemoryBus` unless ``bus`` is given)."""
        bus = bus if bus is not None else MemoryBus()
        return cls(
            accounts=accounts,
            messages=MessagingService(
                store, accounts.stores.users, accounts.stores.contacts, bus, clock=clock
            ),
            difference=DifferenceService(store, clock=clock),
            bus=bus,
        )
