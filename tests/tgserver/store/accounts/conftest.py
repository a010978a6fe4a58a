"""Every account-store conformance test runs against both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tgserver.store.accounts import AccountStores


@pytest.fixture(params=["memory", "sqlite"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AccountStores]:
    """The account stores of each backend in turn."""
    if request.param == "memory":
        bundle = AccountStores.memory()
    else:
        bundle = await AccountStores.open_sqlite(tmp_path / "accounts.sqlite3")
    yield bundle
    await bundle.aclose()
