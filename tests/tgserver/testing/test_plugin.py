"""The pytest plugin as a user's project sees it: loaded from its entry point, fixtures in
sync, asyncio and Trio tests, under pytest-trio's trio_mode."""

from __future__ import annotations

import importlib.metadata

import pytest

pytest_plugins = ["pytester"]

# A project configured like this one: trio_mode on, pytest-asyncio strict, warnings are errors.
PYPROJECT = """
[tool.pytest.ini_options]
trio_mode = true
asyncio_default_fixture_loop_scope = "function"
filterwarnings = ["error"]
"""

USER_TESTS = """
import asyncio
import json
import urllib.request

import pytest
import trio


def get_me(bot):
    with urllib.request.urlopen(bot.api_url("getMe"), timeout=10) as response:
        return json.loads(response.read())["result"]


def test_sync(tg_bot, make_user):
    user = make_user("Ann")
    user.send(tg_bot, "hi")
    assert get_me(tg_bot)["username"] == tg_bot.username
    assert [m.text for m in user.messages(tg_bot)] == ["hi"]


@pytest.mark.asyncio
async def test_asyncio(tg_bot, tg_user):
    asyncio.get_running_loop()  # really on asyncio, not grabbed by trio_mode
    me = await asyncio.to_thread(get_me, tg_bot)
    assert me["id"] == tg_bot.id
    sent = await tg_user.aio.send(tg_bot, "from asyncio")
    assert sent.outgoing


async def test_trio(tg_bot, make_user):
    await trio.sleep(0)  # trio_mode still runs unmarked async tests on Trio
    user = make_user("Tri")
    await user.aio.send(tg_bot, "from trio")
    assert [m.text for m in await user.aio.messages()] == ["from trio"]


@pytest.fixture
def tg_server(tg_server_session):
    return tg_server_session


def test_session_one(make_user):
    make_user("Same", username="same_user")


def test_session_two(tg_server, tg_server_session):
    assert tg_server is tg_server_session
    user = tg_server.make_user("Other")
    assert user.id > 0
"""


def test_entry_point_is_registered() -> None:
    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert any(ep.value == "tgserver.testing.plugin" for ep in entry_points)


def test_fixtures_in_a_user_project(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    pytester.makepyfile(test_bot=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_fixture_list_is_documented(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    output = result.stdout.str()
    for name in ("tg_server", "tg_server_session", "make_bot", "tg_bot", "make_user", "tg_user"):
        assert f"{name} -- " in output or f"{name} [" in output, name
