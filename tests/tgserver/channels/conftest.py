"""Fixtures of the channel tests: every channel-store backend in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgserver.store.channels import ChannelStore, MemoryChannelStore, SqliteChannelStore


@pytest.fixture(params=["memory", "sqlite"])
async def channel_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ChannelStore]:
    """The memory backend, then the SQLite one (a real file in tmp_path)."""
    store: ChannelStore
    if request.param == "memory":
        store = MemoryChannelStore()
    else:
        store = await SqliteChannelStore.open(tmp_path / "channels.sqlite3")
    yield store
    await store.aclose()
