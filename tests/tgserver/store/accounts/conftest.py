"""Every account-store conformance test runs against both backends, and SQLite with and
without the caches in front."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgserver.store.accounts import AccountStores


@pytest.fixture(params=["memory", "sqlite", "sqlite-cached"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AccountStores]:
    """The account stores of each backend in turn."""
    if request.param == "memory":
        bundle = AccountStores.memory()
    elif request.param == "sqlite":
        bundle = await AccountStores.open_sqlite(tmp_path / "accounts.sqlite3", cache_size=0)
    else:
        # A tiny cache, so the conformance tests exercise eviction too.
        bundle = await AccountStores.open_sqlite(tmp_path / "accounts.sqlite3", cache_size=3)
    yield bundle
    await bundle.aclose()
