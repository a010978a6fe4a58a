"""Fixtures of the gateway tests: a running server on a free port."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tgserver.app import ServerInfo, open_server
from tgserver.config import ServerConfig

# --import-mode=importlib puts no test directory on sys.path; helpers are shared through
# gateway_client (a module name unique in the suite).
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
async def server(server_config: ServerConfig) -> AsyncIterator[ServerInfo]:
    """A server with the default limits, running for the test."""
    async with open_server(server_config) as info:
        yield info


@pytest.fixture(autouse=True)
def no_gateway_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Hostile clients are routine: the gateway must never log an error because of one."""
    yield
    errors = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name.startswith("tgserver.gateway")
    ]
    assert not errors, [r.getMessage() for r in errors]
