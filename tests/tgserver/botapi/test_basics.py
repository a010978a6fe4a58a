"""Routing, tokens, errors, getMe, commands, getChat, the CLI's bot creation."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.tgserver.botapi.conftest import BotEnv
from tgserver.app import open_server
from tgserver.cli import main
from tgserver.config import ServerConfig


async def test_get_me(env: BotEnv) -> None:
    me = await env.ok("getMe")
    assert me["id"] == env.bot.id and me["is_bot"] is True
    assert me["username"] == "test_bot" and me["first_name"] == "Tester"
    assert me["can_join_groups"] is True and me["supports_inline_queries"] is False


async def test_get_and_method_names_are_case_insensitive(env: BotEnv) -> None:
    response = await env.http.get(env.url("GETME"))
    assert response.status_code == 200 and response.json()["result"]["id"] == env.bot.id
    response = await env.http.get(env.url("getme") + "?unused=1")
    assert response.json()["ok"] is True


async def test_bad_tokens_are_unauthorized(env: BotEnv) -> None:
    wrong_secret = f"{env.bot.id}:{'A' * 35}"
    for token in (
        wrong_secret,
        "123:abc",
        "nonsense",
        f"{env.bot.id}:",
        "99999999999999999999999:x",
    ):
        response = await env.http.get(env.url("getMe", token))
        assert response.status_code == 401, token
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_and_paths_are_not_found(env: BotEnv) -> None:
    response = await env.http.get(env.url("noSuchMethod"))
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    for path in ("/", "/bot", f"/bot{env.bot.token}", "/favicon.ico"):
        response = await env.http.get(env.base + path)
        assert response.status_code == 404, path
    response = await env.http.delete(env.url("getMe"))
    assert response.status_code == 404


async def test_a_user_account_token_does_not_exist(env: BotEnv) -> None:
    # Users have no token; their id with any secret is refused.
    response = await env.http.get(env.url("getMe", f"{env.alice.id}:secret"))
    assert response.status_code == 401


async def test_commands_round_trip(env: BotEnv) -> None:
    assert await env.ok("getMyCommands") == []
    commands = [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help me"},
    ]
    assert await env.ok("setMyCommands", commands=commands) is True
    assert await env.ok("getMyCommands") == commands
    assert "BOT_COMMAND_INVALID" in await env.error(
        "setMyCommands", 400, commands=[{"command": "Bad Command!", "description": "x"}]
    )
    assert "commands is empty" in await env.error("setMyCommands", 400)
    assert await env.ok("deleteMyCommands") is True
    assert await env.ok("getMyCommands") == []


async def test_get_chat(env: BotEnv) -> None:
    assert await env.error("getChat", 400, chat_id=env.alice.id) == "Bad Request: chat not found"
    await env.user_says(env.alice, "hi")
    chat = await env.ok("getChat", chat_id=env.alice.id)
    assert chat["id"] == env.alice.id and chat["type"] == "private"
    assert chat["first_name"] == "Alice" and chat["last_name"] == "Smith"
    assert chat["accent_color_id"] == 0 and "max_reaction_count" in chat
    assert await env.error("getChat", 400, chat_id=123) == "Bad Request: chat not found"
    assert await env.error("getChat", 400, chat_id="@nobody") == "Bad Request: chat not found"
    assert await env.error("getChat", 400) == "Bad Request: chat_id is empty"


async def test_close_and_log_out(env: BotEnv) -> None:
    assert await env.ok("close") is True
    assert await env.ok("logOut") is True


def test_cli_creates_a_bot_and_prints_the_token_last(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["bots", "create", "--data", str(tmp_path), "--username", "cli_bot", "--first-name", "C"],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    bot_id, _, secret = token.partition(":")
    assert bot_id.isdigit() and len(secret) >= 30
    again = runner.invoke(
        main, ["bots", "create", "--data", str(tmp_path), "--username", "cli_bot"]
    )
    assert again.exit_code != 0 and "another account has this username" in again.output
    bad = runner.invoke(
        main, ["bots", "create", "--data", str(tmp_path), "--username", "plainuser"]
    )
    assert bad.exit_code != 0 and "ends in 'bot'" in bad.output
    listed = runner.invoke(main, ["users", "list", "--data", str(tmp_path)])
    assert "@cli_bot" in listed.output


async def test_the_bot_api_can_be_turned_off(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, port=0, bot_api_port=None)
    async with open_server(config) as info:
        assert info.bot_api_port is None and info.bot_api_url is None
        assert info.bots is not None  # the services exist: MTProto bot features still work
