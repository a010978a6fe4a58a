"""The pytest plugin (entry point ``pytest11: tgserver``): fixtures for testing bots.

Every fixture is function-scoped and builds on ``tg_server``. To share one server between
all the tests of a session (a server starts in a few milliseconds, so this is rarely worth it),
override ``tg_server`` in a ``conftest.py``::

    @pytest.fixture
    def tg_server(tg_server_session):
        return tg_server_session

The plugin also hands tests marked ``@pytest.mark.asyncio`` back to pytest-asyncio when
pytest-trio's ``trio_mode`` has claimed every ``async def`` test, so asyncio bots and Trio
code can be tested in one project.

Importing this module imports nothing of the server: pytest loads it in every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tgserver.testing.harness import TgTestBot, TgTestServer
    from tgserver.testing.users import SimulatedUser

__all__ = ["make_bot", "make_user", "tg_bot", "tg_server", "tg_server_session", "tg_user"]


def _start(tmp_path_factory: pytest.TempPathFactory) -> TgTestServer:
    from tgserver.testing.harness import TgTestServer, memory_config

    return TgTestServer.start(memory_config(tmp_path_factory.mktemp("tgserver")))


@pytest.fixture
def tg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TgTestServer]:
    """A running server for one test: memory storage, MTProto and Bot API on free ports of
    127.0.0.1, on a Trio loop of its own in a background thread (usable from sync, asyncio
    and Trio tests). Stopped after the test; what it died of, if anything, fails the test."""
    server = _start(tmp_path_factory)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tg_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TgTestServer]:
    """Like ``tg_server``, but one server for the whole test session (accounts and chats
    persist from test to test: give bots and users unique usernames or none)."""
    server = _start(tmp_path_factory)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_bot(tg_server: TgTestServer) -> Callable[..., TgTestBot]:
    """``make_bot(username=None, first_name=None) -> TgTestBot``: create a bot account on
    ``tg_server`` (see :meth:`TgTestServer.make_bot`)."""
    return tg_server.make_bot


@pytest.fixture
def tg_bot(make_bot: Callable[..., TgTestBot]) -> TgTestBot:
    """A bot account on ``tg_server`` with a generated username (``test<N>_bot``)."""
    return make_bot()


@pytest.fixture
def make_user(tg_server: TgTestServer) -> Callable[..., SimulatedUser]:
    """``make_user(first_name="Test", last_name="", username=None) -> SimulatedUser``: create
    a simulated user on ``tg_server`` (see :meth:`TgTestServer.make_user`)."""
    return tg_server.make_user


@pytest.fixture
def tg_user(make_user: Callable[..., SimulatedUser]) -> SimulatedUser:
    """A simulated user named "Test" on ``tg_server``."""
    return make_user()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give tests marked ``asyncio`` back to pytest-asyncio under pytest-trio's trio_mode.

    trio_mode marks every coroutine test ``trio`` (it runs first; this hook runs last); an
    asyncio bot cannot run on Trio, so a test that asks for asyncio explicitly keeps it.
    """
    for item in items:
        if item.get_closest_marker("asyncio") is None:
            continue
        item.own_markers[:] = [mark for mark in item.own_markers if mark.name != "trio"]
