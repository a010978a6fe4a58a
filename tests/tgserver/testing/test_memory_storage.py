"""ServerConfig.storage = "memory": the option's sources, and a server that writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tgserver import cli
from tgserver.app import ACCOUNTS_FILE, DATABASE_FILE, MESSAGES_DIR, open_server
from tgserver.config import ConfigError, ServerConfig
from tgserver.keys import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE

# What the session-1 stores write with storage = "sqlite".
SESSION1_FILES = {ACCOUNTS_FILE, DATABASE_FILE, MESSAGES_DIR, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE}


def test_default_is_sqlite() -> None:
    assert ServerConfig().storage == "sqlite"
    assert ServerConfig.load(env={}).storage == "sqlite"


def test_env_file_and_case(tmp_path: Path) -> None:
    assert ServerConfig.load(env={"TGSERVER_STORAGE": "Memory"}).storage == "memory"
    toml = tmp_path / "tg.toml"
    toml.write_text('storage = "memory"\n', encoding="utf-8")
    assert ServerConfig.load(toml, env={}).storage == "memory"
    assert ServerConfig.load(toml, env={}, overrides={"storage": "sqlite"}).storage == "sqlite"


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="storage: expected one of sqlite, memory"):
        ServerConfig(storage="redis")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="TGSERVER_STORAGE"):
        ServerConfig.load(env={"TGSERVER_STORAGE": "postgres"})


def test_run_flag_is_offered() -> None:
    result = CliRunner().invoke(cli.main, ["run", "--help"])
    assert result.exit_code == 0
    assert "--storage [sqlite|memory]" in result.output
    result = CliRunner().invoke(cli.main, ["run", "--storage", "disk"])
    assert result.exit_code == 2
    assert "'disk' is not one of 'sqlite', 'memory'" in result.output


async def test_memory_server_writes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "tgdata"
    data_dir.mkdir()
    config = ServerConfig(data_dir=data_dir, host="127.0.0.1", port=0, storage="memory")
    async with open_server(config) as info:
        assert info.bots is not None and info.media is not None
        accounts = info.bots.messaging.accounts
        user = await accounts.users.register(phone="15550001", first_name="Ann")
        await info.bots.messaging.messages.send(user.id, user.id, "note to self")
        bot = await info.bots.bots.create_bot("memo_bot")
        await info.bots.messaging.messages.send(user.id, bot.id, "/start")
        stored = await info.media.store_document(
            user.id, b"data" * 1000, name="a.txt", mime_type="text/plain"
        )
        assert await info.media.read(stored, 0, 8) == b"datadata"
    assert not SESSION1_FILES & {path.name for path in data_dir.iterdir()}
    # Every other store (chats, channels, bots, media) honours the switch too.
    assert list(data_dir.iterdir()) == []


async def test_memory_servers_share_nothing(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, host="127.0.0.1", port=0, storage="memory")
    async with open_server(config) as first:
        assert first.bots is not None
        await first.bots.messaging.accounts.users.register(phone="15550002", first_name="Bo")
        async with open_server(config) as second:
            assert second.bots is not None
            users = second.bots.messaging.accounts.users.store
            assert await users.user_by_phone("15550002") is None
            # One process-wide key: generating a fresh 2048-bit key per server is slow.
            assert second.fingerprint == first.fingerprint
