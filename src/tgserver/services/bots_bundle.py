"""The bot services wired together: accounts and sending, update queues, callback queries."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import attrs

from tgserver.services.bots import BotLimits, BotService
from tgserver.services.bots_callbacks import CALLBACK_TIMEOUT, CallbackQueries
from tgserver.services.bots_channel_feed import ChannelFeed
from tgserver.services.bots_channels import BotChannels
from tgserver.services.bots_updates import BotUpdates
from tgserver.services.channels import ChannelServices
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
        channel_feed: Feeds the queues from the bots' supergroups and channels (None: not
            wired); its ``user_offline`` is the gateway's presence hook for the channels'
            online index (it keeps bots online there).
    """

    bots: BotService
    updates: BotUpdates
    callbacks: CallbackQueries
    messaging: MessagingServices
    channel_feed: ChannelFeed | None = None

    @classmethod
    def create(
        cls,
        messaging: MessagingServices,
        store: SqliteBotStore,
        *,
        limits: BotLimits | None = None,
        callback_timeout: float = CALLBACK_TIMEOUT,
        chats: ChatServices | None = None,
        channels: ChannelServices | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> BotServices:
        """Wire the services over ``messaging`` and the bot store (``chats``: bots in basic
        groups too; ``channels``: in supergroups and broadcast channels too)."""
        updates = BotUpdates(store, messaging.messages.store, messaging.bus)
        feed = None
        if channels is not None:
            feed = updates.channels = ChannelFeed(store, channels)
        return cls(
            bots=BotService(
                messaging,
                store,
                limits=limits,
                chats=chats,
                channels=BotChannels(channels) if channels is not None else None,
                clock=clock,
                rng=rng,
            ),
            updates=updates,
            callbacks=CallbackQueries(updates, timeout=callback_timeout, rng=rng),
            messaging=messaging,
            channel_feed=feed,
        )
