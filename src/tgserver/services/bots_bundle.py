"""The bot services wired together: accounts and sending, update queues, callback queries."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import attrs

from tgserver.services.bots import BotLimits, BotService
from tgserver.services.bots_callbacks import CALLBACK_TIMEOUT, CallbackQueries
from tgserver.services.bots_updates import BotUpdates
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.messaging import MessagingServices
from tgserver.store.bots import SqliteBotStore

__all__ = ["BotServices"]


@attrs.frozen
class BotServices:
    """What the Bot API (and the MTProto handlers of bot features) use.

    Attributes:
        bots: Bot accounts, tokens, sending/editing/deleting as a bot.
        updates: The per-bot update queues (run :meth:`BotUpdates.run` in a nursery).
        callbacks: Button presses waiting for answers.
        messaging: The messaging services underneath.
    """

    bots: BotService
    updates: BotUpdates
    callbacks: CallbackQueries
    messaging: MessagingServices

    @classmethod
    def create(
        cls,
        messaging: MessagingServices,
        store: SqliteBotStore,
        *,
        limits: BotLimits | None = None,
        callback_timeout: float = CALLBACK_TIMEOUT,
        chats: ChatServices | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> BotServices:
        """Wire the services over ``messaging`` and the bot store (``chats``: bots in basic
        groups too)."""
        updates = BotUpdates(store, messaging.messages.store, messaging.bus)
        return cls(
            bots=BotService(messaging, store, limits=limits, chats=chats, clock=clock, rng=rng),
            updates=updates,
            callbacks=CallbackQueries(updates, timeout=callback_timeout, rng=rng),
            messaging=messaging,
        )
