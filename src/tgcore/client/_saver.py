"""Saving the session to its store when it changes, off the connection's hot path."""

from __future__ import annotations

import logging
from collections.abc import Callable

import trio

from tgcore.errors import StorageError
from tgcore.storage import SessionData, SessionStore

__all__ = ["SessionSaver"]

log = logging.getLogger("tgcore.client")

_FINAL_SAVE_TIMEOUT = 5.0  # seconds granted to the last save at shutdown


class SessionSaver:
    """Saves ``snapshot()`` to ``store``: at once on request, or in the background when dirty.

    A failing store is logged, never fatal: the client keeps working with what it has.
    """

    def __init__(self, store: SessionStore, snapshot: Callable[[], SessionData | None]) -> None:
        self._store = store
        self._snapshot = snapshot
        self._dirty = trio.Event()

    def mark_dirty(self) -> None:
        """The session changed: :meth:`run` saves it soon."""
        self._dirty.set()

    async def save(self) -> None:
        """Save the current snapshot now (if there is one)."""
        data = self._snapshot()
        if data is None:
            return
        try:
            await self._store.save(data)
        except StorageError as exc:
            log.error("could not save the session: %s", exc)

    async def run(self) -> None:
        """Save whenever marked dirty, until cancelled; then a last time if needed."""
        try:
            while True:
                await self._dirty.wait()
                self._dirty = trio.Event()
                await self.save()
        finally:
            if self._dirty.is_set():
                deadline = trio.current_time() + _FINAL_SAVE_TIMEOUT
                with trio.CancelScope(shield=True, deadline=deadline):
                    await self.save()
