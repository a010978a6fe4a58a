"""Basic groups' metadata: titles, participants, admin rights, versions, migration.

:class:`ChatStore` is the narrow interface the chat service uses; :class:`MemoryChatStore`
and :class:`SqliteChatStore` implement it and pass one conformance suite. A basic group's
messages are not here: they are copies in each member's box of the message store.
"""

from __future__ import annotations

from tgserver.store.chats.memory import MemoryChatStore
from tgserver.store.chats.protocol import ChatStore
from tgserver.store.chats.records import ChatChange, ChatParticipant, ChatRecord, Membership
from tgserver.store.chats.sqlite import CHATS_FILE, SqliteChatStore

__all__ = [
    "CHATS_FILE",
    "ChatChange",
    "ChatParticipant",
    "ChatRecord",
    "ChatStore",
    "Membership",
    "MemoryChatStore",
    "SqliteChatStore",
]
