"""A session store that keeps everything in memory (lost when the process exits)."""

from __future__ import annotations

import trio

from tgcore.files import UploadState
from tgcore.storage.session import SessionData

__all__ = ["MemorySessionStore"]


class MemorySessionStore:
    """Keeps one :class:`SessionData` and the upload states in memory: for tests and throw-away
    clients.

    Args:
        data: A session to start with, if any.
    """

    def __init__(self, data: SessionData | None = None) -> None:
        self._data = data
        self._uploads: dict[str, UploadState] = {}

    async def load(self) -> SessionData | None:
        """The saved session, or None."""
        await trio.lowlevel.checkpoint()
        return self._data

    async def save(self, data: SessionData) -> None:
        """Replace the saved session with ``data``."""
        await trio.lowlevel.checkpoint()
        self._data = data

    async def delete(self) -> None:
        """Forget the saved session."""
        await trio.lowlevel.checkpoint()
        self._data = None

    async def get_upload(self, key: str) -> UploadState | None:
        """The upload state saved under ``key``, or None."""
        await trio.lowlevel.checkpoint()
        return self._uploads.get(key)

    async def put_upload(self, key: str, state: UploadState) -> None:
        """Save ``state`` under ``key``."""
        await trio.lowlevel.checkpoint()
        self._uploads[key] = state

    async def delete_upload(self, key: str) -> None:
        """Forget the upload state under ``key``."""
        await trio.lowlevel.checkpoint()
        self._uploads.pop(key, None)
