"""The channel through which a client hands over the updates the server pushes."""

from __future__ import annotations

import collections
import logging
from typing import Self

import trio

from tgcore.tl import TLObject

__all__ = ["UpdateQueue"]

log = logging.getLogger("tgcore.client")


class UpdateQueue:
    """A bounded queue of updates (TL objects): the client puts, the application receives.

    The client never waits for the application: when the queue is full the **oldest** update
    is dropped and a warning is logged (once per run of drops), and :attr:`dropped` counts
    them. An application that cannot keep up should therefore fetch the difference
    (``updates.getDifference``) when it sees drops, exactly as after a reconnect. Iterate
    with ``async for update in client.updates``; the iteration ends when the client closes.

    Args:
        capacity: How many updates are held at most.
    """

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, not {capacity}")
        self._items: collections.deque[TLObject] = collections.deque(maxlen=capacity)
        self._lot = trio.lowlevel.ParkingLot()
        self._closed = False
        self._warned = False
        self.dropped = 0
        """How many updates were dropped because the queue was full."""

    def __len__(self) -> int:
        return len(self._items)

    @property
    def capacity(self) -> int:
        """How many updates are held at most."""
        maxlen = self._items.maxlen
        assert maxlen is not None
        return maxlen

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called (queued updates can still be received)."""
        return self._closed

    def put(self, update: TLObject) -> None:
        """Queue ``update``, dropping the oldest one if full; ignored once closed."""
        if self._closed:
            return
        if len(self._items) == self.capacity:
            self.dropped += 1
            if not self._warned:
                self._warned = True
                log.warning(
                    "updates queue full (%d): dropping the oldest; read client.updates faster",
                    self.capacity,
                )
        else:
            self._warned = False
        self._items.append(update)
        self._lot.unpark()

    def close(self) -> None:
        """End the stream: receivers get what is queued, then :class:`trio.EndOfChannel`."""
        self._closed = True
        self._lot.unpark_all()

    def receive_nowait(self) -> TLObject:
        """The oldest queued update.

        Raises:
            trio.WouldBlock: nothing is queued.
            trio.EndOfChannel: nothing is queued and the queue is closed.
        """
        if self._items:
            return self._items.popleft()
        if self._closed:
            raise trio.EndOfChannel
        raise trio.WouldBlock

    async def receive(self) -> TLObject:
        """Wait for the oldest update.

        Raises:
            trio.EndOfChannel: the queue is closed and empty.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            try:
                update = self.receive_nowait()
            except trio.WouldBlock:
                await self._lot.park()
                continue
            except trio.EndOfChannel:
                await trio.lowlevel.cancel_shielded_checkpoint()
                raise
            await trio.lowlevel.cancel_shielded_checkpoint()
            return update

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> TLObject:
        try:
            return await self.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None
