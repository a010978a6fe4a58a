"""Fixtures of the message-store tests: every backend in turn."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgserver.store.messages import MemoryMessageStore, MessageStore, SqliteMessageStore

# --import-mode=importlib puts no test directory on sys.path; helpers are shared through
# message_store_helpers (a module name unique in the suite).
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

BACKENDS = ["memory", "sqlite-1", "sqlite-4"]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MessageStore]:
    """Each backend in turn: memory, SQLite in one file, SQLite over four."""
    backend: MessageStore
    if request.param == "memory":
        backend = MemoryMessageStore()
    else:
        shards = int(request.param.split("-")[1])
        backend = await SqliteMessageStore.open(tmp_path, shards=shards)
    yield backend
    await backend.aclose()
