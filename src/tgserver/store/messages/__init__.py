"""Message storage: private and basic-group messages, dialogs and the per-user update log.

:class:`MessageStore` is the narrow interface the messaging and updates services use;
:class:`MemoryMessageStore` (tests, ephemeral servers) and :class:`SqliteMessageStore` (the
embedded default: WAL-mode SQLite files sharded by user, group commit, crash-safe cross-shard
delivery) implement it and pass the same conformance suite. Payloads the store does not
interpret (entities, media, forward headers) are opaque bytes: the store knows no TL.
"""

from __future__ import annotations

from tgserver.store.messages.memory import MemoryMessageStore
from tgserver.store.messages.protocol import DEFAULT_LIMIT, MAX_LIMIT, TOO_LONG_GAP, MessageStore
from tgserver.store.messages.records import (
    INITIAL_PTS,
    BoxState,
    BoxUpdate,
    ChatSendResult,
    CopyChange,
    DeleteResult,
    DialogRecord,
    DialogsPage,
    EditResult,
    HistoryPage,
    MessageRecord,
    NewMessage,
    ReadResult,
    SendResult,
    UpdateEntry,
    UpdateKind,
    UpdateSlice,
)
from tgserver.store.messages.sqlite import DEFAULT_SHARDS, SqliteMessageStore

__all__ = [
    "BoxState",
    "BoxUpdate",
    "ChatSendResult",
    "CopyChange",
    "DEFAULT_LIMIT",
    "DEFAULT_SHARDS",
    "DeleteResult",
    "DialogRecord",
    "DialogsPage",
    "EditResult",
    "HistoryPage",
    "INITIAL_PTS",
    "MAX_LIMIT",
    "MemoryMessageStore",
    "MessageRecord",
    "MessageStore",
    "NewMessage",
    "ReadResult",
    "SendResult",
    "SqliteMessageStore",
    "TOO_LONG_GAP",
    "UpdateEntry",
    "UpdateKind",
    "UpdateSlice",
]
