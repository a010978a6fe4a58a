"""Reference clients (asyncio) against a real server running in a background thread.

Telethon and Kurigram cannot run inside Trio, so the test thread runs their asyncio loop while
:class:`tgserver.testing.BackgroundServer` runs the server on its own Trio loop, over real
sockets on 127.0.0.1.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.interop.support import trust_for_kurigram
from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.testing import BackgroundServer


@pytest.fixture
def running_server(server_config: ServerConfig) -> Iterator[ServerInfo]:
    """A tgserver on 127.0.0.1 (free port) running in a background thread."""
    server = BackgroundServer(server_config)
    info = server.start()
    try:
        yield info
    finally:
        server.stop()


@pytest.fixture
def trusted(running_server: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> ServerInfo:
    """The running server, its RSA key trusted by Kurigram (skips without Kurigram)."""
    pytest.importorskip("pyrogram")
    return trust_for_kurigram(running_server, monkeypatch)


@pytest.fixture(autouse=True)
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The server (in its thread) must log no error while a reference client talks to it."""
    yield
    errors = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name.startswith("tgserver")
    ]
    assert not errors, [r.getMessage() for r in errors]
