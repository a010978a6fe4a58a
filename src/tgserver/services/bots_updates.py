"""Each bot's update queue: fed from the bot's box update log, read by getUpdates or a webhook.

Nothing is lost between a message's commit and the bot's queue: the message store's update
log of the bot's box is durable, and :meth:`BotUpdates.feed` turns its entries after the bot's
cursor (``BotRecord.box_pts``) into queued updates and moves the cursor in one transaction of
the bot store. The bus only says *when* to look; :meth:`BotUpdates.run` feeds every bot at
startup (catch-up) and then whenever the bus reports a change of a bot's box. Callback
queries, which are not in the box log, are queued directly (:meth:`BotUpdates.enqueue`).
Supergroups and channels keep their own log: a :class:`~tgserver.services.bots_channel_feed.
ChannelFeed` (when channels are wired) feeds those in the same step, under the same lock.

getUpdates is long polling over that queue, with Telegram's rules: an ``offset`` confirms the
updates below it; a second getUpdates of the same bot ends the first one with a conflict.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final

import trio

from tgcore.errors import RpcError
from tgserver.bus import EventBus, Subscription
from tgserver.services.bots_channel_feed import ChannelFeed
from tgserver.services.channels.events import (
    ChannelEditEvent,
    ChannelMessageEvent,
    ChannelUpdatedEvent,
)
from tgserver.services.events import BoxEvent
from tgserver.store.bots import (
    BotRecord,
    BotUpdateKind,
    NewBotUpdate,
    QueuedUpdate,
    SqliteBotStore,
)
from tgserver.store.messages import MessageStore, UpdateEntry, UpdateKind

__all__ = [
    "ALL_UPDATE_KINDS",
    "GET_UPDATES_CONFLICT",
    "MAX_POLL_TIMEOUT",
    "WEBHOOK_ACTIVE",
    "BotUpdates",
    "kind_name",
]

log = logging.getLogger(__name__)

#: The longest getUpdates ``timeout`` honoured, in seconds.
MAX_POLL_TIMEOUT: Final = 50
#: getUpdates was ended by a newer getUpdates of the same bot (409).
GET_UPDATES_CONFLICT: Final = "GET_UPDATES_CONFLICT"
#: getUpdates while a webhook is set (409).
WEBHOOK_ACTIVE: Final = "WEBHOOK_ACTIVE"

_NAMES: Final = {
    BotUpdateKind.MESSAGE: "message",
    BotUpdateKind.EDITED_MESSAGE: "edited_message",
    BotUpdateKind.CALLBACK_QUERY: "callback_query",
    BotUpdateKind.CHANNEL_POST: "channel_post",
    BotUpdateKind.EDITED_CHANNEL_POST: "edited_channel_post",
    BotUpdateKind.MY_CHAT_MEMBER: "my_chat_member",
}
# The bus events after which a bot's queue may have something new.
_FEED_EVENTS: Final = (BoxEvent, ChannelMessageEvent, ChannelEditEvent, ChannelUpdatedEvent)
#: The update kinds this server produces, by their Bot API names.
ALL_UPDATE_KINDS: Final = tuple(_NAMES.values())
_FEED_BATCH = 100
#: Entries without updates that may stay behind the cursor before it is moved anyway.
_LAZY_CURSOR = 50


def kind_name(kind: BotUpdateKind) -> str:
    """The Bot API name of an update kind (``message``, ``callback_query`` ...)."""
    return _NAMES[kind]


def _wanted(bot: BotRecord, kind: BotUpdateKind) -> bool:
    # An empty list, like no list, means the default set (everything we produce).
    allowed = bot.allowed_updates
    return not allowed or _NAMES[kind] in allowed


class BotUpdates:
    """The update queues of every bot.

    Args:
        store: The bot store (queues and cursors).
        messages: The message store (the bots' box update logs).
        bus: Where box changes are announced.
    """

    def __init__(self, store: SqliteBotStore, messages: MessageStore, bus: EventBus) -> None:
        self._store = store
        self._messages = messages
        self._bus = bus
        self._subscriptions: dict[int, Subscription] = {}
        self._locks: dict[int, trio.Lock] = {}
        self._arrived: dict[int, trio.Event] = {}
        self._polls: dict[int, int] = {}
        self._dirty: set[int] = set()
        # Bots whose channels moved (a private message does not make a bot read its channels).
        self._channels_dirty: set[int] = set()
        self._wake = trio.Event()
        # Per bot, (cursor, scanned): with the bot's durable cursor (box_pts) at ``cursor``,
        # the box-log entries up to ``scanned`` hold nothing for the bot (its own messages,
        # reads, deletions). Feeds read from ``scanned``, and the bot's own new messages move
        # it without reading at all (see _skip_own). Memory only: a restart reads again.
        self._scanned: dict[int, tuple[int, int]] = {}
        #: Box entries turned into updates that failed and were skipped (logged).
        self.skipped = 0
        #: The supergroups' and channels' logs (None: bots reach no channels).
        self.channels: ChannelFeed | None = None

    # -- feeding ---------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Track every bot, catch up with what they missed while the server was down, then
        feed bots whose boxes changed, until cancelled."""
        for bot in await self._store.list_bots():
            self.track(bot.id)
        task_status.started()
        while True:
            while self._dirty:
                bot_id = self._dirty.pop()
                channels = bot_id in self._channels_dirty
                self._channels_dirty.discard(bot_id)
                try:
                    await self.feed(bot_id, channels=channels)
                except Exception:
                    # A broken store must not stop every other bot's updates; the entries
                    # stay in the box log and are fed on the next change or restart.
                    log.exception("feeding the update queue of bot %d failed", bot_id)
            await self._wake.wait()
            self._wake = trio.Event()

    def track(self, bot_id: int) -> None:
        """Feed ``bot_id``'s queue from its box from now on (idempotent), catching up now."""
        if bot_id not in self._subscriptions:
            self._subscriptions[bot_id] = self._bus.subscribe(bot_id, self._on_event)
        self._mark(bot_id, channels=True)

    async def _on_event(self, user_id: int, event: object) -> None:
        if isinstance(event, BoxEvent) and self._skip_own(user_id, event):
            return
        if isinstance(event, _FEED_EVENTS):
            self._mark(user_id, channels=not isinstance(event, BoxEvent))

    def _skip_own(self, bot_id: int, event: BoxEvent) -> bool:
        """Whether ``event`` is the bot's own new message right after what was scanned: then
        it holds no update, the scan mark moves past it, and no feed is needed.

        Each sendMessage publishes one; feeding for it would cost three store reads. The mark
        only moves when the entry is the very next one (pts contiguity), so an entry whose
        event is late or was never seen is still read by the next feed.
        """
        entry = event.entry
        scan = self._scanned.get(bot_id)
        if (
            scan is None
            or entry.kind != UpdateKind.NEW_MESSAGE
            or entry.pts_count != 1
            or entry.pts - 1 != scan[1]
            or len(event.messages) != 1
        ):
            return False
        message = event.messages[0]
        if not message.out or message.pts != entry.pts or entry.ids != (message.id,):
            return False
        self._scanned[bot_id] = (scan[0], entry.pts)
        return True

    def _scan_start(self, bot_id: int, cursor: int) -> int:
        """Where a feed of the bot, whose durable cursor is at ``cursor``, starts reading."""
        scan = self._scanned.get(bot_id)
        return scan[1] if scan is not None and scan[0] == cursor and scan[1] > cursor else cursor

    def _mark(self, bot_id: int, *, channels: bool = False) -> None:
        self._dirty.add(bot_id)
        if channels:
            self._channels_dirty.add(bot_id)
        self._wake.set()

    async def feed(self, bot_id: int, *, channels: bool = True) -> int:
        """Turn the bot's new box-log (and, with ``channels``, its channels' log) entries
        into queued updates; how many were queued."""
        lock = self._locks.setdefault(bot_id, trio.Lock())
        queued = 0
        async with lock:
            while True:
                bot = await self._store.get_bot(bot_id)
                if bot is None:
                    self._scanned.pop(bot_id, None)
                    return queued
                pts = bot.box_pts
                start = self._scan_start(bot_id, pts)
                got = await self._messages.get_updates(
                    bot_id, start, limit=_FEED_BATCH, too_long_gap=1 << 62
                )
                if not got.entries:
                    self._scanned[bot_id] = (pts, start)
                    break
                items, unwanted = await self._items(bot, got.entries)
                to_pts = got.entries[-1].pts
                if not items and not unwanted and to_pts - pts < _LAZY_CURSOR:
                    # Only the bot's own messages, reads, deletions: nothing to queue. Moving
                    # the cursor would cost a durable write per sent message; it stays, and
                    # the scan mark (memory) remembers that these entries hold nothing.
                    self._scanned[bot_id] = (pts, to_pts)
                    break
                # The entries between the cursor and ``start`` hold nothing: moving the
                # cursor past them with the items read from ``start`` on loses no update.
                done = await self._store.feed(bot_id, pts, to_pts, items)
                if done is None:
                    self._scanned.pop(bot_id, None)
                else:
                    self._scanned[bot_id] = (to_pts, to_pts)
                if done:
                    queued += len(done)
                if to_pts >= got.state.pts:
                    break
            if channels and self.channels is not None:
                queued += await self.channels.feed(bot_id, lambda kind: _wanted(bot, kind))
        if queued:
            self._notify(bot_id)
        return queued

    async def _items(
        self, bot: BotRecord, entries: Sequence[UpdateEntry]
    ) -> tuple[list[NewBotUpdate], bool]:
        """The updates of ``entries``, and whether some were left out because the bot does
        not want their kind (then the cursor must move past them now)."""
        items: list[NewBotUpdate] = []
        unwanted = False
        wanted_ids = [
            e.ids[0]
            for e in entries
            if e.ids and e.kind in (UpdateKind.NEW_MESSAGE, UpdateKind.EDIT_MESSAGE)
        ]
        found = {m.id: m for m in await self._messages.get_messages(bot.id, wanted_ids)}
        for entry in entries:
            if entry.kind == UpdateKind.NEW_MESSAGE:
                kind = BotUpdateKind.MESSAGE
            elif entry.kind == UpdateKind.EDIT_MESSAGE:
                kind = BotUpdateKind.EDITED_MESSAGE
            else:
                continue
            message = found.get(entry.ids[0]) if entry.ids else None
            # The bot's own messages (out) are not updates for it; deleted ones are gone.
            if message is None or message.out:
                continue
            if not _wanted(bot, kind):
                unwanted = True
                continue
            items.append(NewBotUpdate(kind=kind, date=entry.date, message_id=message.id))
        return items, unwanted

    async def enqueue(self, bot_id: int, item: NewBotUpdate) -> QueuedUpdate | None:
        """Queue an update that is not in the box log (a callback query); None when the bot
        does not want that kind or does not exist."""
        bot = await self._store.get_bot(bot_id)
        if bot is None or not _wanted(bot, item.kind):
            return None
        queued = await self._store.enqueue(bot_id, item)
        if queued is not None:
            self._notify(bot_id)
        return queued

    def _notify(self, bot_id: int) -> None:
        event = self._arrived.pop(bot_id, None)
        if event is not None:
            event.set()

    def arrival(self, bot_id: int) -> trio.Event:
        """An event set when something is queued for the bot (or its poll is ended) after
        this call: take it *before* reading the queue, then wait on it, and nothing queued
        in between is missed."""
        event = self._arrived.get(bot_id)
        if event is None:
            event = self._arrived[bot_id] = trio.Event()
        return event

    async def wait_for_updates(self, bot_id: int) -> None:
        """Return when something is queued for the bot (or a poll is ended) after the call."""
        await self.arrival(bot_id).wait()

    # -- reading ---------------------------------------------------------------------------------

    async def get_updates(
        self,
        bot: BotRecord,
        *,
        offset: int = 0,
        limit: int = 100,
        poll_timeout: float = 0,
        allowed_updates: Sequence[str] | None = None,
    ) -> list[QueuedUpdate]:
        """getUpdates: confirm the updates below ``offset``, return the queued ones from it,
        waiting up to ``poll_timeout`` seconds (at most :data:`MAX_POLL_TIMEOUT`) for one.

        Raises:
            RpcError: ``409 WEBHOOK_ACTIVE`` (a webhook is set), ``409 GET_UPDATES_CONFLICT``
                (a newer getUpdates of the same bot ended this one).
        """
        bot_id = bot.id
        if bot.webhook is not None:
            raise RpcError(409, WEBHOOK_ACTIVE)
        if allowed_updates is not None and tuple(allowed_updates) != bot.allowed_updates:
            # Frameworks send the same list with every poll: write only a change.
            await self._store.set_allowed_updates(bot_id, list(allowed_updates))
        # Tell an older poll of this bot to give up: it answers with the conflict.
        generation = self._polls.get(bot_id, 0) + 1
        self._polls[bot_id] = generation
        self._notify(bot_id)
        self.track(bot_id)
        limit = min(max(limit, 1), 100)
        poll_timeout = min(max(poll_timeout, 0.0), float(MAX_POLL_TIMEOUT))
        deadline = trio.current_time() + poll_timeout
        if offset > 0:
            await self._store.confirm(bot_id, offset)
        # What was committed before this call is visible to it, whatever the bus did yet.
        await self.feed(bot_id)
        while True:
            arrived = self.arrival(bot_id)
            if offset < 0:
                found = await self._store.last_updates(bot_id, min(-offset, limit))
            else:
                found = await self._store.pending(bot_id, offset, limit)
            if found or trio.current_time() >= deadline:
                return found
            with trio.move_on_at(deadline):
                await arrived.wait()
            if self._polls.get(bot_id) != generation:
                raise RpcError(409, GET_UPDATES_CONFLICT)

    async def confirm(self, bot_id: int, update_id: int) -> None:
        """Forget one update (a webhook delivered it)."""
        await self._store.delete_update(bot_id, update_id)

    async def pending_count(self, bot_id: int) -> int:
        """How many updates wait for the bot."""
        return await self._store.pending_count(bot_id)

    async def drop_pending(self, bot_id: int) -> int:
        """Forget every queued update (``drop_pending_updates``)."""
        await self.feed(bot_id)
        return await self._store.drop_pending(bot_id)

    def end_polls(self, bot_id: int) -> None:
        """End a waiting getUpdates of the bot (a webhook was set): it answers the conflict."""
        self._polls[bot_id] = self._polls.get(bot_id, 0) + 1
        self._notify(bot_id)

    async def aclose(self) -> None:
        """Stop listening on the bus."""
        for sub in self._subscriptions.values():
            sub.cancel()
        self._subscriptions.clear()
