"""The Bot API's own storage: bot tokens and settings, and durable per-bot update queues.

Bots are accounts of the account store (``UserRecord.bot``); this store keeps what only the
Bot API needs, in ``bots.sqlite3`` in the data directory.
"""

from __future__ import annotations

from tgserver.store.bots.records import (
    BotRecord,
    BotUpdateKind,
    ChannelCursor,
    NewBotUpdate,
    QueuedUpdate,
    WebhookRecord,
)
from tgserver.store.bots.sqlite import BOTS_FILE, BOTS_SCHEMA_VERSION, SqliteBotStore

__all__ = [
    "BOTS_FILE",
    "BOTS_SCHEMA_VERSION",
    "BotRecord",
    "BotUpdateKind",
    "ChannelCursor",
    "NewBotUpdate",
    "QueuedUpdate",
    "SqliteBotStore",
    "WebhookRecord",
]
