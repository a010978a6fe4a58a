"""The basic-group services wired together over a chat store and the messaging services."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from tgserver.services.chats import ChatService
from tgserver.services.chats_messages import ChatMessaging
from tgserver.services.messaging import MessagingServices
from tgserver.store.chats import ChatStore

__all__ = ["ChatServices"]


@attrs.frozen
class ChatServices:
    """Basic groups, as the RPC handlers (and the Bot API) use them.

    Attributes:
        chats: Creating groups, membership, titles, admins, migration.
        messaging: Group messages: send, edit, delete, read, typing.
    """

    chats: ChatService
    messaging: ChatMessaging

    @classmethod
    def create(
        cls,
        store: ChatStore,
        messaging: MessagingServices,
        *,
        clock: Callable[[], float] = time.time,
    ) -> ChatServices:
        """Wire the services over ``store`` and the messaging services' message store and bus."""
        chats = ChatService(
            store,
            messaging.messages.store,
            messaging.accounts.stores.users,
            messaging.bus,
            clock=clock,
        )
        return cls(chats=chats, messaging=ChatMessaging(chats))
